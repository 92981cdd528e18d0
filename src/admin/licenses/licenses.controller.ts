/**
 * /admin/licenses pages: the list (search, filters, sort, pages, CSV), the
 * detail page with its activations, heartbeats and audit rows, and the admin
 * actions (revoke, suspend, reinstate, extend). Actions validate first (422
 * with field errors), ask for confirmation when they take a license away or
 * give it back, then act in one transaction with their audit row, and
 * redirect. A license someone changed meanwhile answers 409 with a notice.
 */
import { withAuditText } from '../../audit/index.js';
import type { Request, Response } from 'express';
import { actorOf } from '../../http/actor.js';
import { NotFoundError } from '../../errors/index.js';
import { flash } from '../../http/flash.js';
import type { AdminDeps } from '../context.js';
import { confirmed, pager, parseListQuery, queryString, routeId } from '../shared.js';
import { sendCsv } from '../../http/csv.js';
import { AdminLicensesRepository, LICENSE_SORTS, LICENSE_STATES, LICENSE_TYPES, type License, type LicenseState } from './licenses.repository.js';
import { AdminProductsRepository } from './products.repository.js';
import { parseExtend, parseReason, typed } from './schemas.js';

const CSV_COLUMNS = ['license_id', 'product', 'machine_id', 'email', 'license_type', 'state', 'state_reason', 'issued_at', 'expires_at', 'last_validated_at', 'last_heartbeat_at', 'app_version', 'os_info', 'ip'];
const CSV_MAX_ROWS = 100_000;

type Form = 'revoke' | 'suspend' | 'extend';
interface DetailState {
  errors?: Partial<Record<Form, Record<string, string>>>;
  values?: Partial<Record<Form, Record<string, string>>>;
  notice?: { key: string; params?: Record<string, string | number> };
}

/** The state changes of the detail page: from which states, to which, the audit action. */
const TRANSITIONS = {
  revoke: { from: ['active', 'suspended'], to: 'revoked', action: 'license.revoked', flash: 'revoked' },
  suspend: { from: ['active'], to: 'suspended', action: 'license.suspended', flash: 'suspended' },
  reinstate: { from: ['suspended', 'revoked'], to: 'active', action: 'license.reinstated', flash: 'reinstated' },
} as const satisfies Record<string, { from: readonly LicenseState[]; to: LicenseState; action: string; flash: string }>;
type Transition = keyof typeof TRANSITIONS;

export function createAdminLicensesController(deps: AdminDeps) {
  const repo = new AdminLicensesRepository(deps.db);
  const products = new AdminProductsRepository(deps.db);
  const pathOf = (l: License) => `/admin/licenses/${l.id}`;

  /** The license of `:id`. @throws NotFoundError */
  const load = async (req: Request): Promise<License> => {
    const id = routeId(req.params.id);
    const license = id === null ? null : await repo.byId(id);
    if (!license) throw new NotFoundError('No such license');
    return license;
  };

  const render = async (req: Request, res: Response, status: number, l: License, state: DetailState = {}): Promise<void> => {
    const [activations, heartbeats, byId, byPublicId] = await Promise.all([
      repo.activations(l.id), repo.heartbeats(l.id, 50),
      deps.audit.list({ targetType: 'license', targetId: String(l.id) }, 100),
      deps.audit.list({ targetType: 'license', targetId: l.publicId }, 100),
    ]);
    const audit = [...byId, ...byPublicId].sort((a, b) => b.id - a.id).map((r) => withAuditText(req.t, r));
    const role = req.account?.role;
    const now = deps.clock.now();
    res.status(status).render('admin/licenses/show', {
      title: req.t('admin-licenses:show.title', { id: l.publicId }), l, activations, heartbeats, audit,
      canAct: role === 'admin' || role === 'superadmin', expired: l.expiresAt !== null && l.expiresAt.getTime() <= now.getTime(),
      errors: state.errors ?? {}, values: state.values ?? {}, notice: state.notice ?? null,
    });
  };

  const spec = (l: License, action: Transition) => ({
    title: `admin-licenses:confirm.${action}_title`, message: `admin-licenses:confirm.${action}`,
    params: { id: l.publicId, machine: l.machineId, email: l.email }, action: `${pathOf(l)}/${action}`, back: pathOf(l), danger: action !== 'reinstate',
  });

  /** Apply a transition with its audit row; flash + redirect, or the 409 notice when the state changed meanwhile. */
  const transition = async (req: Request, res: Response, l: License, t: Transition, reason: string | null): Promise<void> => {
    const { from, to, action } = TRANSITIONS[t];
    const actor = actorOf(req);
    const done = await deps.db.transaction(async (trx) => {
      if (!(await repo.with(trx).transition(l.id, from, to, reason, deps.clock.now()))) return false;
      await deps.audit.record(trx, actor, action, { type: 'license', id: l.id }, { from: l.state, to, reason: reason || null, context: reason ? 'reason' : null });
      return true;
    });
    if (!done) return render(req, res, 409, (await repo.byId(l.id)) ?? l, { notice: { key: 'admin-licenses:errors.state_changed' } });
    flash(req, 'success', `admin-licenses:flash.${TRANSITIONS[t].flash}`, { id: l.publicId });
    res.redirect(303, pathOf(l));
  };

  /** A transition the license's current state does not allow: 409 with a notice. False when answered. */
  const allowed = async (req: Request, res: Response, l: License, t: Transition): Promise<boolean> => {
    if ((TRANSITIONS[t].from as readonly string[]).includes(l.state)) return true;
    await render(req, res, 409, l, { notice: { key: `admin-licenses:errors.not_${t}`, params: { state: req.t(`admin-licenses:states.${l.state}`) } } });
    return false;
  };

  const withReason = (t: 'revoke' | 'suspend') => async (req: Request, res: Response): Promise<void> => {
    const l = await load(req);
    if (!(await allowed(req, res, l, t))) return;
    const parsed = parseReason(req.body);
    if (!parsed.ok) return render(req, res, 422, l, { errors: { [t]: parsed.errors }, values: { [t]: typed(req.body, ['reason']) } });
    if (!confirmed(req, res, spec(l, t))) return;
    await transition(req, res, l, t, parsed.data.reason);
  };

  return {
    list: async (req: Request, res: Response): Promise<void> => {
      const q = parseListQuery(req.query as Record<string, unknown>, LICENSE_SORTS, ['product', 'state', 'type']);
      const all = await products.list();
      const pick = (key: string, allowedValues: readonly string[]): string => {
        const v = q.params[key] ?? '';
        if (allowedValues.includes(v)) return v;
        delete q.params[key];
        return '';
      };
      const filter = { q: q.q, product: pick('product', all.map((p) => p.code)), state: pick('state', LICENSE_STATES), type: pick('type', LICENSE_TYPES) };
      if (q.csv) {
        const { rows } = await repo.list(filter, q.sort, q.dir, CSV_MAX_ROWS, 0);
        return sendCsv(req, res, 'licenses.csv', CSV_COLUMNS, rows.map((r) => [
          r.publicId, r.productCode, r.machineId, r.email, r.type, r.state, r.stateReason ?? '', r.issuedAt, r.expiresAt ?? '',
          r.lastValidatedAt ?? '', r.lastHeartbeatAt ?? '', r.appVersion, r.osInfo, r.ip,
        ]));
      }
      const { rows, total } = await repo.list(filter, q.sort, q.dir, q.perPage, q.offset);
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
      await transition(req, res, l, 'reinstate', null);
    },

    extend: async (req: Request, res: Response): Promise<void> => {
      const l = await load(req);
      if (!l.expiresAt || l.type === 'lifetime') return render(req, res, 409, l, { notice: { key: 'admin-licenses:errors.lifetime' } });
      const invalid = (errors: Record<string, string>) => render(req, res, 422, l, { errors: { extend: errors }, values: { extend: typed(req.body, ['days', 'until', 'reason']) } });
      const first = parseExtend(req.body, l.expiresAt, deps.clock.now());
      if (!first.ok) return invalid(first.errors);
      const actor = actorOf(req);
      const after = await deps.db.transaction(async (trx) => {
        // Computed again from the locked row: two extensions at once add up instead of one undoing the other.
        const current = await repo.with(trx).byId(l.id, true);
        if (!current?.expiresAt) return null;
        const parsed = parseExtend(req.body, current.expiresAt, deps.clock.now());
        if (!parsed.ok || !(await repo.with(trx).setExpiry(l.id, parsed.data.expiresAt, deps.clock.now()))) return null;
        const details = { before_at: current.expiresAt.toISOString(), after_at: parsed.data.expiresAt.toISOString(), reason: parsed.data.reason };
        await deps.audit.record(trx, actor, 'license.extended', { type: 'license', id: l.id }, details);
        return parsed.data.expiresAt;
      });
      if (!after) return render(req, res, 409, (await repo.byId(l.id)) ?? l, { notice: { key: 'admin-licenses:errors.state_changed' } });
      flash(req, 'success', 'admin-licenses:flash.extended', { id: l.publicId, date: after.toISOString().slice(0, 10) });
      res.redirect(303, pathOf(l));
    },
  };
}
