/**
 * Paying an invoice of the shop (an order, a course bought alone) from its page at `page`: start a hosted checkout
 * on a configured gateway (303 to the gateway's page; back to `page` with a message when the invoice is not payable
 * any more or the gateway cannot be reached), and the PayPal return that captures (303 back to `page`).
 */
import type { Request, Response } from 'express';
import type { GatewayName } from '../billing/index.js';
import { NotFoundError, ValidationError } from '../errors/index.js';
import { actorOf } from '../http/actor.js';
import { flash } from '../http/flash.js';
import type { OnlinePaymentsService } from '../payments/index.js';
import type { Logger } from '../platform/logger.js';

const localeOf = (req: Request): 'fr' | 'en' => (req.locale === 'en' ? 'en' : 'fr');

/** POST <page>/pay/<gateway>: the gateway's hosted page for invoice `invoiceId` of the logged-in customer. */
export async function startPayment(online: OnlinePaymentsService, logger: Logger | undefined, req: Request, res: Response, gateway: GatewayName,
  invoiceId: number, page: string): Promise<void> {
  if (!online.available().includes(gateway)) throw new NotFoundError('gateway not configured');
  try {
    res.redirect(303, await online.payInvoice(gateway, invoiceId, req.account!.id, localeOf(req), actorOf(req),
      { back: page, returnTo: `${page}/return/${gateway}` }));
  } catch (err) {
    if (err instanceof NotFoundError) throw err;
    if (err instanceof ValidationError) flash(req, 'error', 'payments:errors.not_payable');
    else {
      logger?.error({ err, gateway }, 'gateway unreachable');
      flash(req, 'error', `payments:errors.${gateway}_unavailable`);
    }
    res.redirect(303, page);
  }
}

/** GET <page>/return/<gateway>?token=: the payer is back (PayPal: the approved order captured and settled), then 303 to `page`. */
export async function paymentReturned(online: OnlinePaymentsService, logger: Logger | undefined, req: Request, res: Response, gateway: GatewayName,
  invoiceId: number, page: string): Promise<void> {
  const token = typeof req.query.token === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(req.query.token) ? req.query.token : null;
  if (!token || !online.available().includes(gateway)) throw new NotFoundError('no such checkout');
  try {
    const out = await online.completeReturn(gateway, invoiceId, req.account!.id, token);
    if (out.status === 'failed') flash(req, 'error', `payments:errors.${gateway}_declined`);
  } catch (err) {
    if (err instanceof NotFoundError) throw err;
    logger?.error({ err, gateway }, 'gateway unreachable on return');
    flash(req, 'error', 'payments:errors.return_unconfirmed');
  }
  res.redirect(303, page);
}
