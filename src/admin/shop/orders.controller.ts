/**
 * /admin/orders: the customers' orders (status, search on e-mail or invoice
 * number, date range, pages, CSV); /admin/orders/:id: one order with its
 * customer, product and offer, invoice and payments, license keys and the
 * refund request. Admin and superadmin refund it in full after a
 * confirmation step (RefundsService.approve: the gateway's refund, then the
 * licenses revoked; it audits). A refusal re-renders the page with why.
 */
import type { Request, Response } from 'express';
import { toDecimalString } from '../../billing/index.js';
import { AppError, NotFoundError, ValidationError } from '../../errors/index.js';
import { actorOf } from '../../http/actor.js';
import { sendCsv } from '../../http/csv.js';
import { flash } from '../../http/flash.js';
import { ORDER_STATUSES, type Order, type OrderFilter } from '../../shop/index.js';
import type { AdminDeps } from '../context.js';
import { confirmed, pager, parseListQuery, queryString, routeId } from '../shared.js';
import { oneLine, typed } from '../billing/forms.js';
import { canAct, moneyIn, renderShop } from './render.js';

const CSV_COLUMNS = ['id', 'created_at', 'status', 'email', 'product', 'quantity', 'invoice_number', 'total_ttc', 'currency', 'paid_at', 'refunded_at'];

export function createShopOrdersController(deps: AdminDeps) {
  const { orders, refunds, catalogue } = deps.shop;

  const load = async (req: Request): Promise<Order> => {
    const id = routeId(req.params.id);
    const order = id === null ? null : await orders.byId(id);
    if (!order) throw new NotFoundError('no such order');
    return order;
  };

  const show = async (req: Request, res: Response, order: Order, values: Record<string, string> = {}, errors: Record<string, string> = {},
    status = 200): Promise<void> => {
    const [customer, invoice, payments, keys, product] = await Promise.all([deps.accounts.byId(order.accountId), deps.billing.invoices.byId(order.invoiceId),
      deps.billing.payments.ofInvoice(order.invoiceId), orders.keys(order), deps.products.byId(order.productId)]);
    const entry = product ? await catalogue.entry(product.code, true) : null;
    renderShop(req, res, 'order', {
      title: req.t('admin-shop:order.title', { id: order.id }), order, customer, invoice, payments, keys, product, listing: entry,
      offer: entry?.offers.find((o) => o.id === order.offerId) ?? null, refundable: canAct(req) && order.status === 'paid',
      values: { reason: order.refundReason ?? '', ...values }, errors,
    }, status);
  };

  return {
    /** GET /admin/orders (q, status, from/to, page; format=csv) */
    list: async (req: Request, res: Response): Promise<void> => {
      const q = parseListQuery(req.query as Record<string, unknown>, ['id'], ['status']);
      const status = ORDER_STATUSES.find((s) => s === q.params.status) ?? '';
      if (!status) delete q.params.status;
      const filter: OrderFilter = { q: q.q, status, from: q.from, toExclusive: q.toExclusive };
      if (q.csv) {
        const { rows } = await orders.list(filter, 100_000, 0);
        return sendCsv(req, res, 'orders.csv', CSV_COLUMNS, rows.map((o) => [o.id, o.createdAt, o.status, o.email, o.sku, o.quantity, o.invoiceNumber ?? '',
          toDecimalString(o.totalTtc, o.currency as Parameters<typeof toDecimalString>[1]), o.currency, o.paidAt ?? '', o.refundedAt ?? '']));
      }
      const { rows, total } = await orders.list(filter, q.perPage, q.offset);
      renderShop(req, res, 'orders', {
        title: req.t('admin-shop:orders.title'), rows, total, query: q, status, statuses: ORDER_STATUSES, filtered: Object.keys(q.params).length > 0,
        pg: pager(q, total, '/admin/orders'), qs: (extra: Record<string, string>) => queryString(q.params, extra),
      });
    },

    /** GET /admin/orders/:id */
    show: async (req: Request, res: Response): Promise<void> => show(req, res, await load(req)),

    /** POST /admin/orders/:id/refund (reason; confirmation step) */
    refund: async (req: Request, res: Response): Promise<void> => {
      const order = await load(req);
      const v = typed(req.body, ['reason']);
      const reason = oneLine(v.reason!, 500);
      if (!reason) return show(req, res, order, v, { reason: 'admin-shop:errors.reason' }, 422);
      if (order.status !== 'paid') return show(req, res, order, v, { form: 'shop:refund.not_paid' }, 409);
      const invoice = await deps.billing.invoices.byId(order.invoiceId);
      if (!confirmed(req, res, {
        title: 'admin-shop:refund.confirm_title', message: 'admin-shop:refund.confirm_message',
        params: { id: order.id, number: invoice?.number ?? '', amount: invoice ? moneyIn(req)(invoice.totalTtc, invoice.currency) : '' },
        action: `/admin/orders/${order.id}/refund`, back: `/admin/orders/${order.id}`, button: 'admin-shop:refund.button', danger: true,
      })) return;
      try {
        await refunds.approve(order.id, reason, actorOf(req));
      } catch (err) {
        if (err instanceof NotFoundError) throw err;
        if (err instanceof ValidationError) {
          const why = err.fields.form ?? Object.values(err.fields)[0] ?? 'admin-shop:errors.refund_refused';
          return show(req, res, await load(req), v, { form: why }, 409);
        }
        if (!(err instanceof AppError)) deps.logger.error({ err, order: order.id }, 'order refund not made');
        return show(req, res, await load(req), v, { form: 'admin-shop:errors.refund_refused' }, 409);
      }
      flash(req, 'success', 'admin-shop:flash.refunded', { id: order.id });
      res.redirect(303, `/admin/orders/${order.id}`);
    },
  };
}
