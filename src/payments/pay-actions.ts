/**
 * Paying an invoice on a gateway's hosted page, from a page of the portal (a partner's /subscription/billing, a
 * customer's order or course purchase): send the payer to the gateway (303; back to the page with a message when the
 * invoice is not payable any more or the gateway cannot be reached), and the payer's return from a gateway that
 * completes payments on return (PayPal: the approved order captured and settled), then 303 where the caller says.
 */
import type { Request, Response } from 'express';
import type { GatewayName } from '../billing/index.js';
import { NotFoundError, ValidationError } from '../errors/index.js';
import { flash } from '../http/flash.js';
import type { Logger } from '../platform/logger.js';
import type { OnlinePaymentsService } from './online-payments.service.js';

/**
 * 303 to the gateway page `go` answers (starting a checkout or a card setup on `gateway`); on a refusal, a flash (the
 * refusal's own text, or `refusedText` when given) and 303 to `back`. @throws NotFoundError (gateway not configured, not
 * the payer's invoice).
 */
export async function redirectToGateway(online: OnlinePaymentsService, logger: Logger | undefined, req: Request, res: Response, gateway: GatewayName,
  back: string, go: () => Promise<string>, refusedText?: string): Promise<void> {
  if (!online.available().includes(gateway)) throw new NotFoundError('gateway not configured');
  let url: string;
  try {
    url = await go();
  } catch (err) {
    if (err instanceof NotFoundError) throw err;
    if (err instanceof ValidationError) flash(req, 'error', refusedText ?? Object.values(err.fields)[0] ?? 'payments:errors.not_payable');
    else {
      logger?.error({ err, gateway }, 'gateway unreachable');
      flash(req, 'error', `payments:errors.${gateway}_unavailable`);
    }
    return res.redirect(303, back);
  }
  res.redirect(303, url);
}

/** Where a payment stands after the payer's return: paid, processing, open (not approved) or failed (declined, flashed). */
export type ReturnStatus = 'paid' | 'processing' | 'open' | 'failed';

/**
 * GET …/return/<gateway>?token=<checkout> of invoice `invoiceId`: completes the payment (OnlinePaymentsService.completeReturn),
 * flashes a decline or an unreachable gateway, then 303 to `to(status)` (`failed` also when it could not be confirmed).
 * @throws NotFoundError (no token, gateway not configured, not the payer's checkout).
 */
export async function paymentReturned(online: OnlinePaymentsService, logger: Logger | undefined, req: Request, res: Response, gateway: GatewayName,
  invoiceId: number, to: (status: ReturnStatus) => string): Promise<void> {
  const token = typeof req.query.token === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(req.query.token) ? req.query.token : null;
  if (!token || !online.available().includes(gateway)) throw new NotFoundError('no such checkout');
  let status: ReturnStatus;
  try {
    status = (await online.completeReturn(gateway, invoiceId, req.account!.id, token)).status;
    if (status === 'failed') flash(req, 'error', `payments:errors.${gateway}_declined`);
  } catch (err) {
    if (err instanceof NotFoundError) throw err;
    logger?.error({ err, gateway }, 'gateway unreachable on return');
    flash(req, 'error', 'payments:errors.return_unconfirmed');
    status = 'failed';
  }
  res.redirect(303, to(status));
}
