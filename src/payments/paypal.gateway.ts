/**
 * The PayPal gateway: Orders v2 through PayPal's official SDK, in the shapes of
 * billing's OnlineGateway (src/billing/gateway.ts) as the Stripe gateway.
 *
 * - createPayment: an order (intent CAPTURE) of one purchase unit, the invoice
 *   number as reference_id and invoice_id, our ids in custom_id, the amount in
 *   the currency's decimal string; the payer is sent to PayPal's approve page
 *   (`next.kind = 'redirect'`) and comes back to returnUrl (`?token=<order>`).
 *   `gatewayReference` is the order id (the checkout's id).
 * - capture(order): on that return; PayPal-Request-Id `capture-<order>` makes a
 *   repeated return (reload, double click) the same capture, and an order
 *   captured already is read back. The capture id is the payment's reference
 *   from then on: notifications and refunds name it.
 * - order(id): the order now; lookup({checkoutSession: order}): where its
 *   money stands, capturing an approved order first (the payer's return, and
 *   the reconciliation of a payer who closed the tab before coming back).
 * - refund(capture): full or partial, PayPal-Request-Id = our idempotency key.
 * - parseWebhook: PayPal's verify-webhook-signature call for PAYPAL_WEBHOOK_ID
 *   (PayPal holds the certificates), the body passed back as received; then
 *   interpret reads the stored event (paypal.events.ts), without calling PayPal.
 * - No card is kept and nothing is charged off-session: a PayPal subscriber
 *   pays each renewal invoice from its link (createCustomer names the partner
 *   without calling PayPal; setupCard refuses; chargeOffSession declines, hard).
 * Amounts are minor units with their currency. Errors are PayPalError (no
 * credential nor token in them), WebhookRefused or RangeError (bad input,
 * nothing sent).
 */
import type { Client, Order, OrdersController, PaymentsController } from '@paypal/paypal-server-sdk';
import { WebhookRefused, type ChargeOutcome, type CreatePaymentRequest, type Currency, type GatewayPayment, type OnlineGateway,
  type PaymentStatus } from '../billing/index.js';
import type { PayPalConfig } from '../config/index.js';
import { paypalCall, paypalClient, paypalSdk, toPayPalError } from './paypal.client.js';
import { customIdFor, minorFromPaypal, paypalAccepts, paypalActions, paypalValue, readCustomId, readPayPalEvent, type PayPalAction } from './paypal.events.js';

/** The invoice to pay: billing's CreatePaymentRequest, the fields PayPal uses (minor units of `currency`, our ids, where the payer comes back). */
export type PayPalPaymentRequest = Pick<CreatePaymentRequest, 'invoiceNumber' | 'amount' | 'currency' | 'idempotencyKey' | 'returnUrl' | 'cancelUrl'
  | 'invoiceId' | 'paymentId' | 'description' | 'locale'>;

/** An order as the portal reads it: the capture's id as reference once there is one, its amount, our ids from custom_id. */
export interface PayPalPayment extends GatewayPayment {
  orderId: string;
  /** PayPal's order status (CREATED, PAYER_ACTION_REQUIRED, APPROVED, COMPLETED, VOIDED), null when unknown. */
  orderStatus: string | null;
  /** The capture's amount, minor units of `currency`; null before a capture. */
  amount: number | null;
  currency: Currency | null;
  invoiceId: number | null;
  paymentId: number | null;
  /** Why it is not paid: PayPal's issue (ORDER_NOT_APPROVED, INSTRUMENT_DECLINED) or capture status reason. */
  code?: string;
}

/** A notification whose signature PayPal confirmed: its event id and type and the body as received (billing's VerifiedEvent). */
export interface VerifiedPayPalEvent {
  eventId: string;
  type: string;
  payload: string;
}

/** The origin of PayPal's approve page, where "Pay with PayPal" leads (the pages' CSP form-action): PAYPAL_API_BASE's in tests. */
export function paypalApproveOrigin(config: PayPalConfig): string {
  if (config.apiBase) return new URL(config.apiBase).origin;
  return config.environment === 'production' ? 'https://www.paypal.com' : 'https://www.sandbox.paypal.com';
}

const ORDER_ID = /^[A-Za-z0-9-]{1,64}$/;
const HEADER_RULES: Record<string, RegExp> = {
  'paypal-auth-algo': /^[A-Za-z0-9]{1,100}$/,
  'paypal-cert-url': /^https?:\/\/\S{1,490}$/,
  'paypal-transmission-id': /^[\w-]{1,50}$/,
  'paypal-transmission-sig': /^[A-Za-z0-9+/=]{1,500}$/,
  'paypal-transmission-time': /^\d{4}-\d\d-\d\dT[\d:.]{8,15}(Z|[+-]\d\d:?\d\d)$/,
};

export class PayPalGateway implements OnlineGateway {
  readonly name = 'paypal' as const;
  readonly completesOnReturn = true;
  private readonly orders: OrdersController;
  private readonly payments: PaymentsController;

  /** The SDK, loaded by the first PayPal gateway built (paypal.client.ts paypalSdk). */
  private readonly sdk = paypalSdk();

  constructor(private readonly config: PayPalConfig, private readonly client: Client = paypalClient(config)) {
    this.orders = new this.sdk.OrdersController(client);
    this.payments = new this.sdk.PaymentsController(client);
  }

  /** Whether PayPal takes `currency` (not XOF nor XAF): the pay page offers PayPal only then. */
  accepts(currency: Currency): boolean {
    return paypalAccepts(currency);
  }

  /**
   * Create the order of `req` and return where to send the payer (PayPal's approve page).
   * @throws RangeError for an amount ≤ 0, a currency PayPal does not take or no returnUrl (nothing is sent); PayPalError.
   */
  async createPayment(req: PayPalPaymentRequest): Promise<PayPalPayment> {
    if (!this.accepts(req.currency)) throw new RangeError(`PayPal does not take ${req.currency}`);
    if (!(req.amount > 0)) throw new RangeError('a PayPal payment needs an amount above zero');
    if (!req.returnUrl) throw new RangeError('a PayPal payment needs a returnUrl');
    const value = paypalValue(req.amount, req.currency);
    const body = {
      intent: this.sdk.CheckoutPaymentIntent.Capture,
      purchaseUnits: [{
        referenceId: req.invoiceNumber, invoiceId: req.invoiceNumber, customId: customIdFor(req.invoiceId, req.paymentId),
        description: req.description?.slice(0, 127), amount: { currencyCode: req.currency, value },
      }],
      paymentSource: { paypal: { experienceContext: {
        returnUrl: req.returnUrl, cancelUrl: req.cancelUrl ?? req.returnUrl, locale: req.locale === 'en' ? 'en-GB' : 'fr-FR',
        userAction: this.sdk.PaypalExperienceUserAction.PayNow, shippingPreference: this.sdk.PaypalWalletContextShippingPreference.NoShipping,
      } } },
    };
    const { result } = await paypalCall('create order', () => this.orders.createOrder({ body, paypalRequestId: req.idempotencyKey }));
    const approve = result.links?.find((l) => l.rel === 'payer-action' || l.rel === 'approve')?.href;
    if (!result.id || !approve) throw toPayPalError('create order', { result: { name: 'NO_APPROVE_LINK' } });
    return { ...this.read(result), next: { kind: 'redirect', url: approve } };
  }

  /**
   * Capture order `orderId` once its payer approved it (the return from PayPal). `_amount`/`_currency` are the
   * gateway-neutral signature's: PayPal captures what the order holds, which the result reports.
   * Not approved yet: `pending` with code ORDER_NOT_APPROVED; funding refused: `failed` with code INSTRUMENT_DECLINED.
   * @throws PayPalError
   */
  async capture(orderId: string, _amount?: number, _currency?: Currency): Promise<PayPalPayment> {
    this.checkOrderId(orderId);
    let order: Order;
    try {
      ({ result: order } = await this.orders.captureOrder({ id: orderId, paypalRequestId: `capture-${orderId}`, prefer: 'return=representation' }));
    } catch (err) {
      const e = toPayPalError('capture order', err);
      if (e.issue === 'ORDER_ALREADY_CAPTURED') return this.order(orderId);
      const status: PaymentStatus | null = e.issue === 'ORDER_NOT_APPROVED' ? 'pending' : e.issue === 'INSTRUMENT_DECLINED' ? 'failed' : null;
      if (!status) throw e;
      return { ...this.read({ id: orderId }), status, code: e.issue! };
    }
    return this.read(order);
  }

  /** The order `orderId` as PayPal knows it now. @throws PayPalError (issue RESOURCE_NOT_FOUND once PayPal dropped an order never approved) */
  async order(orderId: string): Promise<PayPalPayment> {
    this.checkOrderId(orderId);
    const { result } = await paypalCall('get order', () => this.orders.getOrder({ id: orderId }));
    return this.read(result);
  }

  /**
   * Where the money of order `checkoutSession` stands (the payer's return and the reconciliation): an approved order
   * is captured first (PayPal-Request-Id `capture-<order>`: a second return or run captures nothing more). `open`:
   * the payer has not approved yet; `failed` for a refused funding source, a voided order or one PayPal dropped
   * (unapproved orders are kept about three hours). PayPal payments are always looked up by their order.
   * @throws PayPalError when PayPal cannot be reached or answers otherwise.
   */
  async lookup(p: { reference: string | null; checkoutSession: string | null }): Promise<ChargeOutcome | { status: 'open' }> {
    if (!p.checkoutSession) return { status: 'open' };
    let now: PayPalPayment;
    try {
      now = await this.order(p.checkoutSession);
      if (now.orderStatus === 'APPROVED') now = await this.capture(p.checkoutSession);
    } catch (err) {
      if (toPayPalError('look up order', err).httpStatus !== 404) throw err;
      return { status: 'failed', reference: null, code: 'ORDER_EXPIRED', message: 'PayPal no longer knows this order', hard: false };
    }
    if (now.status === 'succeeded' && now.amount !== null && now.currency) {
      return { status: 'succeeded', reference: now.gatewayReference!, amount: now.amount, currency: now.currency };
    }
    if (now.status === 'processing') return { status: 'processing', reference: now.gatewayReference! };
    if (now.status === 'failed') {
      return { status: 'failed', reference: now.orderId === now.gatewayReference ? null : now.gatewayReference, code: now.code ?? 'DECLINED',
        message: `PayPal: ${now.code ?? 'payment refused'}`, hard: false };
    }
    return { status: 'open' };
  }

  /**
   * Give back `amount` (minor units of `currency`) of capture `captureId`: all of it or part. The same
   * `idempotencyKey` (PayPal-Request-Id, kept 45 days by PayPal) never refunds twice. `gatewayReference` is the refund's id.
   * @throws RangeError for an amount ≤ 0; PayPalError (e.g. issue REFUND_AMOUNT_EXCEEDED, CAPTURE_FULLY_REFUNDED).
   */
  async refund(captureId: string, amount: number, currency: Currency, idempotencyKey: string, reason?: string): Promise<GatewayPayment> {
    this.checkOrderId(captureId);
    if (!(amount > 0)) throw new RangeError('a refund needs an amount above zero');
    const body = { amount: { currencyCode: currency, value: paypalValue(amount, currency) }, noteToPayer: reason?.slice(0, 255) || undefined };
    const { result } = await paypalCall('refund capture', () => this.payments.refundCapturedPayment({ captureId, paypalRequestId: idempotencyKey,
      prefer: 'return=representation', body }));
    const status: PaymentStatus = result.status === 'COMPLETED' ? 'refunded' : result.status === 'PENDING' ? 'processing' : 'failed';
    return { gatewayReference: result.id ?? null, status, next: { kind: 'none' } };
  }

  /**
   * Check a notification with PayPal (verify-webhook-signature for PAYPAL_WEBHOOK_ID, the body passed as received)
   * and read its id and type. Nothing is stored or applied here.
   * @throws WebhookRefused when headers or body are unreadable or PayPal answers FAILURE; PayPalError when PayPal cannot answer.
   */
  async parseWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): Promise<VerifiedPayPalEvent> {
    const h: Record<string, string> = {};
    for (const [name, rule] of Object.entries(HEADER_RULES)) {
      const v = headers[name];
      if (typeof v !== 'string' || !rule.test(v)) throw new WebhookRefused(`missing or malformed ${name} header`);
      h[name] = v;
    }
    const payload = rawBody.toString('utf8');
    let event: { id?: unknown; event_type?: unknown };
    try {
      event = JSON.parse(payload) as typeof event;
    } catch {
      throw new WebhookRefused('the body is not JSON');
    }
    if (!event || typeof event !== 'object' || Array.isArray(event) || typeof event.id !== 'string' || !/^[\w-]{1,200}$/.test(event.id)
      || typeof event.event_type !== 'string' || !/^[A-Z0-9._-]{1,100}$/.test(event.event_type)) {
      throw new WebhookRefused('the body is not a PayPal event');
    }
    const status = await this.askPayPal(h, payload);
    if (status !== 'SUCCESS') throw new WebhookRefused('PayPal did not confirm the signature');
    return { eventId: event.id, type: event.event_type, payload };
  }

  /**
   * What a stored notification means (paypal.events.ts): a capture or sale completed, denied, refunded, or ignored
   * with a reason code. Asks PayPal nothing. @throws Error for an event acted on without a valid amount or id.
   */
  async interpret(event: { type: string; payload: string }): Promise<PayPalAction[]> {
    const body = JSON.parse(event.payload) as { resource?: unknown };
    return paypalActions(readPayPalEvent({ event_type: event.type, resource: body?.resource }));
  }

  /** PayPal needs no customer object: the partner is named by the portal's account id (no call to PayPal). */
  async createCustomer(req: { accountId: number }): Promise<string> {
    return `account-${req.accountId}`;
  }

  /** PayPal keeps no card for renewals here. @throws Error always. */
  async setupCard(): Promise<string> {
    throw new Error('PayPal keeps no card for renewals: each renewal invoice is paid from its link');
  }

  /** PayPal charges nothing off-session here: a hard decline, so the dunning mails carry the invoice's pay link at once. */
  async chargeOffSession(): Promise<{ status: 'failed'; reference: null; code: string; message: string; hard: true }> {
    return { status: 'failed', reference: null, code: 'paypal_no_off_session', message: 'PayPal renewals are paid from the invoice link', hard: true };
  }

  /** POST /v1/notifications/verify-webhook-signature through the SDK's client (its token, transport and errors). */
  private async askPayPal(h: Record<string, string>, rawEvent: string): Promise<unknown> {
    const fields = {
      auth_algo: h['paypal-auth-algo'], cert_url: h['paypal-cert-url'], transmission_id: h['paypal-transmission-id'],
      transmission_sig: h['paypal-transmission-sig'], transmission_time: h['paypal-transmission-time'], webhook_id: this.config.webhookId,
    };
    // The event goes back byte for byte: PayPal checks the signature over the body it sent, re-serialising could change it.
    const body = `${JSON.stringify(fields).slice(0, -1)},"webhook_event":${rawEvent}}`;
    const rb = this.client.getRequestBuilderFactory()('POST', '/v1/notifications/verify-webhook-signature');
    rb.header('Content-Type', 'application/json');
    rb.text(body);
    rb.authenticate([{ oauth2: true }]);
    const { result } = await paypalCall('verify webhook signature', () => rb.callAsText());
    try {
      return (JSON.parse(result) as { verification_status?: unknown }).verification_status;
    } catch {
      throw toPayPalError('verify webhook signature', { result: { name: 'UNREADABLE_ANSWER' } });
    }
  }

  private read(order: Order): PayPalPayment {
    const unit = order.purchaseUnits?.[0];
    const capture = unit?.payments?.captures?.[0];
    const money = capture?.amount ? minorFromPaypal(capture.amount.value, capture.amount.currencyCode) : null;
    const ids = readCustomId(capture?.customId ?? unit?.customId);
    const base = { orderId: order.id!, orderStatus: order.status ?? null, amount: money?.amount ?? null, currency: money?.currency ?? null, ...ids,
      next: { kind: 'none' } as const };
    if (!capture?.id) {
      return { ...base, gatewayReference: order.id ?? null, status: order.status === 'VOIDED' ? 'failed' : 'pending' };
    }
    const s = capture.status;
    const status: PaymentStatus = s === 'COMPLETED' || s === 'PARTIALLY_REFUNDED' ? 'succeeded' : s === 'REFUNDED' ? 'refunded'
      : s === 'PENDING' ? 'processing' : 'failed';
    const code = status === 'succeeded' ? undefined : capture.statusDetails?.reason ?? s;
    return { ...base, gatewayReference: capture.id, status, ...(code ? { code } : {}) };
  }

  private checkOrderId(id: string): void {
    if (!ORDER_ID.test(id)) throw new RangeError('not a PayPal id');
  }
}
