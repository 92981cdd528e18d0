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
import { NotFoundError } from '../errors/index.js';
import { actorOf } from '../http/actor.js';
import { boundedInt, INT4_MAX } from '../http/query.js';
import type { Logger } from '../platform/logger.js';
import type { OnlinePaymentsService } from './online-payments.service.js';
import { paymentReturned, redirectToGateway } from './pay-actions.js';

const BILLING = '/subscription/billing';

export function createCheckoutController(online: OnlinePaymentsService, currency: Currency, logger?: Logger) {
  const localeOf = (req: Request): 'fr' | 'en' => (req.locale === 'en' ? 'en' : 'fr');
  return {
    /** POST /subscription/invoices/:id/pay/<gateway> */
    pay: (gateway: GatewayName) => async (req: Request, res: Response): Promise<void> => {
      const id = boundedInt(req.params.id, 1, INT4_MAX);
      if (!id) throw new NotFoundError('no such invoice');
      await redirectToGateway(online, logger, req, res, gateway, BILLING, () => online.payInvoice(gateway, id, req.account!.id, localeOf(req),
        actorOf(req)));
    },

    /**
     * GET /subscription/invoices/:id/return/<gateway>?token=<checkout>: the payer is back from a gateway that completes
     * payments on return (PayPal): captured and settled now, then 303 to /subscription/billing with where it stands.
     */
    returned: (gateway: GatewayName) => async (req: Request, res: Response): Promise<void> => {
      const id = boundedInt(req.params.id, 1, INT4_MAX);
      if (!id) throw new NotFoundError('no such checkout');
      await paymentReturned(online, logger, req, res, gateway, id,
        (status) => (status === 'failed' ? BILLING : `${BILLING}?${status === 'open' ? 'cancelled' : 'paid'}=${id}`));
    },

    /** POST /subscription/billing/card/<gateway> */
    replaceCard: (gateway: GatewayName) => async (req: Request, res: Response): Promise<void> => {
      await redirectToGateway(online, logger, req, res, gateway, BILLING,
        () => online.replaceCard(gateway, req.account!.id, currency, localeOf(req), randomUUID()));
    },
  };
}
