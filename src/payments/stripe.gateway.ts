/**
 * Stripe through its official SDK (`stripe`), as an OnlineGateway
 * (src/billing/gateway.ts): the portal bills, Stripe only moves the money.
 *
 * - An invoice's first payment is a Checkout Session (mode `payment`, one
 *   line naming the invoice with what is owed, `client_reference_id` = our
 *   invoice id, our ids in the metadata of the session and of its
 *   PaymentIntent, `setup_future_usage=off_session` when the invoice belongs
 *   to a subscription so the card is kept for renewals).
 * - Renewals are PaymentIntents confirmed off-session on the saved card; a
 *   decline is an outcome (hard or soft, gateway.ts isHardDecline).
 * - A card is replaced through a Checkout Session in `setup` mode.
 * - Webhooks are checked with `stripe.webhooks.constructEvent` (the
 *   `Stripe-Signature` header, tolerance 300 s), then read by `interpret`.
 * Amounts are Stripe's smallest units, the portal's minor units (XOF and XAF
 * are zero-decimal at Stripe too); currencies are lower case at Stripe.
 * Every creating call carries an idempotency key derived from our ids.
 * STRIPE_API_BASE points the SDK at a local fake of the API (tests).
 */
import { createRequire } from 'node:module';
import type Stripe from 'stripe';
import {
  isCurrency, isHardDecline, WebhookRefused, type ChargeOutcome, type CreatePaymentRequest, type Currency, type GatewayAction, type GatewayPayment,
  type GatewayRefund, type OnlineGateway, type SavedCard, type VerifiedEvent,
} from '../billing/index.js';
import type { StripeConfig } from '../config/index.js';

const requireLazily = createRequire(import.meta.url);

/** The SDK (megabytes of heap) is loaded when a Stripe gateway is built, i.e. when Stripe is configured, not at every start. */
function stripeSdk(): typeof Stripe {
  return requireLazily('stripe') as typeof Stripe;
}

/** Seconds a signed notification stays acceptable (Stripe's default, against replays). */
export const STRIPE_TOLERANCE_SECONDS = 300;

/** Where Stripe's hosted Checkout pages live (the fake API's own origin in tests): the page's CSP lets forms lead there. */
export function stripeCheckoutOrigin(config: StripeConfig): string {
  return config.api ? `${config.api.protocol}://${config.api.host}:${config.api.port}` : 'https://checkout.stripe.com';
}

/** Events of Stripe's own billing products: the portal is the billing system, so they are recorded and not acted on. */
const STRIPE_BILLING = /^(customer\.subscription\.|invoice\.payment_|invoice\.paid$|invoice\.finalized$)/;

type Obj = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);
const idOf = (v: unknown): string | null => str(v) ?? str((v as Obj | null)?.id);
const num = (v: unknown): number | null => {
  const n = Number(v);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
};

export class StripeGateway implements OnlineGateway {
  readonly name = 'stripe' as const;
  readonly completesOnReturn = false;
  private readonly stripe: Stripe;

  constructor(private readonly config: StripeConfig) {
    this.stripe = new (stripeSdk())(config.secretKey, { maxNetworkRetries: 2, timeout: 20_000, telemetry: false, ...(config.api ?? {}) });
  }

  /** Stripe takes every currency of the portal (XOF and XAF as zero-decimal currencies). */
  accepts(): boolean {
    return true;
  }

  async createCustomer(req: { accountId: number; email: string; name: string; idempotencyKey: string }): Promise<string> {
    const c = await this.stripe.customers.create({ email: req.email, name: req.name || undefined, metadata: { account_id: String(req.accountId) } },
      { idempotencyKey: req.idempotencyKey });
    return c.id;
  }

  /** A Checkout Session for the invoice (module comment); `next` is the hosted page's URL, `gatewayReference` the session id. */
  async createPayment(req: CreatePaymentRequest): Promise<GatewayPayment> {
    const metadata = { invoice_id: String(req.invoiceId), payment_id: String(req.paymentId), keep_card: req.keepCard ? '1' : '0' };
    const session = await this.stripe.checkout.sessions.create({
      mode: 'payment',
      customer: req.customerRef,
      client_reference_id: String(req.invoiceId),
      line_items: [{ quantity: 1, price_data: { currency: req.currency.toLowerCase(), unit_amount: req.amount,
        product_data: { name: req.invoiceNumber, ...(req.description ? { description: req.description.slice(0, 500) } : {}) } } }],
      payment_intent_data: { metadata, description: req.invoiceNumber, ...(req.keepCard ? { setup_future_usage: 'off_session' as const } : {}) },
      metadata,
      locale: req.locale ?? 'auto',
      success_url: req.returnUrl!,
      cancel_url: req.cancelUrl ?? req.returnUrl!,
    }, { idempotencyKey: req.idempotencyKey });
    if (!session.url) throw new Error('Stripe gave no Checkout URL');
    return { gatewayReference: session.id, status: 'pending', next: { kind: 'redirect', url: session.url } };
  }

  async setupCard(req: { customerRef: string; accountId: number; currency: Currency; successUrl: string; cancelUrl: string; locale: 'fr' | 'en';
    idempotencyKey: string }): Promise<string> {
    const session = await this.stripe.checkout.sessions.create({
      mode: 'setup', customer: req.customerRef, currency: req.currency.toLowerCase(), allowed_payment_method_types: ['card'],
      metadata: { account_id: String(req.accountId) },
      setup_intent_data: { metadata: { account_id: String(req.accountId) } }, locale: req.locale, success_url: req.successUrl, cancel_url: req.cancelUrl,
    }, { idempotencyKey: req.idempotencyKey });
    if (!session.url) throw new Error('Stripe gave no Checkout URL');
    return session.url;
  }

  async chargeOffSession(req: { card: SavedCard; invoiceId: number; paymentId: number; amount: number; currency: Currency; description: string;
    idempotencyKey: string }): Promise<ChargeOutcome> {
    try {
      const pi = await this.stripe.paymentIntents.create({
        amount: req.amount, currency: req.currency.toLowerCase(), customer: req.card.customerRef, payment_method: req.card.paymentMethodRef,
        off_session: true, confirm: true, description: req.description, metadata: { invoice_id: String(req.invoiceId), payment_id: String(req.paymentId) },
      }, { idempotencyKey: req.idempotencyKey });
      if (pi.status === 'succeeded') return { status: 'succeeded', reference: pi.id, amount: pi.amount_received || pi.amount, currency: req.currency };
      if (pi.status === 'processing') return { status: 'processing', reference: pi.id };
      const error = pi.last_payment_error;
      const code = pi.status === 'requires_action' ? 'authentication_required' : error?.decline_code || error?.code || pi.status;
      return { status: 'failed', reference: pi.id, code, message: error?.message ?? pi.status, hard: isHardDecline(code) };
    } catch (err) {
      if (!(err instanceof stripeSdk().errors.StripeCardError)) throw err;
      const code = err.decline_code || err.code || 'card_declined';
      return { status: 'failed', reference: err.payment_intent?.id ?? null, code, message: err.message, hard: isHardDecline(code) };
    }
  }

  /** A PaymentIntent by id, else a Checkout Session's (paid: its PaymentIntent; expired: failed `checkout_expired`). */
  async lookup(p: { reference: string | null; checkoutSession: string | null }): Promise<ChargeOutcome | { status: 'open' }> {
    let reference = p.reference;
    if (!reference && p.checkoutSession) {
      const s = await this.stripe.checkout.sessions.retrieve(p.checkoutSession);
      if (s.status === 'expired') return { status: 'failed', reference: null, code: 'checkout_expired', message: 'Checkout Session expired', hard: false };
      reference = s.payment_status === 'paid' ? idOf(s.payment_intent) : null;
    }
    if (!reference) return { status: 'open' };
    const pi = await this.stripe.paymentIntents.retrieve(reference);
    const currency = pi.currency.toUpperCase();
    if (pi.status === 'succeeded' && isCurrency(currency)) return { status: 'succeeded', reference: pi.id, amount: pi.amount_received || pi.amount, currency };
    if (pi.status === 'canceled' || (pi.status === 'requires_payment_method' && pi.last_payment_error)) {
      const code = pi.last_payment_error?.decline_code || pi.last_payment_error?.code || pi.status;
      return { status: 'failed', reference: pi.id, code, message: pi.last_payment_error?.message ?? pi.status, hard: isHardDecline(code) };
    }
    return { status: 'open' };
  }

  async capture(reference: string): Promise<GatewayPayment> {
    const pi = await this.stripe.paymentIntents.capture(reference);
    return { gatewayReference: pi.id, status: pi.status === 'succeeded' ? 'succeeded' : 'processing', next: { kind: 'none' } };
  }

  /** A refund of `amount` on PaymentIntent `reference`; `gatewayReference` is the refund's id. */
  async refund(reference: string, amount: number, _currency: Currency, idempotencyKey: string, reason = ''): Promise<GatewayPayment> {
    const r = await this.stripe.refunds.create(
      { payment_intent: reference, amount, reason: 'requested_by_customer', metadata: { reason: reason.slice(0, 500) } }, { idempotencyKey });
    return { gatewayReference: r.id, status: r.status === 'succeeded' ? 'refunded' : r.status === 'failed' ? 'failed' : 'processing', next: { kind: 'none' } };
  }

  /** @throws WebhookRefused: no or bad signature, timestamp older than 300 s, body not an event. */
  async parseWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): Promise<VerifiedEvent> {
    const signature = headers['stripe-signature'];
    if (typeof signature !== 'string' || !signature) throw new WebhookRefused('no Stripe-Signature header');
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(rawBody, signature, this.config.webhookSecret, STRIPE_TOLERANCE_SECONDS);
    } catch (err) {
      throw new WebhookRefused(err instanceof Error ? err.message.slice(0, 200) : 'signature refused');
    }
    if (typeof event?.id !== 'string' || typeof event.type !== 'string' || event.id.length > 200 || event.type.length > 100) {
      throw new WebhookRefused('not a Stripe event');
    }
    return { eventId: event.id, type: event.type, payload: rawBody.toString('utf8') };
  }

  /** What a stored Stripe event means (gateway.ts GatewayAction); asks Stripe for a card's label and a charge's refunds. */
  async interpret(event: { type: string; payload: string }): Promise<GatewayAction[]> {
    const object = ((JSON.parse(event.payload) as { data?: { object?: Obj } }).data?.object ?? {}) as Obj;
    switch (event.type) {
      case 'checkout.session.completed':
        return this.checkoutCompleted(object);
      case 'payment_intent.succeeded':
        return this.intentSucceeded(object);
      case 'payment_intent.payment_failed':
        return [this.intentFailed(object)];
      case 'charge.refunded':
        return [await this.chargeRefunded(object)];
      case 'charge.dispute.created':
        return [this.disputeCreated(object)];
      default:
        return [{ kind: 'ignored', reason: STRIPE_BILLING.test(event.type) ? 'stripe_billing' : 'unhandled_type' }];
    }
  }

  private async checkoutCompleted(session: Obj): Promise<GatewayAction[]> {
    if (session.mode === 'setup') {
      const intent = idOf(session.setup_intent);
      if (!intent) return [{ kind: 'ignored', reason: 'no_setup_intent' }];
      const si = await this.stripe.setupIntents.retrieve(intent, { expand: ['payment_method'] });
      const card = this.cardOf(idOf(si.customer) ?? idOf(session.customer), si.payment_method);
      return [card ? { kind: 'card_saved', card } : { kind: 'ignored', reason: 'no_payment_method' }];
    }
    if (session.payment_status !== 'paid') return [{ kind: 'ignored', reason: 'not_paid_yet' }];
    const meta = (session.metadata ?? {}) as Obj;
    const reference = idOf(session.payment_intent);
    const amount = num(session.amount_total);
    const currency = String(session.currency ?? '').toUpperCase();
    if (!reference || !amount || !isCurrency(currency)) return [{ kind: 'ignored', reason: 'incomplete_session' }];
    const actions: GatewayAction[] = [{ kind: 'payment_succeeded', reference, invoiceId: num(session.client_reference_id) ?? num(meta.invoice_id),
      paymentId: num(meta.payment_id), amount, currency, method: 'card', checkoutSession: str(session.id) ?? undefined }];
    if (meta.keep_card === '1') {
      const pi = await this.stripe.paymentIntents.retrieve(reference, { expand: ['payment_method'] });
      const card = this.cardOf(idOf(pi.customer) ?? idOf(session.customer), pi.payment_method);
      if (card) actions.push({ kind: 'card_saved', card });
    }
    return actions;
  }

  private async intentSucceeded(pi: Obj): Promise<GatewayAction[]> {
    const meta = (pi.metadata ?? {}) as Obj;
    const amount = num(pi.amount_received) ?? num(pi.amount);
    const currency = String(pi.currency ?? '').toUpperCase();
    const reference = str(pi.id);
    if (!reference || !amount || !isCurrency(currency)) return [{ kind: 'ignored', reason: 'incomplete_payment_intent' }];
    if (!meta.invoice_id && !meta.payment_id) return [{ kind: 'ignored', reason: 'not_ours' }];
    const actions: GatewayAction[] = [{ kind: 'payment_succeeded', reference, invoiceId: num(meta.invoice_id), paymentId: num(meta.payment_id), amount,
      currency, method: 'card' }];
    const customer = idOf(pi.customer);
    if (pi.setup_future_usage === 'off_session' && customer && pi.payment_method) {
      const pm = typeof pi.payment_method === 'string' ? await this.stripe.paymentMethods.retrieve(pi.payment_method) : pi.payment_method;
      const card = this.cardOf(customer, pm);
      if (card) actions.push({ kind: 'card_saved', card });
    }
    return actions;
  }

  private intentFailed(pi: Obj): GatewayAction {
    const meta = (pi.metadata ?? {}) as Obj;
    const error = (pi.last_payment_error ?? {}) as Obj;
    const reference = str(pi.id);
    if (!reference) return { kind: 'ignored', reason: 'incomplete_payment_intent' };
    return { kind: 'payment_failed', reference, invoiceId: num(meta.invoice_id), paymentId: num(meta.payment_id),
      code: str(error.decline_code) ?? str(error.code) ?? 'payment_failed', message: (str(error.message) ?? '').slice(0, 500) };
  }

  private async chargeRefunded(charge: Obj): Promise<GatewayAction> {
    const reference = idOf(charge.payment_intent);
    const chargeId = str(charge.id);
    if (!reference || !chargeId) return { kind: 'ignored', reason: 'no_payment_intent' };
    const refunds: GatewayRefund[] = [];
    for await (const r of this.stripe.refunds.list({ charge: chargeId, limit: 100 })) {
      const currency = r.currency.toUpperCase();
      if (!isCurrency(currency)) continue;
      refunds.push({ refundId: r.id, amount: r.amount, currency, reason: r.metadata?.reason ?? '',
        status: r.status === 'succeeded' ? 'succeeded' : r.status === 'failed' || r.status === 'canceled' ? 'failed' : 'pending' });
    }
    return { kind: 'refunded', reference, refunds };
  }

  private disputeCreated(dispute: Obj): GatewayAction {
    const reference = idOf(dispute.payment_intent);
    const currency = String(dispute.currency ?? '').toUpperCase();
    if (!reference || !isCurrency(currency)) return { kind: 'ignored', reason: 'no_payment_intent' };
    return { kind: 'disputed', reference, disputeId: String(dispute.id ?? ''), amount: num(dispute.amount) ?? 0, currency,
      reason: String(dispute.reason ?? '') };
  }

  /** The saved card of `customer` from a PaymentMethod object (its brand and last four digits as the label). */
  private cardOf(customer: string | null, pm: unknown): SavedCard | null {
    const id = idOf(pm);
    if (!customer || !id) return null;
    const card = (typeof pm === 'object' && pm ? (pm as Obj).card : null) as Obj | null;
    const label = card && typeof card.brand === 'string' && typeof card.last4 === 'string' ? `${card.brand} •••• ${card.last4}` : null;
    return { customerRef: customer, paymentMethodRef: id, label };
  }
}
