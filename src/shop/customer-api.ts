/**
 * The customer API, for the desktop programs (answers documented in src/api-docs/openapi.ts):
 *
 *   GET /api/users/me/licenses   the customer's license keys (paid orders), their state, type, expiry and machines
 *   GET /api/users/me/orders     the customer's orders, newest first
 *   POST /api/licenses/:id/renew the renewal of the licenses of the customer's paid order `id` (all its seats, at the
 *                                renewal price): the renewal order and the page where it is paid (`pay_url`); the
 *                                licenses move on once it is paid. `Idempotency-Key` (8 to 100 of [A-Za-z0-9_-]) makes a
 *                                repeated call give the same order; 404 for an order not the customer's, 422 when it
 *                                cannot be renewed (lifetime, not paid, no renewal price).
 *
 * Both need `Authorization: Bearer andc_…`, a customer's API token created at
 * /account/tokens (AccountsService: stored as its SHA-256, revocable): 401
 * UNAUTHORIZED without a valid, unrevoked token of an active account, 403
 * FORBIDDEN for a token of another role (a staff `andt_` token). Counted per
 * IP before the token is looked up, so guessing tokens is rate-limited too.
 * Errors are the API's JSON envelope (the app's error handler under /api).
 */
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { AccountsService } from '../accounts/index.js';
import { rfc3339 } from '../crypto/index.js';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../errors/index.js';
import { actorOf } from '../http/actor.js';
import { randomUUID } from 'node:crypto';
import type { LicenseKey, OrderRow } from './orders.repository.js';
import type { OrdersService } from './orders.service.js';

/** How many orders the answers cover at most (newest first). */
const MAX_ORDERS = 500;
const BEARER = /^Bearer\s+(\S{1,200})$/i;

export interface CustomerApiDeps {
  orders: OrdersService;
  baseUrl: string;
  accounts: Pick<AccountsService, 'bearerAccount'>;
}

/** The customer owning the request's bearer token on `req.account`; 401 or 403 otherwise (module comment). */
function bearerCustomer(accounts: CustomerApiDeps['accounts']): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const m = BEARER.exec(req.get('authorization') ?? '');
    const account = m ? await accounts.bearerAccount(m[1]!) : null;
    if (!account) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedError('A valid customer API token is required (Authorization: Bearer andc_…)');
    }
    if (account.role !== 'customer') throw new ForbiddenError('This API answers customer tokens only');
    req.account = account;
    next();
  };
}

const iso = (d: Date | null): string | null => (d ? rfc3339(d) : null);

function licenseJson(k: LicenseKey, o: OrderRow): Record<string, unknown> {
  return {
    key: k.code, product_sku: o.sku, order_id: o.id, state: k.state ?? 'unused', license_type: k.licenseType, expires_at: iso(k.expiresAt),
    machines: k.machines.map((m) => ({ machine_id: m.machineId, first_seen_at: rfc3339(m.firstSeenAt), last_seen_at: rfc3339(m.lastSeenAt) })),
  };
}

function orderJson(o: OrderRow): Record<string, unknown> {
  return {
    id: o.id, status: o.status, product_sku: o.sku, offer_code: o.offerCode, quantity: o.quantity, invoice_number: o.invoiceNumber,
    total_ttc: o.totalTtc, currency: o.currency, created_at: rfc3339(o.createdAt), paid_at: iso(o.paidAt),
  };
}

export function createCustomerApiRouter(d: CustomerApiDeps, limiter: RequestHandler): Router {
  const router = Router();
  const customer = bearerCustomer(d.accounts);
  router.get('/api/users/me/licenses', limiter, customer, async (req: Request, res: Response) => {
    const { rows } = await d.orders.list({ q: '', status: 'paid', accountId: req.account!.id }, MAX_ORDERS, 0);
    const keys = await d.orders.keysOf(rows);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ success: true, data: rows.flatMap((o) => (keys.get(o.id) ?? []).map((k) => licenseJson(k, o))) });
  });
  router.get('/api/users/me/orders', limiter, customer, async (req: Request, res: Response) => {
    const { rows } = await d.orders.list({ q: '', status: '', accountId: req.account!.id }, MAX_ORDERS, 0);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ success: true, data: rows.map(orderJson) });
  });
  router.post('/api/licenses/:id/renew', limiter, customer, async (req: Request, res: Response) => {
    const id = /^\d{1,9}$/.test(String(req.params.id)) ? Number(req.params.id) : 0;
    if (!id) throw new NotFoundError('no such license');
    const given = req.get('idempotency-key') ?? '';
    const key = /^[\w-]{8,100}$/.test(given) ? `api-${req.account!.id}-${given}`.slice(0, 100) : randomUUID();
    const locale = req.account!.locale === 'en' ? 'en' : 'fr';
    const { order, invoice, repeated } = await d.orders.placeRenewal(req.account!.id, id, key, locale, actorOf(req));
    res.setHeader('Cache-Control', 'no-store');
    res.status(repeated ? 200 : 201).json({ success: true, data: { order_id: order.id, renews_order_id: id, status: order.status,
      invoice_number: invoice.number, total_ttc: invoice.totalTtc, currency: invoice.currency, pay_url: `${d.baseUrl}/orders/${order.id}` } });
  });
  return router;
}
