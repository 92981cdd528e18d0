/**
 * /admin/licenses pages: the list (search, filters, sort, pages, CSV), the
 * detail page with its activations, heartbeats and audit rows, and the admin
 * actions (revoke, suspend, reinstate, extend). Actions validate first (422
 * with field errors), ask for confirmation when they take a license away or
 * give it back, then call LicensesService (one transaction with the audit
 * row), and redirect. A license someone changed meanwhile answers 409 with a notice.
 */
import { withAuditText } from '../../audit/index.js';
import type { Request, Response } from 'express';
import { actorOf } from '../../http/actor.js';
import { NotFoundError } from '../../errors/index.js';
import { flash } from '../../http/flash.js';
import { LICENSE_CHANGES, LICENSE_STATES, LICENSE_TYPES, type LicenseChange, type LicenseDetail } from '../../licenses/index.js';
import type { AdminDeps } from '../context.js';
import { confirmed, pager, parseListQuery, queryString, routeId } from '../shared.js';
import { sendCsv } from '../../http/csv.js';
import type { LicenseReports } from './license-reports.js';
import { LICENSE_SORTS } from './licenses.repository.js';
import { parseExtend, parseReason, typed } from './schemas.js';

const CSV_COLUMNS = [
  'license_id', 'product', 'machine_id', 'email', 'license_type', 'state', 'state_reason', 'issued_at', 'expires_at',
  'last_validated_at', 'last_heartbeat_at', 'app_version', 'os_info', 'ip',
];
const CSV_MAX_ROWS = 100_000;

type Form = 'revoke' | 'suspend' | 'extend';
interface DetailState {
  errors?: Partial<Record<Form, Record<string, string>>>;
  values?: Partial<Record<Form, Record<string, string>>>;
  notice?: { key: string; params?: Record<string, string | number> };
}

/** The flash message key of each change (admin-licenses:flash.*). */
const FLASH: Record<LicenseChange, string> = { revoke: 'revoked', suspend: 'suspended', reinstate: 'reinstated' };

export function createAdminLicensesController(deps: AdminDeps, reports: LicenseReports) {
  const pathOf = (l: LicenseDetail) => `/admin/licenses/${l.id}`;

  /** The license of `:id`. @throws NotFoundError */
  const load = async (req: Request): Promise<LicenseDetail> => {
    const id = routeId(req.params.id);
    const license = id === null ? null : await reports.byId(id);
    if (!license) throw new NotFoundError('No such license');
    return license;
  };

  const render = async (req: Request, res: Response, status: number, l: LicenseDetail, state: DetailState = {}): Promise<void> => {
    const [{ activations, heartbeats }, byId, byPublicId, order] = await Promise.all([
      reports.history(l.id, 50),
      deps.audit.list({ targetType: 'license', targetId: String(l.id) }, 100),
      deps.audit.list({ targetType: 'license', targetId: l.publicId }, 100),
      reports.orderOf(l.id),
    ]);
    const audit = [...byId, ...byPublicId].sort((a, b) => b.id - a.id).map((r) => withAuditText(req.t, r));
    const role = req.account?.role;
    const now = deps.clock.now();
    res.status(status).render('admin/licenses/show', {
      title: req.t('admin-licenses:show.title', { id: l.publicId }), l, activations, heartbeats, audit, order,
      canAct: role === 'admin' || role === 'superadmin', expired: l.expiresAt !== null && l.expiresAt.getTime() <= now.getTime(),
      errors: state.errors ?? {}, values: state.values ?? {}, notice: state.notice ?? null,
    });
  };

  /** The detail page again with the 409 notice: someone changed the license meanwhile. */
  const changedMeanwhile = async (req: Request, res: Response, l: LicenseDetail): Promise<void> =>
    render(req, res, 409, (await reports.byId(l.id)) ?? l, { notice: { key: 'admin-licenses:errors.state_changed' } });

  const spec = (l: LicenseDetail, action: LicenseChange) => ({
    title: `admin-licenses:confirm.${action}_title`, message: `admin-licenses:confirm.${action}`,
    params: { id: l.publicId, machine: l.machineId, email: l.email }, action: `${pathOf(l)}/${action}`, back: pathOf(l), danger: action !== 'reinstate',
  });

  /** Apply a change with its audit row; flash + redirect, or the 409 notice when the state changed meanwhile. */
  const change = async (req: Request, res: Response, l: LicenseDetail, c: LicenseChange, reason: string | null): Promise<void> => {
    if (!(await deps.licenses.changeState(l.id, c, reason, actorOf(req)))) return changedMeanwhile(req, res, l);
    flash(req, 'success', `admin-licenses:flash.${FLASH[c]}`, { id: l.publicId });
    res.redirect(303, pathOf(l));
  };

  /** A change the license's current state does not allow: 409 with a notice. False when answered. */
  const allowed = async (req: Request, res: Response, l: LicenseDetail, c: LicenseChange): Promise<boolean> => {
    if ((LICENSE_CHANGES[c].from as readonly string[]).includes(l.state)) return true;
    await render(req, res, 409, l, { notice: { key: `admin-licenses:errors.not_${c}`, params: { state: req.t(`admin-licenses:states.${l.state}`) } } });
    return false;
  };

  const withReason = (c: 'revoke' | 'suspend') => async (req: Request, res: Response): Promise<void> => {
    const l = await load(req);
    if (!(await allowed(req, res, l, c))) return;
    const parsed = parseReason(req.body);
    if (!parsed.ok) return render(req, res, 422, l, { errors: { [c]: parsed.errors }, values: { [c]: typed(req.body, ['reason']) } });
    if (!confirmed(req, res, spec(l, c))) return;
    await change(req, res, l, c, parsed.data.reason);
  };

  return {
    list: async (req: Request, res: Response): Promise<void> => {
      const q = parseListQuery(req.query as Record<string, unknown>, LICENSE_SORTS, ['product', 'state', 'type']);
      const all = await deps.products.list();
      const pick = (key: string, allowedValues: readonly string[]): string => {
        const v = q.params[key] ?? '';
        if (allowedValues.includes(v)) return v;
        delete q.params[key];
        return '';
      };
      const filter = { q: q.q, product: pick('product', all.map((p) => p.code)), state: pick('state', LICENSE_STATES), type: pick('type', LICENSE_TYPES) };
      if (q.csv) {
        const { rows } = await reports.list(filter, q.sort, q.dir, CSV_MAX_ROWS, 0);
        return sendCsv(req, res, 'licenses.csv', CSV_COLUMNS, rows.map((r) => [
          r.publicId, r.productCode, r.machineId, r.email, r.licenseType, r.state, r.stateReason ?? '', r.issuedAt, r.expiresAt ?? '',
          r.lastValidatedAt ?? '', r.lastHeartbeatAt ?? '', r.appVersion, r.osInfo, r.ip,
        ]));
      }
      const { rows, total } = await reports.list(filter, q.sort, q.dir, q.perPage, q.offset);
      res.render('admin/licenses/list', {
        title: req.t('admin-licenses:list.title'), rows, total, q, filter, products: all, states: LICENSE_STATES, types: LICENSE_TYPES, sorts: LICENSE_SORTS,
        now: deps.clock.now(), pg: pager(q, total, '/admin/licenses'), csvHref: `/admin/licenses${queryString(q.params, { format: 'csv' })}`,
        filtered: Boolean(q.q || filter.product || filter.state || filter.type),
      });
    },

    show: async (req: Request, res: Response): Promise<void> => render(req, res, 200, await load(req)),

    revoke: withReason('revoke'),
    suspend: withReason('suspend'),

    reinstate: async (req: Request, res: Response): Promise<void> => {
      const l = await load(req);
      if (!(await allowed(req, res, l, 'reinstate'))) return;
      if (!confirmed(req, res, spec(l, 'reinstate'))) return;
      await change(req, res, l, 'reinstate', null);
    },

    extend: async (req: Request, res: Response): Promise<void> => {
      const l = await load(req);
      if (!l.expiresAt || l.licenseType === 'lifetime') return render(req, res, 409, l, { notice: { key: 'admin-licenses:errors.lifetime' } });
      const parsed = parseExtend(req.body, deps.clock.now());
      if (!parsed.ok) return render(req, res, 422, l, { errors: { extend: parsed.errors }, values: { extend: typed(req.body, ['days', 'until', 'reason']) } });
      const after = await deps.licenses.extend(l.id, parsed.data.change, parsed.data.reason, actorOf(req));
      if (!after) return changedMeanwhile(req, res, l);
      flash(req, 'success', 'admin-licenses:flash.extended', { id: l.publicId, date: after.toISOString().slice(0, 10) });
      res.redirect(303, pathOf(l));
    },
  };
}
