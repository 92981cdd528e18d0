/**
 * How the billing logic talks to a payment gateway. Billing decides what is
 * owed and records what is paid; a gateway only moves money and reports it.
 * `manual` (staff record a bank transfer, mobile money, cash, cheque) is the
 * first implementation; card and PayPal gateways implement OnlineGateway:
 * their webhooks are verified by `parseWebhook`, stored (src/payments,
 * inbound_events), then read by `interpret` into gateway-neutral actions that
 * PaymentsService applies (settleFromGateway, failFromGateway, refundFromGateway).
 * Amounts are integer minor units with their currency.
 */
import type { Currency } from './money.js';

export type GatewayName = 'manual' | 'stripe' | 'paypal';
export type PaymentMethod = 'bank_transfer' | 'mobile_money' | 'cash' | 'cheque' | 'card' | 'paypal';
export type PaymentStatus = 'pending' | 'processing' | 'succeeded' | 'failed' | 'refunded';

export interface CreatePaymentRequest {
  invoiceNumber: string;
  amount: number;
  currency: Currency;
  /** The same key gives the same payment at the gateway (retries, double submits). */
  idempotencyKey: string;
  /** Where an online gateway sends the payer back. */
  returnUrl?: string;
  /** Online gateways: where the payer lands after giving up. */
  cancelUrl?: string;
  /** Online gateways: our ids, carried in the gateway's metadata and read back from its notifications. */
  invoiceId?: number;
  paymentId?: number;
  /** What the payer sees on the hosted page (the invoice's lines). */
  description?: string;
  /** The gateway's customer paying, and whether to keep the card for off-session renewals (an invoice of a subscription). */
  customerRef?: string;
  keepCard?: boolean;
  locale?: 'fr' | 'en';
}

/** What the gateway answered: its own reference, the status, and what the payer must do next (instructions or a redirect). */
export interface GatewayPayment {
  gatewayReference: string | null;
  status: PaymentStatus;
  next: { kind: 'instructions'; text: string | undefined; reference: string } | { kind: 'redirect'; url: string } | { kind: 'none' };
}

/** A notification whose signature verified: the gateway's event id and type, and the body as received (JSON text). */
export interface VerifiedEvent {
  eventId: string;
  type: string;
  payload: string;
}

/**
 * What a verified notification means for billing, in the gateway's neutral terms (online gateways' `interpret`).
 * Amounts are minor units of `currency`; references are the gateway's ids (a Stripe PaymentIntent, a PayPal capture).
 */
export type GatewayAction =
  | { kind: 'payment_succeeded'; reference: string; invoiceId: number | null; paymentId: number | null; amount: number; currency: Currency;
    method: PaymentMethod; checkoutSession?: string; card?: SavedCard }
  | { kind: 'payment_failed'; reference: string; invoiceId: number | null; paymentId: number | null; code: string; message: string }
  | { kind: 'refunded'; reference: string; refunds: GatewayRefund[] }
  | { kind: 'disputed'; reference: string; disputeId: string; amount: number; currency: Currency; reason: string }
  | { kind: 'card_saved'; card: SavedCard }
  | { kind: 'ignored'; reason: string };

/** A payment method kept at the gateway for off-session renewals. */
export interface SavedCard {
  customerRef: string;
  paymentMethodRef: string;
  /** What the partner sees, e.g. `visa •••• 4242` (never the number). */
  label: string | null;
}

/** One refund as the gateway knows it. */
export interface GatewayRefund {
  refundId: string;
  amount: number;
  currency: Currency;
  /** The reason given when it was asked for (our metadata), '' when started from the gateway's dashboard. */
  reason: string;
  status: 'succeeded' | 'pending' | 'failed';
}

/** The outcome of an off-session charge. `hard`: a decline that retrying cannot cure (expired card, wrong number, do not honor). */
export type ChargeOutcome =
  | { status: 'succeeded'; reference: string; amount: number; currency: Currency }
  | { status: 'processing'; reference: string }
  | { status: 'failed'; reference: string | null; code: string; message: string; hard: boolean };

export interface Gateway {
  readonly name: GatewayName;
  /** Start a payment of an invoice. */
  createPayment(req: CreatePaymentRequest): Promise<GatewayPayment>;
  /** Capture an authorised payment (card gateways); the manual gateway has nothing to capture. */
  capture(gatewayReference: string, amount: number, currency: Currency): Promise<GatewayPayment>;
  /** Give back `amount` of a succeeded payment. */
  refund(gatewayReference: string, amount: number, currency: Currency, idempotencyKey: string, reason?: string): Promise<GatewayPayment>;
  /**
   * Check a webhook's signature over its raw body and read its id and type.
   * @throws WebhookRefused when the signature, its age or the body does not verify (the route answers 400 and records nothing).
   */
  parseWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): Promise<VerifiedEvent>;
}

/** What an online gateway (Stripe, PayPal) adds: customers, hosted checkout of an invoice, off-session charges, notifications read. */
export interface OnlineGateway extends Gateway {
  /**
   * Whether the payer's return from the hosted page completes the payment (PayPal: the approved order is captured
   * then); false when the gateway's notification alone pays (Stripe: the return only shows status).
   */
  readonly completesOnReturn: boolean;
  /** Whether the gateway takes payments in `currency` (the pay page offers it only then). */
  accepts(currency: Currency): boolean;
  /** The gateway's customer for a partner, created with `idempotencyKey` (the same key never creates two). */
  createCustomer(req: { accountId: number; email: string; name: string; idempotencyKey: string }): Promise<string>;
  /** A hosted page where the partner saves a new card for renewals (no charge). Returns its URL. */
  setupCard(req: { customerRef: string; accountId: number; currency: Currency; successUrl: string; cancelUrl: string; locale: 'fr' | 'en';
    idempotencyKey: string }): Promise<string>;
  /** Charge a saved card without the partner (a renewal). Declines are outcomes, not errors; @throws Error when the gateway cannot be reached. */
  chargeOffSession(req: { card: SavedCard; invoiceId: number; paymentId: number; amount: number; currency: Currency; description: string;
    idempotencyKey: string }): Promise<ChargeOutcome>;
  /**
   * Where a payment stands at the gateway (the reconciliation of payments whose notification never came): by its
   * reference, else by its hosted page. `open`: still waiting for the payer or the bank.
   * @throws Error when the gateway cannot be reached.
   */
  lookup(p: { reference: string | null; checkoutSession: string | null }): Promise<ChargeOutcome | { status: 'open' }>;
  /** What a stored notification means (may ask the gateway for details it does not carry). @throws Error when the gateway cannot be reached. */
  interpret(event: { type: string; payload: string }): Promise<GatewayAction[]>;
}

/**
 * Declines that retrying the same card cannot cure (card networks' "do not try again" family): no retry is
 * scheduled after one; anything else (insufficient funds, processing error, authentication required…) is soft.
 */
const HARD_DECLINES = new Set(['do_not_honor', 'expired_card', 'incorrect_number', 'invalid_number', 'lost_card', 'stolen_card', 'pickup_card',
  'restricted_card', 'invalid_account', 'card_not_supported', 'fraudulent', 'new_account_information_available', 'revocation_of_authorization']);

/** Whether a decline code (the card network's, else the gateway's error code) is hard (HARD_DECLINES). */
export function isHardDecline(code: string | null | undefined): boolean {
  return Boolean(code && HARD_DECLINES.has(code));
}

/** A webhook refused before anything is stored: bad or missing signature, stale timestamp, unreadable body. */
export class WebhookRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookRefused';
  }
}

/**
 * The manual gateway: the payer follows BILLING_PAYMENT_INSTRUCTIONS with the invoice number as the
 * transfer reference; staff record the money when it arrives (PaymentsService.recordManual).
 */
export class ManualGateway implements Gateway {
  readonly name = 'manual' as const;

  constructor(private readonly instructions: string | undefined) {}

  async createPayment(req: CreatePaymentRequest): Promise<GatewayPayment> {
    return { gatewayReference: null, status: 'pending', next: { kind: 'instructions', text: this.instructions, reference: req.invoiceNumber } };
  }

  async capture(): Promise<GatewayPayment> {
    return { gatewayReference: null, status: 'pending', next: { kind: 'none' } };
  }

  /** A manual refund is made by staff outside the portal (a transfer back) and recorded with a credit note. */
  async refund(gatewayReference: string): Promise<GatewayPayment> {
    return { gatewayReference, status: 'refunded', next: { kind: 'none' } };
  }

  /** The manual gateway sends no webhooks. @throws WebhookRefused always. */
  async parseWebhook(): Promise<VerifiedEvent> {
    throw new WebhookRefused('the manual gateway has no webhooks');
  }
}
