/**
 * The partner's online payment actions (checkout.router.ts): pay an invoice on
 * a gateway's hosted page, replace the card kept for renewals. Each answers
 * 303 to the gateway's page; a refusal (not the partner's invoice: 404; paid
 * or cancelled meanwhile) or a gateway that cannot be reached comes back to
 * /subscription/billing with a message. Coming back from Stripe only shows
 * status there: the notification pays the invoice. Coming back from PayPal
 * (GET /subscription/invoices/:id/return/paypal?token=<order>) captures the
 * approved order, then shows the same page.
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Currency, GatewayName } from '../billing/index.js';
import { NotFoundError, ValidationError } from '../errors/index.js';
import { actorOf } from '../http/actor.js';
import { flash } from '../http/flash.js';
import { boundedInt, INT4_MAX } from '../http/query.js';
import type { Logger } from '../platform/logger.js';
import type { OnlinePaymentsService } from './online-payments.service.js';

export function createCheckoutController(online: OnlinePaymentsService, currency: Currency, logger?: Logger) {
  const localeOf = (req: Request): 'fr' | 'en' => (req.locale === 'en' ? 'en' : 'fr');
  const away = async (req: Request, res: Response, gateway: GatewayName, go: () => Promise<string>): Promise<void> => {
    if (!online.available().includes(gateway)) throw new NotFoundError('gateway not configured');
    let url: string;
    try {
      url = await go();
    } catch (err) {
      if (err instanceof NotFoundError) throw err;
      if (err instanceof ValidationError) flash(req, 'error', Object.values(err.fields)[0] ?? 'payments:errors.not_payable');
      else {
        logger?.error({ err, gateway }, 'gateway unreachable');
        flash(req, 'error', `payments:errors.${gateway}_unavailable`);
      }
      return res.redirect(303, '/subscription/billing');
    }
    res.redirect(303, url);
  };
  return {
    /** POST /subscription/invoices/:id/pay/<gateway> */
    pay: (gateway: GatewayName) => async (req: Request, res: Response): Promise<void> => {
      const id = boundedInt(req.params.id, 1, INT4_MAX);
      if (!id) throw new NotFoundError('no such invoice');
      await away(req, res, gateway, () => online.payInvoice(gateway, id, req.account!.id, localeOf(req), actorOf(req)));
    },

    /**
     * GET /subscription/invoices/:id/return/<gateway>?token=<checkout>: the payer is back from a gateway that completes
     * payments on return (PayPal): captured and settled now, then 303 to /subscription/billing with where it stands.
     */
    returned: (gateway: GatewayName) => async (req: Request, res: Response): Promise<void> => {
      const id = boundedInt(req.params.id, 1, INT4_MAX);
      const token = typeof req.query.token === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(req.query.token) ? req.query.token : null;
      if (!id || !token || !online.available().includes(gateway)) throw new NotFoundError('no such checkout');
      let out;
      try {
        out = await online.completeReturn(gateway, id, req.account!.id, token);
      } catch (err) {
        if (err instanceof NotFoundError) throw err;
        logger?.error({ err, gateway }, 'gateway unreachable on return');
        flash(req, 'error', 'payments:errors.return_unconfirmed');
        return res.redirect(303, '/subscription/billing');
      }
      if (out.status === 'failed') {
        flash(req, 'error', `payments:errors.${gateway}_declined`);
        return res.redirect(303, '/subscription/billing');
      }
      res.redirect(303, `/subscription/billing?${out.status === 'open' ? 'cancelled' : 'paid'}=${id}`);
    },

    /** POST /subscription/billing/card/<gateway> */
    replaceCard: (gateway: GatewayName) => async (req: Request, res: Response): Promise<void> => {
      await away(req, res, gateway, () => online.replaceCard(gateway, req.account!.id, currency, localeOf(req), randomUUID()));
    },
  };
}
