/**
 * Admin area: /admin/installations, the end users' installations of every partner.
 *
 * - GET  /admin/installations                  staff: list — search `q` (code with or without dashes, or customer),
 *                                              `owner` (partner id, e-mail or PTN reference), sort, pages of 50, `format=csv`
 * - GET  /admin/installations/:id              staff: owner, totals, its recharges (latest 50)
 * - POST /admin/installations/:id/transfer     admin: `to` (an active partner's e-mail or reference, not the owner),
 *                                              `reason`; confirmation step; audit `installation.transferred`
 *
 * A transfer (InstallationsService.transfer) moves the installation only:
 * its past recharges stay with the partner who paid for them. From then on
 * the new owner recharges it and the old one is refused ("owned by another
 * partner"). Support reads only.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { formatInstallationCode } from '../../crypto/index.js';
import { actorOf } from '../../http/actor.js';
import { ConflictError, ERR, NotFoundError } from '../../errors/index.js';
import { flash } from '../../http/flash.js';
import { fieldErrors, singleLine } from '../../http/text-fields.js';
import type { AdminDeps } from '../context.js';
import { adminOnly, confirmed, pager, parseListQuery, queryString, staffOnly } from '../shared.js';
import { sendCsv } from '../../http/csv.js';
import { InstallationReports } from './installation-reports.js';
import { INSTALLATION_SORTS, type InstallationRow, type PartnerRef } from './installations.repository.js';

const E = (k: string) => `admin-installations:errors.${k}`;

export const transferSchema = z.object({
  to: singleLine(1, 254, { required: E('target_required'), long: E('target_unknown'), invalid: E('target_unknown') }),
  reason: singleLine(1, 500, { required: 'admin:errors.reason_required', long: 'admin:errors.reason_long', invalid: 'admin:errors.reason_invalid' }),
});

/** The id of `/admin/installations/:id`. @throws NotFoundError when it is not a positive integer. */
function idOf(req: Request): number {
  const raw = String(req.params.id ?? '');
  if (!/^[1-9]\d{0,8}$/.test(raw)) throw new NotFoundError('no such installation');
  return Number(raw);
}

/** Why `target` cannot receive `inst` (an i18n key), or null when it can. */
function targetError(inst: InstallationRow, target: PartnerRef | null): string | null {
  if (!target) return E('target_unknown');
  if (target.id === inst.partnerId) return E('target_same');
  if (target.state !== 'active') return E('target_inactive');
  return null;
}

export function createAdminInstallationsRouter(deps: AdminDeps): Router {
  const repo = new InstallationReports(deps.db);
  const router = Router();

  const load = async (id: number): Promise<InstallationRow> => {
    const inst = await repo.byId(id);
    if (!inst) throw new NotFoundError('no such installation');
    return inst;
  };

  const renderShow = async (
    req: Request, res: Response, inst: InstallationRow, status = 200, values: Record<string, string> = {},
    errors: Record<string, string> = {},
  ): Promise<void> => {
    const { rows, total } = await repo.rechargesOf(inst.id, 50);
    res.status(status).render('admin/installations/show', {
      title: req.t('admin-installations:show.title', { customer: inst.customer }), inst, formatted: formatInstallationCode(inst.code),
      recharges: rows, rechargesTotal: total, values, errors, canAct: req.account!.role !== 'support',
    });
  };

  router.get('/admin/installations', staffOnly, async (req: Request, res: Response) => {
    const q = parseListQuery(req.query as Record<string, unknown>, INSTALLATION_SORTS, ['owner']);
    const filter = { q: q.q, owner: q.params.owner ?? '' };
    if (q.csv) {
      const rows = await repo.list(filter, q.sort, q.dir, 100_000, 0);
      const columns = [
        'id', 'installation_code', 'customer', 'partner_email', 'partner_ref', 'total_units', 'recharge_count', 'last_serial', 'created_at', 'updated_at',
      ];
      sendCsv(req, res, 'installations.csv', columns, rows.map((i) => [
        i.id, formatInstallationCode(i.code), i.customer, i.ownerEmail, i.ownerRef ?? '', i.totalUnits, i.rechargeCount, i.lastSerial, i.createdAt, i.updatedAt,
      ]));
      return;
    }
    const [rows, total] = await Promise.all([repo.list(filter, q.sort, q.dir, q.perPage, q.offset), repo.count(filter)]);
    res.render('admin/installations/list', {
      title: req.t('admin-installations:list.title'), rows, total, query: q, sorts: INSTALLATION_SORTS, format: formatInstallationCode,
      filtered: Boolean(q.q || filter.owner), pg: pager(q, total, '/admin/installations'),
      qs: (extra: Record<string, string>) => queryString(q.params, extra),
    });
  });

  router.get('/admin/installations/:id', staffOnly, async (req: Request, res: Response) => {
    await renderShow(req, res, await load(idOf(req)));
  });

  router.post('/admin/installations/:id/transfer', adminOnly, async (req: Request, res: Response) => {
    const inst = await load(idOf(req));
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values = { to: typeof body.to === 'string' ? body.to : '', reason: typeof body.reason === 'string' ? body.reason : '' };
    const parsed = transferSchema.safeParse(body);
    if (!parsed.success) return renderShow(req, res, inst, 422, values, fieldErrors(parsed.error, (f) => E(`${f}_invalid`)));
    const target = await repo.partnerByEmailOrRef(parsed.data.to);
    const bad = targetError(inst, target);
    if (bad || !target) return renderShow(req, res, inst, 422, values, { to: bad ?? E('target_unknown') });
    const code = formatInstallationCode(inst.code);
    if (!confirmed(req, res, {
      title: 'admin-installations:transfer.confirm_title', message: 'admin-installations:transfer.confirm_message',
      params: { code, customer: inst.customer, from: inst.ownerEmail, to: target.email }, action: `/admin/installations/${inst.id}/transfer`,
      back: `/admin/installations/${inst.id}`, button: 'admin-installations:transfer.confirm_button', danger: true,
    })) return;
    try {
      await deps.installations.transfer({ installation: inst, to: target, reason: parsed.data.reason }, actorOf(req));
    } catch (err) {
      if (err instanceof ConflictError) {
        return renderShow(req, res, await load(inst.id), 409, values, { to: E(err.code === ERR.TARGET_INACTIVE ? 'target_inactive' : 'owner_changed') });
      }
      throw err;
    }
    flash(req, 'success', 'admin-installations:flash.transferred', { code: code.slice(0, 11), to: target.email });
    res.redirect(303, `/admin/installations/${inst.id}`);
  });

  return router;
}
