/**
 * Download page and release file routes. Files are served only when their
 * exact name is a published release in the database: any other name,
 * including traversal attempts, is a 404 before the disk is touched.
 */
import fs from 'node:fs';
import type { Request, Response } from 'express';
import type { Config } from '../config/index.js';
import { NotFoundError } from '../errors/index.js';
import type { PageCache } from '../http/page-cache.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { DownloadsService } from './downloads.service.js';
import type { Release } from './releases.repository.js';
import { planResponse, setBodyHeaders, setValidators, streamFile } from './release-stream.js';
import type { DownloadLinks } from './signed-links.js';

export const PRODUCT = 'artisan_nd';

/**
 * Restricted releases (the shop): `links` checks signed links, `restricted(product)` says whether a product's releases are
 * for license holders only (then its files are not served by name, only through a signed link).
 */
export interface SignedDownloads {
  links: DownloadLinks;
  clock: Clock;
  restricted(product: string): Promise<boolean>;
}

export function createDownloadsController(service: DownloadsService, pageCache: PageCache, config: Readonly<Config>, logger: Logger,
  signed?: SignedDownloads) {
  async function send(req: Request, res: Response, release: Release): Promise<void> {
    if (await service.isBlocked(req.ip ?? '')) {
      // Refused before the disk is touched; HEAD is refused too, but only a GET is a download to log.
      if (req.method === 'GET') {
        await service.refuseBlocked({ release, ip: req.ip ?? 'unknown', userAgent: req.get('user-agent') ?? '', rangeHeader: req.get('range') ?? null });
      }
      res.status(403).setHeader('Cache-Control', 'no-store');
      res.render('downloads/blocked', { title: req.t('download.blocked.title') });
      return;
    }
    const file = service.filePath(release);
    const stat = await fs.promises.stat(file).catch(() => null);
    if (!stat?.isFile()) {
      logger.error({ file, release: release.id }, 'a published release has no file on disk');
      throw new NotFoundError('release file missing');
    }
    setValidators(res, release);
    const plan = planResponse(req, release, stat.size);
    if (plan.kind === 'not-modified') {
      res.status(304).end();
      return;
    }
    if (plan.kind === 'unsatisfiable') {
      res.setHeader('Content-Range', `bytes */${plan.size}`);
      res.status(416).type('text/plain').send('Range Not Satisfiable');
      return;
    }
    if (req.method === 'HEAD') {
      setBodyHeaders(res, release, plan);
      res.end();
      return;
    }
    const httpStatus = plan.kind === 'partial' ? 206 : 200;
    const ticket = await service.admit({
      release,
      ip: req.ip ?? 'unknown',
      userAgent: req.get('user-agent') ?? '',
      rangeHeader: plan.kind === 'partial' ? plan.rangeHeader : null,
      rangeStart: plan.kind === 'partial' ? plan.start : null,
      httpStatus,
    });
    if (config.downloads.accel === 'x-accel') {
      // nginx sends the bytes (and handles Range itself) from its internal location.
      res.attachment(release.filename);
      res.setHeader('X-Accel-Redirect', config.downloads.accelPrefix + encodeURIComponent(release.filename));
      res.end();
      await service.finish(ticket, 'offloaded', httpStatus, 0);
      return;
    }
    setBodyHeaders(res, release, plan);
    streamFile(res, file, plan, (bytes, complete) => {
      void service.finish(ticket, complete ? 'complete' : 'aborted', httpStatus, bytes);
    });
  }

  return {
    /** GET /download: latest release, install command, older versions. */
    page: async (req: Request, res: Response): Promise<void> => {
      const { latest, older } = await service.listing(PRODUCT);
      pageCache.render(req, res, 'downloads/index', { title: req.t('download.title'), latest, older, limits: config.downloads });
    },
    /** GET /download/latest: the latest release's bytes. */
    latest: async (req: Request, res: Response): Promise<void> => {
      await send(req, res, await service.latestFile(PRODUCT));
    },
    /** GET /download/files/:filename (a public product's release; a restricted one only through a signed link) */
    file: async (req: Request, res: Response): Promise<void> => {
      const filename = req.params.filename;
      if (typeof filename !== 'string') throw new NotFoundError();
      const release = await service.findFile(filename);
      if (await signed?.restricted(release.product)) throw new NotFoundError('a restricted release: signed links only');
      await send(req, res, release);
    },
    /** GET /downloads/signed/:token: the release a valid link names (same log, ranges and limits); else a 403 page offering a fresh link. */
    signedFile: async (req: Request, res: Response): Promise<void> => {
      const check = signed?.links.verify(String(req.params.token ?? ''), signed.clock.now(), req.ip ?? '');
      const release = check?.ok ? await service.releases.byId(check.claims.releaseId) : null;
      if (!check?.ok || !release?.publishedAt) {
        res.status(403).setHeader('Cache-Control', 'no-store');
        return res.render('downloads/link-refused', { title: req.t('download.signed.title'), reason: check && !check.ok ? check.reason : 'invalid' });
      }
      await send(req, res, release);
    },
  };
}
