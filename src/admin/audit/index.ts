/**
 * Admin area: /admin/audit, the append-only audit log (staff: support reads too).
 *
 * - GET /admin/audit      filters: actor (part of the e-mail), action (exact, or `prefix.*`),
 *                         target type + id, ip, from/to dates; pages of 50, newest first;
 *                         `?format=csv` exports the filtered rows (at most CSV_MAX_ROWS, streamed)
 * - GET /admin/audit/:id  one row in full (summary, user agent)
 *
 * Nothing here writes: there is no POST/PUT/PATCH/DELETE route under
 * /admin/audit (they answer 404), AuditRepository has no update or delete
 * method, and the database refuses both (migration 20261122030400_audit-log-append-only).
 */
import { Router, type Request, type Response } from 'express';
import { auditAction, auditSummary, withAuditText, type AuditRow, type AuditSearch } from '../../audit/index.js';
import { NotFoundError } from '../../errors/index.js';
import { streamCsv } from '../../http/csv.js';
import type { AdminDeps } from '../context.js';
import { pager, parseListQuery, queryString, staffOnly } from '../shared.js';

/** The most rows one CSV export holds (newest first); the file says when it was cut. */
export const CSV_MAX_ROWS = 100_000;
const FILTERS = ['actor', 'action', 'target_type', 'target_id', 'ip'] as const;
export const CSV_COLUMNS = ['created_at', 'actor_email', 'action', 'target_type', 'target_id', 'summary', 'ip', 'user_agent'];

/** The admin page of an audit row's target, or null when there is none. */
export function targetHref(type: string | null, id: string | null): string | null {
  if (!type || !id) return null;
  const e = encodeURIComponent(id);
  switch (type) {
    case 'account': return `/admin/partners/${e}`;
    case 'recharge': return `/admin/recharges/${e}`;
    case 'installation': return `/admin/installations/${e}`;
    case 'release': return '/admin/releases';
    case 'message': return `/admin/messages/${e}`;
    case 'ticket': return `/admin/tickets/${e}`;
    case 'issuer_key': return '/admin/keys';
    default: return null;
  }
}

function searchOf(params: Record<string, string>, from: Date | null, before: Date | null): AuditSearch {
  return {
    actor: params.actor, action: params.action, targetType: params.target_type, targetId: params.target_id, ip: params.ip, from, before,
  };
}

export function createAdminAuditRouter(deps: AdminDeps): Router {
  const router = Router();

  router.get('/admin/audit', staffOnly, async (req: Request, res: Response) => {
    const q = parseListQuery(req.query as Record<string, unknown>, ['created'], FILTERS);
    const search = searchOf(q.params, q.from, q.toExclusive);
    if (q.csv) return sendAuditCsv(req, res, deps.audit.scan(search, CSV_MAX_ROWS), deps.clock.now());
    const [{ rows: found, total }, { actions, targetTypes }] = await Promise.all([deps.audit.search(search, q.offset, q.perPage), deps.audit.vocabulary()]);
    const rows = found.map((r) => withAuditText(req.t, r));
    const prefixes = [...new Set(actions.filter((a) => a.includes('.')).map((a) => `${a.slice(0, a.indexOf('.'))}.*`))];
    res.render('admin/audit/list', {
      title: req.t('admin-audit:list.title'), rows, total, query: q, actions, prefixes, targetTypes, targetHref,
      actionLabel: (a: string) => auditAction(req.t, a),
      filtered: FILTERS.some((f) => q.params[f]) || Boolean(q.from || q.toExclusive),
      pg: pager(q, total, '/admin/audit'), csvHref: `/admin/audit${queryString(q.params, { format: 'csv' })}`,
    });
  });

  router.get('/admin/audit/:id', staffOnly, async (req: Request, res: Response) => {
    const raw = String(req.params.id);
    const found = /^[1-9]\d{0,9}$/.test(raw) && Number(raw) <= 2_147_483_647 ? await deps.audit.byId(Number(raw)) : null;
    if (!found) throw new NotFoundError('no such audit row');
    const row = withAuditText(req.t, found);
    res.render('admin/audit/show', { title: req.t('admin-audit:show.title', { id: row.id }), row, href: targetHref(row.targetType, row.targetId) });
  });
  return router;
}

/** Stream the rows as CSV (http/csv.ts), batch by batch. */
async function sendAuditCsv(req: Request, res: Response, batches: AsyncGenerator<AuditRow[]>, now: Date): Promise<void> {
  async function* cells(): AsyncGenerator<unknown[][]> {
    for await (const rows of batches) {
      yield rows.map((r) => [
        r.createdAt, r.actorEmail ?? '', r.action, r.targetType ?? '', r.targetId ?? '', auditSummary(req.t, r), r.ip ?? '',
        r.userAgent ?? '',
      ]);
    }
  }
  await streamCsv(req, res, `audit-${now.toISOString().slice(0, 10)}.csv`, CSV_COLUMNS, cells());
}
