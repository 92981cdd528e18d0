/**
 * The customer's area: `/account` (the dashboard), `/orders`, `/orders/:id`
 * (status, invoice PDF, pay with the configured gateways or by transfer, the
 * license keys once paid, the refund request), `/licenses` (every key with
 * its state, expiry and machines). Another account's order is a 404.
 * Paying: POST /orders/:id/pay/<gateway> sends the customer to the gateway's
 * page; coming back shows status (the payment's notification, or PayPal's
 * capture on return, pays the invoice and creates the licenses).
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { BILLING_VIEW_HELPERS, type Billing, type GatewayName } from '../billing/index.js';
import { NotFoundError, ValidationError } from '../errors/index.js';
import { actorOf } from '../http/actor.js';
import { flash } from '../http/flash.js';
import { boundedInt, INT4_MAX } from '../http/query.js';
import type { Logger } from '../platform/logger.js';
import { paymentReturned, redirectToGateway, type OnlinePaymentsService } from '../payments/index.js';
import type { CatalogueService } from './catalogue.service.js';
import type { DevicesService, ReleaseAllowance } from './devices.js';
import type { Order } from './orders.repository.js';
import { isRenewable, type OrdersService } from './orders.service.js';
import type { RefundsService } from './refunds.js';

const PER_PAGE = 20;

/** The views' `releases`: each order's release allowance by order id (absent: its keys cannot be released). */
const releasesOf = (pairs: [number, ReleaseAllowance | null][]): Record<number, ReleaseAllowance> =>
  Object.fromEntries(pairs.filter((p): p is [number, ReleaseAllowance] => p[1] !== null));
const localeOf = (req: Request): 'fr' | 'en' => (req.locale === 'en' ? 'en' : 'fr');

/** Signs a download link for a release and an account (src/downloads DownloadLinks), locked to `ip` when given. */
export type LinkSigner = (releaseId: number, accountId: number, ip: string | null) => string;

export interface OrdersPageDeps {
  signLink: LinkSigner;
  orders: OrdersService;
  refunds: RefundsService;
  catalogue: CatalogueService;
  devices: DevicesService;
  billing: Billing;
  online: OnlinePaymentsService;
  logger?: Logger;
}

export function createOrdersController(d: OrdersPageDeps) {
  const mine = async (req: Request): Promise<Order> => d.orders.forAccount(req.account!.id, boundedInt(req.params.id, 1, INT4_MAX) ?? 0);
  const renderOrder = async (req: Request, res: Response, order: Order, status = 200, errors: Record<string, string> = {}): Promise<void> => {
    const [invoice, keys, listing, offer, allowance] = await Promise.all([d.billing.invoices.byId(order.invoiceId), d.orders.keys(order),
      d.catalogue.listing(order.productId), d.catalogue.offer(order.offerId), d.devices.allowance(order)]);
    const owed = invoice && (invoice.status === 'open' || invoice.status === 'overdue');
    res.status(status).render('shop/order', {
      ...BILLING_VIEW_HELPERS, title: req.t('shop:order.title', { id: order.id }), order, invoice, keys, listing, offer, errors,
      releases: releasesOf([[order.id, allowance]]),
      renewable: isRenewable(order, offer),
      gateways: owed ? d.online.available(invoice.currency) : [], deadline: d.refunds.deadline(order), refundOpen: d.refunds.open(order),
      instructions: owed ? (await d.billing.gateway.createPayment({ invoiceNumber: invoice.number!, amount: 0, currency: invoice.currency,
        idempotencyKey: 'page' })).next : null,
      back: req.query.paid ? 'paid' : req.query.cancelled ? 'cancelled' : null,
    });
  };

  return {
    /** GET /account */
    dashboard: async (req: Request, res: Response): Promise<void> => {
      const { rows } = await d.orders.list({ q: '', status: '', accountId: req.account!.id }, 5, 0);
      res.render('shop/account', { ...BILLING_VIEW_HELPERS, title: req.t('shop:account.title'), orders: rows });
    },

    /** GET /orders */
    list: async (req: Request, res: Response): Promise<void> => {
      const page = boundedInt(req.query.page, 1, 100000) ?? 1;
      const { rows, total } = await d.orders.list({ q: '', status: '', accountId: req.account!.id }, PER_PAGE, (page - 1) * PER_PAGE);
      res.render('shop/orders', { ...BILLING_VIEW_HELPERS, title: req.t('shop:orders.title'), rows, total, page,
        pages: Math.max(1, Math.ceil(total / PER_PAGE)) });
    },

    /** GET /orders/:id */
    show: async (req: Request, res: Response): Promise<void> => renderOrder(req, res, await mine(req)),

    /** GET /orders/:id/invoice.pdf */
    pdf: async (req: Request, res: Response): Promise<void> => {
      const order = await mine(req);
      const [inv, pdf] = await Promise.all([d.billing.invoices.byId(order.invoiceId), d.billing.invoices.pdf(order.invoiceId)]);
      if (!inv || !pdf) throw new NotFoundError('no invoice');
      res.attachment(`${inv.number}.pdf`).type('application/pdf').setHeader('Cache-Control', 'private, no-store');
      res.send(pdf);
    },

    /** POST /orders/:id/pay/<gateway> */
    pay: (gateway: GatewayName) => async (req: Request, res: Response): Promise<void> => {
      const order = await mine(req);
      const page = `/orders/${order.id}`;
      await redirectToGateway(d.online, d.logger, req, res, gateway, page, () => d.online.payInvoice(gateway, order.invoiceId, req.account!.id,
        localeOf(req), actorOf(req), { back: page, returnTo: `${page}/return/${gateway}` }), 'payments:errors.not_payable');
    },

    /** GET /orders/:id/return/<gateway>?token= (PayPal: capture on return) */
    returned: (gateway: GatewayName) => async (req: Request, res: Response): Promise<void> => {
      const order = await mine(req);
      await paymentReturned(d.online, d.logger, req, res, gateway, order.invoiceId, () => `/orders/${order.id}`);
    },

    /** GET /orders/:id/renew: the renewal's summary (all the order's seats, at the renewal price). */
    renewForm: async (req: Request, res: Response): Promise<void> => {
      const order = await mine(req);
      try {
        const code = typeof req.query.code === 'string' ? req.query.code.trim().slice(0, 64) : '';
        const preview = await d.orders.renewalPreview(req.account!.id, order.id, localeOf(req), code);
        res.render('shop/renew', { ...BILLING_VIEW_HELPERS, title: req.t('shop:renew.title', { id: order.id }), order, preview, key: randomUUID(),
          errors: {}, code });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        flash(req, 'error', Object.values(err.fields)[0] ?? 'shop:renew.not_renewable');
        res.redirect(303, `/orders/${order.id}`);
      }
    },

    /** POST /orders/:id/renew: the renewal order and its invoice, then 303 to it (paid, it extends the licenses). */
    renew: async (req: Request, res: Response): Promise<void> => {
      const order = await mine(req);
      try {
        const body = req.body as Record<string, unknown>;
        const code = typeof body.code === 'string' ? body.code.trim().slice(0, 64) : '';
        const { order: renewal } = await d.orders.placeRenewal(req.account!.id, order.id, String(body.key ?? ''), localeOf(req), actorOf(req), code);
        res.redirect(303, `/orders/${renewal.id}`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        flash(req, 'error', Object.values(err.fields)[0] ?? 'shop:renew.not_renewable');
        res.redirect(303, `/orders/${order.id}`);
      }
    },

    /** POST /orders/:id/refund */
    refund: async (req: Request, res: Response): Promise<void> => {
      const order = await mine(req);
      try {
        await d.refunds.request(req.account!.id, order.id, String((req.body as Record<string, unknown>).reason ?? ''), actorOf(req));
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return renderOrder(req, res, order, 422, err.fields);
      }
      flash(req, 'success', 'shop:refund.asked');
      res.redirect(303, `/orders/${order.id}`);
    },

    /**
     * POST /downloads/generate (order, lock_ip): a signed link to the current release of a paid order's product while one of its
     * licenses is not revoked; 303 to it. Refused: back to the order with the reason.
     */
    generateLink: async (req: Request, res: Response): Promise<void> => {
      const body = req.body as Record<string, unknown>;
      const order = await d.orders.forAccount(req.account!.id, boundedInt(body.order, 1, INT4_MAX) ?? 0);
      const keys = await d.orders.keys(order);
      const listing = await d.catalogue.listing(order.productId);
      const release = listing?.releaseProduct ? await d.catalogue.currentRelease(listing.releaseProduct) : null;
      const usable = order.status === 'paid' && keys.some((k) => k.state !== 'revoked' && k.state !== 'suspended');
      if (!usable || !release) {
        flash(req, 'error', usable ? 'shop:download.no_release' : 'shop:download.not_allowed');
        return res.redirect(303, `/orders/${order.id}`);
      }
      res.redirect(303, `/downloads/signed/${d.signLink(release.id, req.account!.id, body.lock_ip === 'on' ? req.ip ?? null : null)}`);
    },

    /** GET /licenses/:id: one license (a key activated) of the customer's orders: its key, state, expiry, machines, download, renewal. */
    license: async (req: Request, res: Response): Promise<void> => {
      const { order, key } = await d.orders.licenseFor(req.account!.id, boundedInt(req.params.id, 1, INT4_MAX) ?? 0);
      const [offer, allowance] = await Promise.all([d.catalogue.offer(order.offerId), d.devices.allowance(order)]);
      res.render('shop/license', { ...BILLING_VIEW_HELPERS, title: req.t('shop:license.title', { key: key.code }), order, key, offer,
        releases: releasesOf([[order.id, allowance]]),
        renewable: isRenewable(order, offer) });
    },

    /** GET /licenses */
    licenses: async (req: Request, res: Response): Promise<void> => {
      const { rows } = await d.orders.list({ q: '', status: 'paid', accountId: req.account!.id }, 200, 0);
      const [keys, allowances] = await Promise.all([d.orders.keysOf(rows), d.devices.allowances(rows)]);
      const groups = rows.map((o) => ({ order: o, keys: keys.get(o.id) ?? [], allowance: allowances.get(o.id) ?? null }));
      res.render('shop/licenses', { ...BILLING_VIEW_HELPERS, title: req.t('shop:licenses.title'), groups,
        releases: releasesOf(groups.map((g) => [g.order.id, g.allowance])) });
    },

    /**
     * POST /licenses/release (order, machine_id, from): release a machine from one of the order's keys (DevicesService),
     * then back to the page the form was on with what happened, or why not (the month's releases used up).
     */
    release: async (req: Request, res: Response): Promise<void> => {
      const body = req.body as Record<string, unknown>;
      const orderId = boundedInt(body.order, 1, INT4_MAX) ?? 0;
      const machineId = typeof body.machine_id === 'string' ? body.machine_id : '';
      const back = body.from === 'licenses' ? '/licenses' : `/orders/${orderId}`;
      try {
        const done = await d.devices.release(req.account!.id, orderId, machineId, actorOf(req));
        flash(req, 'success', `shop-devices:flash.released_${done}`, { machine: machineId });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        flash(req, 'error', Object.values(err.fields)[0] ?? 'shop-devices:errors.not_releasable');
      }
      res.redirect(303, back);
    },
  };
}
