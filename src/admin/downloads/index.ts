/**
 * Admin area: /admin/downloads (admin and superadmin only; support gets 403).
 *
 *   GET  /admin/downloads                      the download log: filters release, ip, status
 *                                              (outcome or HTTP status), from/to; pages of 50;
 *                                              `?format=csv`; top 20 IPs of the last 30 days
 *   GET  /admin/downloads/blocks               blocked IPs and the block form (`?ip=` fills it)
 *   POST /admin/downloads/blocks               block an IP (reason required, confirmed)
 *   POST /admin/downloads/blocks/:id/delete    unblock (confirmed)
 *
 * The public download routes refuse a blocked IP with a 403 page and log the
 * refusal (src/downloads/downloads.controller.ts); DownloadBlocksService
 * writes the list with its audit rows and drops the cached copy.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { canonicalIp } from '../../downloads/index.js';
import { actorOf } from '../../http/actor.js';
import { ConflictError, NotFoundError } from '../../errors/index.js';
import { flash } from '../../http/flash.js';
import { fieldErrors, singleLine } from '../../http/text-fields.js';
import type { AdminDeps } from '../context.js';
import { adminOnly, confirmed, pager, parseListQuery, queryString, routeId } from '../shared.js';
import { sendCsv } from '../../http/csv.js';
import { DownloadLogReports } from './download-log.js';
import { OUTCOMES } from './downloads-admin.repository.js';

const TOP_DAYS = 30;
const TOP_COUNT = 20;
const CSV_MAX_ROWS = 100_000;

const blockSchema = z.object({
  ip: z.string('admin-downloads:errors.ip_invalid').trim().max(64, 'admin-downloads:errors.ip_invalid')
    .transform((v, ctx) => canonicalIp(v) ?? (ctx.addIssue({ code: 'custom', message: 'admin-downloads:errors.ip_invalid' }), z.NEVER)),
  reason: singleLine(1, 500, { required: 'admin:errors.reason_required', long: 'admin:errors.reason_long', invalid: 'admin:errors.reason_invalid' }),
});

export function createAdminDownloadsRouter(deps: AdminDeps): Router {
  const log = new DownloadLogReports(deps.db);
  const blocks = deps.downloadBlocks;
  const router = Router();

  router.get('/admin/downloads', adminOnly, async (req: Request, res: Response) => {
    const q = parseListQuery(req.query as Record<string, unknown>, ['started'], ['release', 'ip', 'status']);
    const releaseId = /^\d{1,9}$/.test(q.params.release ?? '') ? Number(q.params.release) : undefined;
    const filter = { releaseId, ip: q.params.ip, status: q.params.status, from: q.from, to: q.toExclusive };
    if (q.csv) {
      const { rows } = await log.list(filter, CSV_MAX_ROWS, 0);
      sendCsv(req, res, 'downloads.csv',
        ['started_at', 'finished_at', 'release_id', 'version', 'filename', 'ip', 'http_status', 'outcome', 'counted', 'bytes_sent', 'range', 'user_agent'],
        rows.map((r) => [
          r.startedAt, r.finishedAt ?? '', r.releaseId ?? '', r.version ?? '', r.filename, r.ip, r.httpStatus, r.outcome,
          r.counted ? 1 : 0, r.bytesSent, r.rangeHeader ?? '', r.userAgent,
        ]));
      return;
    }
    const since = new Date(deps.clock.now().getTime() - TOP_DAYS * 86_400_000);
    const [{ rows, total }, top, releases, blocked] = await Promise.all([
      log.list(filter, q.perPage, q.offset), log.topIps(since, TOP_COUNT), log.releaseChoices(), blocks.allIps(),
    ]);
    res.render('admin/downloads/index', {
      title: req.t('admin-downloads:log.title'), rows, total, q, releases, outcomes: OUTCOMES, top, topDays: TOP_DAYS,
      isBlocked: (ip: string) => blocked.includes(canonicalIp(ip) ?? ip), pg: pager(q, total, '/admin/downloads'),
      csvLink: `/admin/downloads${queryString(q.params, { format: 'csv' })}`,
    });
  });

  const renderBlocks = async (
    req: Request, res: Response, status: number, values: { ip: string; reason: string }, errors: Record<string, string>,
  ): Promise<void> => {
    res.status(status).render('admin/downloads/blocks', { title: req.t('admin-downloads:blocks.title'), blocks: await blocks.list(), values, errors });
  };

  router.get('/admin/downloads/blocks', adminOnly, async (req, res) => {
    const ip = typeof req.query.ip === 'string' ? req.query.ip.slice(0, 64) : '';
    await renderBlocks(req, res, 200, { ip, reason: '' }, {});
  });

  router.post('/admin/downloads/blocks', adminOnly, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values = { ip: typeof body.ip === 'string' ? body.ip : '', reason: typeof body.reason === 'string' ? body.reason : '' };
    const parsed = blockSchema.safeParse(body);
    if (!parsed.success) {
      return renderBlocks(
        req, res, 422, values,
        fieldErrors(parsed.error, (f) => (f === 'ip' ? 'admin-downloads:errors.ip_invalid' : 'admin:errors.reason_invalid')),
      );
    }
    const { ip, reason } = parsed.data;
    if (await blocks.byIp(ip)) return renderBlocks(req, res, 409, values, { ip: 'admin-downloads:errors.already_blocked' });
    if (!confirmed(req, res, {
      title: 'admin-downloads:confirm.block_title', message: 'admin-downloads:confirm.block', params: { ip },
      action: '/admin/downloads/blocks', back: '/admin/downloads/blocks', danger: true, button: 'admin-downloads:actions.block',
    })) return;
    try {
      await blocks.block(ip, reason, actorOf(req));
    } catch (err) {
      if (err instanceof ConflictError) return renderBlocks(req, res, 409, values, { ip: 'admin-downloads:errors.already_blocked' });
      throw err;
    }
    flash(req, 'success', 'admin-downloads:flash.blocked', { ip });
    res.redirect(303, '/admin/downloads/blocks');
  });

  router.post('/admin/downloads/blocks/:id/delete', adminOnly, async (req, res) => {
    const id = routeId(req.params.id);
    const block = id === null ? null : await blocks.byId(id);
    if (!block || id === null) throw new NotFoundError('no such block');
    if (!confirmed(req, res, {
      title: 'admin-downloads:confirm.unblock_title', message: 'admin-downloads:confirm.unblock', params: { ip: block.ip },
      action: `/admin/downloads/blocks/${id}/delete`, back: '/admin/downloads/blocks', button: 'admin-downloads:actions.unblock',
    })) return;
    await blocks.unblock(block, actorOf(req));
    flash(req, 'success', 'admin-downloads:flash.unblocked', { ip: block.ip });
    res.redirect(303, '/admin/downloads/blocks');
  });

  return router;
}
