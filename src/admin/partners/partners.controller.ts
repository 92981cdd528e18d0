/**
 * /admin/partners pages: the list (search, state, sort, pages, CSV) and the
 * detail page with its action forms. Actions validate first (422 with field
 * errors), then check the account's state (409 with a notice), then ask for
 * confirmation when destructive, then act and redirect (post/redirect/get).
 */
import type { Request, Response } from 'express';
import { STATES, type Account } from '../../accounts/index.js';
import { actorOf } from '../../http/actor.js';
import { AppError, ERR, ForbiddenError, NotFoundError, ValidationError } from '../../errors/index.js';
import { flash } from '../../http/flash.js';
import type { AdminDeps } from '../context.js';
import { confirmed, isConfirmation, pager, parseListQuery, queryString } from '../shared.js';
import { sendCsv } from '../../http/csv.js';
import { PARTNER_SORTS } from './partners.repository.js';
import { balanceReference, balanceSchema, closeSchema, parseAction, roleSchema, suspendSchema, typed } from './partners.schemas.js';
import { AdminPartnersService, allows, type Transition } from './partners.service.js';
import { createDetailRenderer, type DetailState } from './partners.detail.js';

const CSV_COLUMNS = ['id', 'public_ref', 'company', 'name', 'email', 'phone', 'country', 'state', 'balance', 'created_at', 'last_login_at'];
const CSV_MAX_ROWS = 100_000;

/** How an account is named in messages: its company, else its e-mail. */
function labelOf(a: Account): string {
  return a.company || a.email;
}

export function createAdminPartnersController(deps: AdminDeps) {
  const service = new AdminPartnersService({ db: deps.db, clock: deps.clock, audit: deps.audit, accounts: deps.accounts, auth: deps.auth });
  const renderDetail = createDetailRenderer(deps);
  const detailPath = (a: Account) => `/admin/partners/${a.id}`;

  /** The account of `:id`. @throws NotFoundError */
  const load = async (req: Request): Promise<Account> => {
    const id = String(req.params.id);
    const account = /^\d{1,9}$/.test(id) ? await deps.accounts.byId(Number(id)) : null;
    if (!account) throw new NotFoundError('No such account');
    return account;
  };

  /**
   * May the acting admin change `target` now? Staff accounts are for a
   * superadmin only (403); one's own account is refused, as is a state the
   * transition does not start from (409 notice). False when answered.
   */
  const mayAct = async (req: Request, res: Response, target: Account, t?: Transition): Promise<boolean> => {
    const me = req.account!;
    if (target.role !== 'partner' && me.role !== 'superadmin') throw new ForbiddenError('Only a superadmin manages staff accounts');
    if (target.id === me.id) {
      await renderDetail(req, res, 409, target, { notice: { key: 'admin-partners:errors.self' } });
      return false;
    }
    if (t && !allows(t, target)) {
      await renderDetail(
        req, res, 409, target,
        { notice: { key: `admin-partners:errors.not_${t}`, params: { state: req.t(`accounts.states.${target.state}`) } } },
      );
      return false;
    }
    return true;
  };

  /** After an action: flash and back to the page, or the notice that someone acted first. */
  const finish = async (
    req: Request, res: Response, target: Account, done: boolean, key: string, params: Record<string, string | number> = {},
  ): Promise<void> => {
    if (!done) {
      const fresh = (await deps.accounts.byId(target.id)) ?? target;
      return renderDetail(req, res, 409, fresh, { notice: { key: 'admin-partners:errors.state_changed' } });
    }
    flash(req, 'success', `admin-partners:flash.${key}`, { name: labelOf(target), ...params });
    res.redirect(303, detailPath(target));
  };

  const spec = (target: Account, action: string, extra: { message?: string; params?: Record<string, string | number> } = {}) => ({
    title: `admin-partners:confirm.${action}_title`,
    message: extra.message ?? `admin-partners:confirm.${action}`,
    params: { name: labelOf(target), email: target.email, ...extra.params },
    action: `${detailPath(target)}/${action}`,
    back: detailPath(target),
    danger: true,
  });

  const invalid = (
    req: Request, res: Response, target: Account, form: keyof NonNullable<DetailState['errors']>, errors: Record<string, string>,
    fields: string[],
  ) =>
    renderDetail(req, res, 422, target, { errors: { [form]: errors }, values: { [form]: typed(req.body, fields) } });

  return {
    list: async (req: Request, res: Response): Promise<void> => {
      const q = parseListQuery(req.query as Record<string, unknown>, PARTNER_SORTS, ['state']);
      const state = (STATES as readonly string[]).includes(q.params.state ?? '') ? q.params.state! : '';
      if (!state) delete q.params.state;
      const filter = { q: q.q, state };
      if (q.csv) {
        const { rows } = await service.list(filter, q.sort, q.dir, CSV_MAX_ROWS, 0);
        return sendCsv(req, res, 'partners.csv', CSV_COLUMNS, rows.map((r) => [
          r.id, r.publicRef ?? '', r.company, r.name, r.email, r.phone, r.country, r.state, r.balance, r.createdAt, r.lastLoginAt ?? '',
        ]));
      }
      const { rows, total } = await service.list(filter, q.sort, q.dir, q.perPage, q.offset);
      res.render('admin/partners/list', {
        title: req.t('admin-partners:list.title'), rows, total, q, state, states: STATES, sorts: PARTNER_SORTS,
        pg: pager(q, total, '/admin/partners'), csvHref: `/admin/partners${queryString(q.params, { format: 'csv' })}`, filtered: Boolean(q.q || state),
      });
    },

    show: async (req: Request, res: Response): Promise<void> => renderDetail(req, res, 200, await load(req)),

    activate: async (req: Request, res: Response): Promise<void> => {
      const target = await load(req);
      if (!(await mayAct(req, res, target, 'activate'))) return;
      await finish(req, res, target, await service.activate(target, actorOf(req)), 'activated');
    },

    suspend: async (req: Request, res: Response): Promise<void> => {
      const target = await load(req);
      if (!(await mayAct(req, res, target, 'suspend'))) return;
      const parsed = parseAction(suspendSchema, req.body);
      if (!parsed.ok) return invalid(req, res, target, 'suspend', parsed.errors, ['reason']);
      if (!confirmed(req, res, spec(target, 'suspend'))) return;
      await finish(req, res, target, await service.suspend(target, parsed.data.reason, actorOf(req)), 'suspended');
    },

    reactivate: async (req: Request, res: Response): Promise<void> => {
      const target = await load(req);
      if (!(await mayAct(req, res, target, 'reactivate'))) return;
      await finish(req, res, target, await service.reactivate(target, actorOf(req)), 'reactivated');
    },

    close: async (req: Request, res: Response): Promise<void> => {
      const target = await load(req);
      if (!(await mayAct(req, res, target, 'close'))) return;
      const parsed = parseAction(closeSchema, req.body);
      if (!parsed.ok) return invalid(req, res, target, 'close', parsed.errors, ['reason', 'anonymise']);
      const anonymise = parsed.data.anonymise === 'yes';
      if (!confirmed(req, res, spec(target, 'close', { message: anonymise ? 'admin-partners:confirm.close_anonymise' : 'admin-partners:confirm.close' }))) {
        return;
      }
      await finish(req, res, target, await service.close(target, parsed.data.reason, anonymise, actorOf(req)), anonymise ? 'closed_anonymised' : 'closed');
    },

    role: async (req: Request, res: Response): Promise<void> => {
      const target = await load(req);
      if (!(await mayAct(req, res, target))) return;
      const parsed = parseAction(roleSchema, req.body);
      if (!parsed.ok) return invalid(req, res, target, 'role', parsed.errors, ['role']);
      const role = parsed.data.role;
      if (role === target.role) return invalid(req, res, target, 'role', { role: 'admin-partners:errors.role_same' }, ['role']);
      const roles = { from: req.t(`accounts.roles.${target.role}`), to: req.t(`accounts.roles.${role}`) };
      if (!confirmed(req, res, spec(target, 'role', { params: roles }))) return;
      await finish(req, res, target, await service.changeRole(target, role, actorOf(req)), 'role_changed', roles);
    },

    balance: async (req: Request, res: Response): Promise<void> => {
      const target = await load(req);
      if (!(await mayAct(req, res, target))) return;
      if (target.role !== 'partner') return renderDetail(req, res, 409, target, { notice: { key: 'admin-partners:errors.not_partner' } });
      const closedNotice = { notice: { key: 'admin-partners:errors.closed_balance' } };
      if (target.state === 'closed') return renderDetail(req, res, 409, target, closedNotice);
      const parsed = parseAction(balanceSchema, req.body);
      const fields = ['kind', 'units', 'reason', 'confirm_id'];
      if (!parsed.ok) return invalid(req, res, target, 'balance', parsed.errors, fields);
      const { kind, units, reason } = parsed.data;
      const reference = balanceReference(parsed.data.confirm_id);
      const alreadyRecorded = () => {
        flash(req, 'info', 'admin-partners:flash.already_recorded', { name: labelOf(target) });
        res.redirect(303, detailPath(target));
      };
      // A form sent again (double click, back button, confirmation page reposted): say so before any balance check.
      if (await deps.ledger.hasReference(target.id, reference)) return alreadyRecorded();
      // A debit first shows its confirmation page; the balance read here only spares a pointless one.
      // A confirmed debit is checked by the ledger alone, under the account lock: a pre-check here would
      // race a concurrent post of the same form and answer "balance too small" instead of "already recorded".
      if (kind === 'debit' && !isConfirmation(req)) {
        if ((await deps.ledger.balance(target.id)) < units) {
          return invalid(req, res, target, 'balance', { units: 'admin-partners:errors.insufficient_balance' }, fields);
        }
        confirmed(req, res, spec(target, 'balance', { message: 'admin-partners:confirm.debit', params: { units } }));
        return;
      }
      try {
        // The reference check is repeated under the account lock: of concurrent posts of one form, one is recorded.
        const after = await deps.ledger.change(target.id, kind, units, reason, actorOf(req), { reference, refuseClosed: true });
        flash(req, 'success', `admin-partners:flash.${kind === 'debit' ? 'debited' : 'credited'}`, { name: labelOf(target), units, balance: after });
        res.redirect(303, detailPath(target));
      } catch (err) {
        if (err instanceof ValidationError) return invalid(req, res, target, 'balance', err.fields, fields);
        if (err instanceof AppError && err.code === ERR.ALREADY_RECORDED) return alreadyRecorded();
        if (err instanceof AppError && err.code === ERR.ACCOUNT_CLOSED) {
          return renderDetail(req, res, 409, (await deps.accounts.byId(target.id)) ?? target, closedNotice);
        }
        if (err instanceof AppError && err.code === ERR.INSUFFICIENT_BALANCE) {
          return invalid(req, res, target, 'balance', { units: 'admin-partners:errors.insufficient_balance' }, fields);
        }
        throw err;
      }
    },

    resendVerification: async (req: Request, res: Response): Promise<void> => {
      const target = await load(req);
      if (!(await mayAct(req, res, target, 'activate'))) return;
      await finish(req, res, target, await service.resendVerification(target, actorOf(req)), 'verification_sent', { email: target.email });
    },

    sendReset: async (req: Request, res: Response): Promise<void> => {
      const target = await load(req);
      if (!(await mayAct(req, res, target, 'close'))) return;
      await finish(req, res, target, await service.sendReset(target, actorOf(req)), 'reset_sent', { email: target.email });
    },
  };
}
