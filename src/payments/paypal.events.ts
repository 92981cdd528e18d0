/**
 * PayPal's amounts and notifications in the portal's terms. Pure: no I/O, no clock.
 *
 * Amounts: PayPal writes a decimal string in the currency's unit ("12.50" EUR,
 * "1500" for a currency without decimals); the portal keeps integer minor units
 * (money.ts). PayPal accepts none of the CFA francs (XOF, XAF): among the
 * portal's currencies it takes EUR, USD, GBP and CHF (developer.paypal.com,
 * reference/currency-codes).
 *
 * Notifications (developer.paypal.com, api/rest/webhooks/event-names): Orders v2
 * payments send PAYMENT.CAPTURE.*, whose resource is a capture (or, for
 * REFUNDED, a refund whose `up` link names the capture); the older Payments v1
 * and PayPal subscriptions send PAYMENT.SALE.* and BILLING.SUBSCRIPTION.*.
 * The portal is the billing system: PayPal only moves money, so subscription
 * events and states that settle nothing are read as `ignored` with a reason
 * code: `paypal_subscription` (BILLING.SUBSCRIPTION.*), `not_completed_yet`
 * (PENDING), `reversal` (REVERSED: a chargeback or bank reversal, handled by
 * staff in PayPal's resolution center), `not_ours` (names no invoice of the
 * portal), `unhandled_type` (anything else).
 */
import { CURRENCY_EXPONENTS, isCurrency, toDecimalString, type Currency } from '../billing/index.js';

/** The portal's currencies PayPal accepts. */
export const PAYPAL_CURRENCIES: readonly Currency[] = ['EUR', 'USD', 'GBP', 'CHF'];

/** Whether PayPal takes payments in `currency`. */
export function paypalAccepts(currency: Currency): boolean {
  return PAYPAL_CURRENCIES.includes(currency);
}

/**
 * `minor` units of `currency` as PayPal's amount value: "12.50" for 1250 EUR, "1500" for 1500 XOF.
 * @throws RangeError for a negative, fractional or unsafe amount (nothing is sent).
 */
export function paypalValue(minor: number, currency: Currency): string {
  if (!Number.isSafeInteger(minor) || minor < 0) throw new RangeError(`not an amount in minor units: ${minor}`);
  return toDecimalString(minor, currency);
}

/**
 * PayPal's `{value, currency_code}` (or Payments v1 `{total, currency}`) in minor units; the sign is dropped
 * (v1 refunds are written negative). Null when the currency is not one of the portal's or the value has more
 * decimals than the currency.
 */
export function minorFromPaypal(value: unknown, currencyCode: unknown): { amount: number; currency: Currency } | null {
  if (typeof value !== 'string' || !isCurrency(currencyCode)) return null;
  const m = /^-?(\d{1,16})(?:\.(\d{1,8}))?$/.exec(value.trim());
  if (!m) return null;
  const exponent = CURRENCY_EXPONENTS[currencyCode];
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (fraction.length > exponent) return null;
  const amount = Number(m[1]) * 10 ** exponent + Number(fraction.padEnd(exponent, '0') || '0');
  return Number.isSafeInteger(amount) ? { amount, currency: currencyCode } : null;
}

/** Our ids in an order's `custom_id` (PayPal gives it back on the capture): `invoice=<id>;payment=<id>`. */
export function customIdFor(invoiceId: number | undefined, paymentId: number | undefined): string | undefined {
  if (invoiceId === undefined) return undefined;
  return paymentId === undefined ? `invoice=${invoiceId}` : `invoice=${invoiceId};payment=${paymentId}`;
}

/** The ids written by {@link customIdFor}; nulls for anything else (an order made outside the portal). */
export function readCustomId(custom: unknown): { invoiceId: number | null; paymentId: number | null } {
  const m = typeof custom === 'string' ? /^invoice=(\d{1,15})(?:;payment=(\d{1,15}))?$/.exec(custom) : null;
  return { invoiceId: m ? Number(m[1]) : null, paymentId: m?.[2] ? Number(m[2]) : null };
}

/** Who a PayPal payment belongs to, as far as the notification says. */
export interface PayPalOwner {
  /** The order (Orders v2) or payment (v1) the capture or sale belongs to. */
  orderId: string | null;
  /** Our invoice number, sent as the order's invoice_id. */
  invoiceNumber: string | null;
  invoiceId: number | null;
  paymentId: number | null;
}

/**
 * What a notification means. `reference` is always the money's id at PayPal: the capture (v2) or the sale (v1),
 * the id refunds are made against. Amounts are minor units of `currency`.
 */
export type PayPalMeaning =
  | ({ kind: 'succeeded'; reference: string; amount: number; currency: Currency } & PayPalOwner)
  | ({ kind: 'failed'; reference: string; amount: number; currency: Currency; code: string; message: string } & PayPalOwner)
  | { kind: 'refunded'; reference: string; refundId: string; amount: number; currency: Currency; reason: string;
    status: 'succeeded' | 'pending' | 'failed' }
  | { kind: 'ignored'; reason: string };

/**
 * A meaning as the gateway-neutral actions online payments apply (the shapes of billing's GatewayAction: a payment
 * settled or failed by our ids, refunds of a payment, or nothing with a reason); `method` is always `paypal`.
 */
export type PayPalAction =
  | { kind: 'payment_succeeded'; reference: string; invoiceId: number | null; paymentId: number | null; amount: number; currency: Currency;
    method: 'paypal' }
  | { kind: 'payment_failed'; reference: string; invoiceId: number | null; paymentId: number | null; code: string; message: string }
  | { kind: 'refunded'; reference: string; refunds: { refundId: string; amount: number; currency: Currency; reason: string;
    status: 'succeeded' | 'pending' | 'failed' }[] }
  | { kind: 'ignored'; reason: string };

/** {@link readPayPalEvent}'s meaning as actions (one per notification: PayPal sends one event per capture or refund). */
export function paypalActions(m: PayPalMeaning): PayPalAction[] {
  switch (m.kind) {
    case 'succeeded': return [{ kind: 'payment_succeeded', reference: m.reference, invoiceId: m.invoiceId, paymentId: m.paymentId, amount: m.amount,
      currency: m.currency, method: 'paypal' }];
    case 'failed': return [{ kind: 'payment_failed', reference: m.reference, invoiceId: m.invoiceId, paymentId: m.paymentId, code: m.code.slice(0, 64),
      message: m.message }];
    case 'refunded': return [{ kind: 'refunded', reference: m.reference, refunds: [{ refundId: m.refundId, amount: m.amount, currency: m.currency,
      reason: m.reason, status: m.status }] }];
    default: return [{ kind: 'ignored', reason: m.reason }];
  }
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 && v.length <= 200 ? v : null);

const IGNORED: Record<string, string> = {
  'PAYMENT.CAPTURE.PENDING': 'not_completed_yet', 'PAYMENT.SALE.PENDING': 'not_completed_yet',
  'PAYMENT.CAPTURE.REVERSED': 'reversal', 'PAYMENT.SALE.REVERSED': 'reversal',
};

/**
 * Read a verified notification (`event_type` and `resource` of PayPal's event body).
 * @throws Error when an event the portal acts on lacks its id or a valid amount (the event is kept as failed).
 */
export function readPayPalEvent(event: { event_type?: unknown; resource?: unknown }): PayPalMeaning {
  const type = typeof event.event_type === 'string' ? event.event_type : '';
  const r = obj(event.resource);
  if (type.startsWith('BILLING.SUBSCRIPTION.')) return { kind: 'ignored', reason: 'paypal_subscription' };
  if (IGNORED[type]) return { kind: 'ignored', reason: IGNORED[type] };
  switch (type) {
    case 'PAYMENT.CAPTURE.COMPLETED': return captureDone(type, r);
    case 'PAYMENT.CAPTURE.DENIED':
    case 'PAYMENT.CAPTURE.DECLINED': return captureFailed(type, r);
    case 'PAYMENT.CAPTURE.REFUNDED': return refunded(type, r, upLinkId(r, 'captures'), r.amount, 'value', 'currency_code', r.status, r.note_to_payer);
    case 'PAYMENT.SALE.COMPLETED': return saleDone(type, r);
    case 'PAYMENT.SALE.DENIED': return saleFailed(type, r);
    case 'PAYMENT.SALE.REFUNDED': return refunded(type, r, str(r.sale_id), r.amount, 'total', 'currency', r.state, r.reason);
    default: return { kind: 'ignored', reason: 'unhandled_type' };
  }
}

function captureOwner(r: Json): PayPalOwner {
  const ids = readCustomId(r.custom_id);
  return { orderId: str(obj(obj(r.supplementary_data).related_ids).order_id) ?? upLinkId(r, 'orders'), invoiceNumber: str(r.invoice_id), ...ids };
}

function saleOwner(r: Json): PayPalOwner {
  const ids = readCustomId(r.custom);
  return { orderId: str(r.parent_payment), invoiceNumber: str(r.invoice_number), ...ids };
}

const namesNoInvoice = (o: PayPalOwner) => o.invoiceId === null && o.invoiceNumber === null;

function captureDone(type: string, r: Json): PayPalMeaning {
  const owner = captureOwner(r);
  if (namesNoInvoice(owner)) return { kind: 'ignored', reason: 'not_ours' };
  return { kind: 'succeeded', reference: need(type, str(r.id), 'id'), ...need(type, amountOf(r.amount, 'value', 'currency_code'), 'amount'), ...owner };
}

function captureFailed(type: string, r: Json): PayPalMeaning {
  const owner = captureOwner(r);
  if (namesNoInvoice(owner)) return { kind: 'ignored', reason: 'not_ours' };
  const why = str(obj(r.status_details).reason);
  return { kind: 'failed', reference: need(type, str(r.id), 'id'), ...need(type, amountOf(r.amount, 'value', 'currency_code'), 'amount'),
    code: why ?? str(r.status) ?? 'DENIED', message: `PayPal: ${type}`, ...owner };
}

function saleDone(type: string, r: Json): PayPalMeaning {
  const owner = saleOwner(r);
  // A sale of a PayPal subscription (billing agreement) made outside the portal's invoices.
  if (namesNoInvoice(owner)) return { kind: 'ignored', reason: str(r.billing_agreement_id) ? 'paypal_subscription' : 'not_ours' };
  return { kind: 'succeeded', reference: need(type, str(r.id), 'id'), ...need(type, amountOf(r.amount, 'total', 'currency'), 'amount'), ...owner };
}

function saleFailed(type: string, r: Json): PayPalMeaning {
  const owner = saleOwner(r);
  if (namesNoInvoice(owner)) return { kind: 'ignored', reason: 'not_ours' };
  return { kind: 'failed', reference: need(type, str(r.id), 'id'), ...need(type, amountOf(r.amount, 'total', 'currency'), 'amount'),
    code: str(r.reason_code) ?? 'DENIED', message: `PayPal: ${type}`, ...owner };
}

function refunded(type: string, r: Json, captureId: string | null, amount: unknown, valueKey: string, currencyKey: string, status: unknown,
  reason: unknown): PayPalMeaning {
  const s = typeof status === 'string' ? status.toUpperCase() : 'COMPLETED';
  return {
    kind: 'refunded', reference: need(type, captureId, 'the refunded capture or sale'), refundId: need(type, str(r.id), 'id'),
    ...need(type, amountOf(amount, valueKey, currencyKey), 'amount'), reason: typeof reason === 'string' ? reason.slice(0, 500) : '',
    status: s === 'COMPLETED' ? 'succeeded' : s === 'PENDING' ? 'pending' : 'failed',
  };
}

function amountOf(amount: unknown, valueKey: string, currencyKey: string) {
  const a = obj(amount);
  const m = minorFromPaypal(a[valueKey], a[currencyKey]);
  return m && m.amount > 0 ? m : null;
}

/** The id at the end of the resource's `up` link when it points at `/<kind>/<id>` (a refund's capture, a capture's order). */
function upLinkId(r: Json, kind: 'captures' | 'orders'): string | null {
  const links = Array.isArray(r.links) ? r.links.map(obj) : [];
  for (const l of links) {
    const m = l.rel === 'up' && typeof l.href === 'string' ? new RegExp(`/${kind}/([A-Za-z0-9-]{1,100})$`).exec(l.href) : null;
    if (m) return m[1]!;
  }
  return null;
}

function need<T>(type: string, v: T | null, what: string): T {
  if (v === null) throw new Error(`${type} without a valid ${what}`);
  return v;
}
