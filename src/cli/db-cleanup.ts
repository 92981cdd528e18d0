/**
 * `npm run db:cleanup`: the data retention cleanup once (src/ops/cleanup.ts; the daily billing job runs it too):
 * expired mailed links, old ended sessions, handled gateway notifications older than RETENTION_WEBHOOK_DAYS,
 * download log rows older than RETENTION_DOWNLOADS_DAYS, client package zips older than PACKAGE_KEEP_DAYS (their keys
 * stay). Prints what it removed, as JSON. Never touches the audit
 * log, the ledger, invoices, payments or licenses. Exit codes: 0 done, 1 failed.
 */
import { DownloadsService } from '../downloads/index.js';
import { ProductsService } from '../licenses/index.js';
import { CleanupService } from '../ops/index.js';
import { buildPackagesService } from '../packages/index.js';
import { InboundEventsService } from '../payments/index.js';
import { systemClock } from '../platform/clock.js';
import { cliOptions, openCli } from './context.js';

cliOptions([], 'npm run db:cleanup');
const cli = await openCli();
try {
  const clock = systemClock;
  // Only its retention method is used here: this command processes no gateway notification.
  const inbound = new InboundEventsService({ db: cli.db, clock, audit: cli.audit, logger: cli.logger, gateways: {},
    handle: () => Promise.reject(new Error('db:cleanup processes no notification')) });
  const downloads = new DownloadsService({ db: cli.db, config: cli.config, clock, logger: cli.logger });
  const packages = buildPackagesService({ db: cli.db, clock, audit: cli.audit, config: cli.config, logger: cli.logger, downloads,
    products: new ProductsService({ db: cli.db, clock, audit: cli.audit }) });
  const cleanup = new CleanupService({ clock, retention: cli.config.ops.retention, accounts: cli.accounts, auth: cli.auth, inbound, downloads, packages });
  const report = await cleanup.run();
  console.log(JSON.stringify(report));
} catch (err) {
  console.error(`Cleanup failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await cli.close();
}
