/**
 * /admin/customers: the shop's customers (accounts of role customer; search
 * on e-mail, name or company; pages); /admin/customers/:id: the profile and
 * the customer's orders. Admin and superadmin suspend (reason, confirmation
 * step) and reactivate through the same service as /admin/partners/:id
 * (AdminPartnersService: AccountsService.changeState and its audit row, then
 * the sessions ended). Support reads.
 */
import type { Request, Response } from 'express';
import type { Account } from '../../accounts/index.js';
import { NotFoundError } from '../../errors/index.js';
import { actorOf } from '../../http/actor.js';
import { flash } from '../../http/flash.js';
import type { AdminDeps } from '../context.js';
import { AdminPartnersService, allows } from '../partners/partners.service.js';
import { confirmed, pager, parseListQuery, queryString, routeId } from '../shared.js';
import { oneLine, typed } from '../billing/forms.js';
import { renderShop } from './render.js';
import type { ShopAdminRepository } from './shop.repository.js';

const LATEST_ORDERS = 50;

export function createShopCustomersController(deps: AdminDeps, reports: ShopAdminRepository) {
  const accounts = new AdminPartnersService({ db: deps.db, clock: deps.clock, audit: deps.audit, accounts: deps.accounts, auth: deps.auth });

  const load = async (req: Request): Promise<Account> => {
    const id = routeId(req.params.id);
    const account = id === null ? null : await deps.accounts.byId(id);
    if (!account || account.role !== 'customer') throw new NotFoundError('no such customer');
    return account;
  };

  const show = async (req: Request, res: Response, customer: Account, extra: { errors?: Record<string, string>; values?: Record<string, string> } = {},
    status = 200): Promise<void> => {
    const { rows, total } = await deps.shop.orders.list({ q: '', status: '', accountId: customer.id }, LATEST_ORDERS, 0);
    renderShop(req, res, 'customer', {
      title: req.t('admin-shop:customer.title', { email: customer.email }), customer, orders: rows, totalOrders: total,
      errors: extra.errors ?? {}, values: extra.values ?? {}, canSuspend: allows('suspend', customer), canReactivate: allows('reactivate', customer),
    }, status);
  };

  const done = (req: Request, res: Response, customer: Account, ok: boolean, key: string): void => {
    flash(req, ok ? 'success' : 'error', ok ? `admin-shop:flash.${key}` : 'admin-shop:errors.state_changed', { email: customer.email });
    res.redirect(303, `/admin/customers/${customer.id}`);
  };

  return {
    /** GET /admin/customers (q, page) */
    list: async (req: Request, res: Response): Promise<void> => {
      const q = parseListQuery(req.query as Record<string, unknown>);
      const { rows, total } = await reports.listCustomers(q.q, q.perPage, q.offset);
      renderShop(req, res, 'customers', {
        title: req.t('admin-shop:customers.title'), rows, total, query: q, filtered: Boolean(q.q),
        pg: pager(q, total, '/admin/customers'), qs: (extra: Record<string, string>) => queryString(q.params, extra),
      });
    },

    /** GET /admin/customers/:id */
    show: async (req: Request, res: Response): Promise<void> => show(req, res, await load(req)),

    /** POST /admin/customers/:id/suspend (reason; confirmation step) */
    suspend: async (req: Request, res: Response): Promise<void> => {
      const customer = await load(req);
      const v = typed(req.body, ['reason']);
      const reason = oneLine(v.reason!, 500);
      if (!reason) return show(req, res, customer, { errors: { reason: 'admin-shop:errors.reason' }, values: v }, 422);
      if (!allows('suspend', customer)) return show(req, res, customer, { errors: { form: 'admin-shop:errors.state_changed' }, values: v }, 409);
      if (!confirmed(req, res, {
        title: 'admin-shop:customer.suspend_title', message: 'admin-shop:customer.suspend_message', params: { email: customer.email },
        action: `/admin/customers/${customer.id}/suspend`, back: `/admin/customers/${customer.id}`, button: 'admin-shop:customer.suspend', danger: true,
      })) return;
      done(req, res, customer, await accounts.suspend(customer, reason, actorOf(req)), 'suspended');
    },

    /** POST /admin/customers/:id/reactivate */
    reactivate: async (req: Request, res: Response): Promise<void> => {
      const customer = await load(req);
      if (!allows('reactivate', customer)) return show(req, res, customer, { errors: { form: 'admin-shop:errors.state_changed' } }, 409);
      done(req, res, customer, await accounts.reactivate(customer, actorOf(req)), 'reactivated');
    },
  };
}
