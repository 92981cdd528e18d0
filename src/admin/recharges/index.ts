/**
 * Admin area: /admin/recharges, every partner's recharges.
 *
 * - GET  /admin/recharges               staff: list — `q` (customer, installation code, recharge id), `partner` (id, e-mail
 *                                       or PTN reference), `state` (issued|revoked), `delivered` (yes|no), `from`/`to`
 *                                       (issue date), pages of 50, `format=csv`
 * - GET  /admin/recharges/:id           staff: the recharge, its partner, delivery, the key file link
 * - POST /admin/recharges/:id/revoke    admin: `reason`; confirmation step; only while never delivered
 *                                       (RechargeService.revoke: ledger credit + audit `recharge.revoked` in one transaction)
 *
 * Support reads only: no action form is shown to it and the POST route answers 403.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { formatInstallationCode } from '../../crypto/index.js';
import { actorOf } from '../../http/actor.js';
import { AppError, ERR, NotFoundError } from '../../errors/index.js';
import { flash } from '../../http/flash.js';
import { fieldErrors, singleLine } from '../../http/text-fields.js';
import type { AdminDeps } from '../context.js';
import { adminOnly, confirmed, pager, parseListQuery, queryString, staffOnly } from '../shared.js';
import { sendCsv } from '../../http/csv.js';
import { RechargeReports } from './recharge-reports.js';
import { RECHARGE_SORTS, type AdminRecharge, type AdminRechargeFilter } from './recharges.repository.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const revokeSchema = z.object({
  reason: singleLine(1, 500, { required: 'admin:errors.reason_required', long: 'admin:errors.reason_long', invalid: 'admin:errors.reason_invalid' }),
});

const CSV_COLUMNS = ['issued_at', 'id', 'partner_email', 'customer', 'installation_code', 'serial', 'units', 'state', 'delivered_at', 'revoked_at', 'sha256'];

/** Whether an admin may still revoke `r`: issued and never delivered. */
export function revocable(r: AdminRecharge): boolean {
  return r.state === 'issued' && r.deliveredAt === null;
}

export function createAdminRechargesRouter(deps: AdminDeps): Router {
  const repo = new RechargeReports(deps.db);
  const router = Router();

  const load = async (req: Request): Promise<AdminRecharge> => {
    const id = String(req.params.id ?? '');
    const r = UUID.test(id) ? await repo.byId(id) : null;
    if (!r) throw new NotFoundError('no such recharge');
    return r;
  };

  const renderShow = (
    req: Request, res: Response, r: AdminRecharge, status = 200, values: Record<string, string> = {},
    errors: Record<string, string> = {},
  ): void => {
    const isAdmin = req.account!.role === 'admin' || req.account!.role === 'superadmin';
    res.status(status).render('admin/recharges/show', {
      title: req.t('admin-recharges:show.title'), r, formatted: formatInstallationCode(r.installationCode), values, errors,
      canRevoke: isAdmin && revocable(r), readOnly: !isAdmin,
    });
  };

  router.get('/admin/recharges', staffOnly, async (req: Request, res: Response) => {
    const q = parseListQuery(req.query as Record<string, unknown>, RECHARGE_SORTS, ['partner', 'state', 'delivered']);
    const state = q.params.state === 'issued' || q.params.state === 'revoked' ? q.params.state : '';
    const delivered = q.params.delivered === 'yes' || q.params.delivered === 'no' ? q.params.delivered : '';
    if (!state) delete q.params.state;
    if (!delivered) delete q.params.delivered;
    const filter: AdminRechargeFilter = { q: q.q, partner: q.params.partner ?? '', state, delivered, from: q.from, before: q.toExclusive };
    if (q.csv) {
      const rows = await repo.list(filter, q.sort, q.dir, 100_000, 0);
      sendCsv(req, res, 'recharges.csv', CSV_COLUMNS, rows.map((r) => [
        r.issuedAt, r.id, r.partnerEmail, r.customer, formatInstallationCode(r.installationCode), r.serial, r.units, r.state,
        r.deliveredAt ?? '', r.revokedAt ?? '', r.sha256,
      ]));
      return;
    }
    const [rows, total] = await Promise.all([repo.list(filter, q.sort, q.dir, q.perPage, q.offset), repo.count(filter)]);
    res.render('admin/recharges/list', {
      title: req.t('admin-recharges:list.title'), rows, total, query: q, state, delivered, sorts: RECHARGE_SORTS, format: formatInstallationCode,
      filtered: Object.keys(q.params).some((k) => k !== 'sort' && k !== 'dir'), pg: pager(q, total, '/admin/recharges'),
      qs: (extra: Record<string, string>) => queryString(q.params, extra),
    });
  });

  router.get('/admin/recharges/:id', staffOnly, async (req: Request, res: Response) => {
    renderShow(req, res, await load(req));
  });

  router.post('/admin/recharges/:id/revoke', adminOnly, async (req: Request, res: Response) => {
    const r = await load(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values = { reason: typeof body.reason === 'string' ? body.reason : '' };
    if (!revocable(r)) {
      return renderShow(
        req, res, r, 409, values,
        { form: r.state === 'revoked' ? 'admin-recharges:errors.already_revoked' : 'admin-recharges:errors.delivered' },
      );
    }
    const parsed = revokeSchema.safeParse(body);
    if (!parsed.success) return renderShow(req, res, r, 422, values, fieldErrors(parsed.error, () => 'admin:errors.reason_required'));
    if (!confirmed(req, res, {
      title: 'admin-recharges:revoke.confirm_title', message: 'admin-recharges:revoke.confirm_message',
      params: { units: r.units, customer: r.customer, serial: r.serial, email: r.partnerEmail },
      action: `/admin/recharges/${r.id}/revoke`, back: `/admin/recharges/${r.id}`, button: 'admin-recharges:revoke.confirm_button', danger: true,
    })) return;
    try {
      await deps.recharges.revoke(r.id, parsed.data.reason, actorOf(req));
    } catch (err) {
      if (err instanceof AppError && (err.code === ERR.ALREADY_DELIVERED || err.code === ERR.ALREADY_REVOKED)) {
        return renderShow(
          req, res, await load(req), 409, values,
          { form: err.code === ERR.ALREADY_REVOKED ? 'admin-recharges:errors.already_revoked' : 'admin-recharges:errors.delivered' },
        );
      }
      throw err;
    }
    flash(req, 'success', 'admin-recharges:flash.revoked', { units: r.units, email: r.partnerEmail });
    res.redirect(303, `/admin/recharges/${r.id}`);
  });

  return router;
}
