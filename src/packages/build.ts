/**
 * PackagesService as the server and the commands build it: settings from
 * the configuration (files/packages, BASE_URL as PORTAL_URL, the support
 * contact LEGAL_CONTACT_EMAIL or ADMIN_EMAIL, PACKAGE_DOWNLOAD_DAYS,
 * PACKAGE_KEEP_DAYS), products from the license server, the current release
 * from the downloads component (its file under files/downloads).
 */
import type { AuditService } from '../audit/index.js';
import type { Config } from '../config/index.js';
import type { DownloadsService } from '../downloads/index.js';
import type { ProductsService } from '../licenses/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import { PackagesService } from './packages.service.js';

export interface PackagesBuild {
  db: Db;
  clock: Clock;
  audit: AuditService;
  config: Readonly<Config>;
  logger?: Logger;
  products: Pick<ProductsService, 'byCode'>;
  downloads: Pick<DownloadsService, 'latestFile' | 'filePath'>;
}

export function buildPackagesService(b: PackagesBuild): PackagesService {
  const { config } = b;
  return new PackagesService({
    db: b.db, clock: b.clock, audit: b.audit, logger: b.logger,
    settings: {
      dir: config.packages.dir, portalUrl: config.baseUrl, supportEmail: config.legal.contactEmail ?? config.adminEmail,
      downloadDays: config.packages.downloadDays, keepDays: config.packages.keepDays,
    },
    products: b.products,
    latestRelease: async (product) => {
      const release = await b.downloads.latestFile(product).catch(() => null);
      return release ? { version: release.version, filename: release.filename, sha256: release.sha256, path: b.downloads.filePath(release) } : null;
    },
  });
}
