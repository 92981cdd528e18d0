/**
 * The payments component: online gateways (Stripe, PayPal; same shapes),
 * their notifications (inbound_events, POST /webhooks/<gateway>), the partner's
 * pay-by-card and replace-card actions, renewals charged off-session, refunds
 * through the gateway. Billing decides and records (src/billing PaymentsService);
 * this component talks to the gateways, never inside a database transaction.
 */
import type { AuditService } from '../audit/index.js';
import type { Billing, GatewayName, OnlineGateway, SubscriptionsService } from '../billing/index.js';
import type { Config } from '../config/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import { InboundEventsService, type InboundObserver } from './inbound-events.service.js';
import { OnlinePaymentsService } from './online-payments.service.js';
import { PayPalGateway } from './paypal.gateway.js';
import { StripeGateway } from './stripe.gateway.js';

export { PayPalGateway, paypalApproveOrigin } from './paypal.gateway.js';
export { StripeGateway, stripeCheckoutOrigin, STRIPE_TOLERANCE_SECONDS } from './stripe.gateway.js';
export { InboundEventsService, MAX_ATTEMPTS, type InboundObserver } from './inbound-events.service.js';
export type { InboundEvent, InboundStatus } from './inbound-events.repository.js';
export { OnlinePaymentsService, RECONCILE_AFTER_SECONDS, RENEWAL_CHARGE_DAYS, type CheckoutPages } from './online-payments.service.js';
export { createWebhooksRouter } from './webhooks.router.js';
export { createCheckoutController } from './checkout.controller.js';
export { paymentReturned, redirectToGateway, type ReturnStatus } from './pay-actions.js';
export { createCheckoutRouter } from './checkout.router.js';

export interface Payments {
  gateways: Partial<Record<GatewayName, OnlineGateway>>;
  online: OnlinePaymentsService;
  inbound: InboundEventsService;
}

/** The configured online gateways and the services over them (the server, `npm run billing:run`). */
export function createPayments(deps: { config: Readonly<Config>; db: Db; clock: Clock; audit: AuditService; billing: Billing;
  subscriptions: SubscriptionsService; logger?: Logger; observer?: InboundObserver }): Payments {
  const gateways: Partial<Record<GatewayName, OnlineGateway>> = {};
  if (deps.config.stripe) gateways.stripe = new StripeGateway(deps.config.stripe);
  if (deps.config.paypal) gateways.paypal = new PayPalGateway(deps.config.paypal);
  const online = new OnlinePaymentsService({ db: deps.db, clock: deps.clock, audit: deps.audit, payments: deps.billing.payments,
    invoices: deps.billing.invoices, gateways, contactOf: (id) => deps.subscriptions.contactOf(id), baseUrl: deps.config.baseUrl, logger: deps.logger });
  const inbound = new InboundEventsService({ db: deps.db, clock: deps.clock, audit: deps.audit, logger: deps.logger, gateways,
    handle: (gateway, actions) => online.handle(gateway, actions), observer: deps.observer });
  return { gateways, online, inbound };
}
