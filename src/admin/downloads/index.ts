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
 * refusal (src/downloads/downloads.controller.ts); the service's cached copy
 * of the list is dropped after each change here.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { canonicalIp } from '../../downloads/index.js';
import { actorOf } from '../../http/actor.js';
import { ConflictError, ERR, NotFoundError } from '../../errors/index.js';
import { flash } from '../../http/flash.js';
import { fieldErrors, singleLine } from '../../http/text-fields.js';
import type { AdminDeps } from '../context.js';
import { adminOnly, confirmed, pager, parseListQuery, queryString, routeId } from '../shared.js';
import { sendCsv } from '../../http/csv.js';
import { DownloadsAdminRepository, OUTCOMES } from './downloads-admin.repository.js';

const TOP_DAYS = 30;
const TOP_COUNT = 20;
const CSV_MAX_ROWS = 100_000;

const blockSchema = z.object({
  ip: z.string('admin-downloads:errors.ip_invalid').trim().max(64, 'admin-downloads:errors.ip_invalid')
    .transform((v, ctx) => canonicalIp(v) ?? (ctx.addIssue({ code: 'custom', message: 'admin-downloads:errors.ip_invalid' }), z.NEVER)),
  reason: singleLine(1, 500, { required: 'admin:errors.reason_required', long: 'admin:errors.reason_long', invalid: 'admin:errors.reason_invalid' }),
});

export function createAdminDownloadsRouter(deps: AdminDeps): Router {
  const repo = new DownloadsAdminRepository(deps.db);
  const blocks = deps.downloads.blocks;
  const router = Router();

  router.get('/admin/downloads', adminOnly, async (req: Request, res: Response) => {
    const q = parseListQuery(req.query as Record<string, unknown>, ['started'], ['release', 'ip', 'status']);
    const releaseId = /^\d{1,9}$/.test(q.params.release ?? '') ? Number(q.params.release) : undefined;
    const filter = { releaseId, ip: q.params.ip, status: q.params.status, from: q.from, to: q.toExclusive };
    if (q.csv) {
      const { rows } = await repo.list(filter, CSV_MAX_ROWS, 0);
      sendCsv(req, res, 'downloads.csv',
        ['started_at', 'finished_at', 'release_id', 'version', 'filename', 'ip', 'http_status', 'outcome', 'counted', 'bytes_sent', 'range', 'user_agent'],
        rows.map((r) => [r.startedAt, r.finishedAt ?? '', r.releaseId ?? '', r.version ?? '', r.filename, r.ip, r.httpStatus, r.outcome, r.counted ? 1 : 0, r.bytesSent, r.rangeHeader ?? '', r.userAgent]));
      return;
    }
    const since = new Date(deps.clock.now().getTime() - TOP_DAYS * 86_400_000);
    const [{ rows, total }, top, releases, blocked] = await Promise.all([
      repo.list(filter, q.perPage, q.offset), repo.topIps(since, TOP_COUNT), deps.downloads.releases.choices(), blocks.allIps(),
    ]);
    res.render('admin/downloads/index', {
      title: req.t('admin-downloads:log.title'), rows, total, q, releases, outcomes: OUTCOMES, top, topDays: TOP_DAYS,
      isBlocked: (ip: string) => blocked.includes(canonicalIp(ip) ?? ip), pg: pager(q, total, '/admin/downloads'), csvLink: `/admin/downloads${queryString(q.params, { format: 'csv' })}`,
    });
  });

  const renderBlocks = async (req: Request, res: Response, status: number, values: { ip: string; reason: string }, errors: Record<string, string>): Promise<void> => {
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
    if (!parsed.success) return renderBlocks(req, res, 422, values, fieldErrors(parsed.error, (f) => (f === 'ip' ? 'admin-downloads:errors.ip_invalid' : 'admin:errors.reason_invalid')));
    const { ip, reason } = parsed.data;
    if (await blocks.byIp(ip)) return renderBlocks(req, res, 409, values, { ip: 'admin-downloads:errors.already_blocked' });
    if (!confirmed(req, res, {
      title: 'admin-downloads:confirm.block_title', message: 'admin-downloads:confirm.block', params: { ip },
      action: '/admin/downloads/blocks', back: '/admin/downloads/blocks', danger: true, button: 'admin-downloads:actions.block',
    })) return;
    try {
      await deps.db.transaction(async (trx) => {
        if (await blocks.with(trx).byIp(ip)) throw new ConflictError('already blocked', ERR.IP_ALREADY_BLOCKED);
        const id = await blocks.with(trx).insert({ ip, reason, createdBy: req.account?.id ?? null }, deps.clock.now());
        await deps.audit.record(trx, actorOf(req), 'download.ip_blocked', { type: 'download_block', id }, { ip, reason });
      });
    } catch (err) {
      if (err instanceof ConflictError) return renderBlocks(req, res, 409, values, { ip: 'admin-downloads:errors.already_blocked' });
      throw err;
    }
    deps.downloads.blocksChanged();
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
    await deps.db.transaction(async (trx) => {
      await blocks.with(trx).delete(id);
      await deps.audit.record(trx, actorOf(req), 'download.ip_unblocked', { type: 'download_block', id }, { ip: block.ip, reason: block.reason });
    });
    deps.downloads.blocksChanged();
    flash(req, 'success', 'admin-downloads:flash.unblocked', { ip: block.ip });
    res.redirect(303, '/admin/downloads/blocks');
  });

  return router;
}
