/**
 * How the billing logic talks to a payment gateway. Billing decides what is
 * owed and records what is paid; a gateway only moves money and reports it.
 * `manual` (staff record a bank transfer, mobile money, cash, cheque) is the
 * first implementation; card and PayPal gateways implement the same shapes
 * and their webhooks reach PaymentsService through `parseWebhook`.
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
}

/** What the gateway answered: its own reference, the status, and what the payer must do next (instructions or a redirect). */
export interface GatewayPayment {
  gatewayReference: string | null;
  status: PaymentStatus;
  next: { kind: 'instructions'; text: string | undefined; reference: string } | { kind: 'redirect'; url: string } | { kind: 'none' };
}

/** A verified webhook's meaning; `null` from parseWebhook for an event billing ignores. */
export interface GatewayEvent {
  eventId: string;
  gatewayReference: string;
  status: PaymentStatus;
  amount: number;
  currency: Currency;
  errorCode?: string;
  errorMessage?: string;
}

export interface Gateway {
  readonly name: GatewayName;
  /** Start a payment of an invoice. */
  createPayment(req: CreatePaymentRequest): Promise<GatewayPayment>;
  /** Capture an authorised payment (card gateways); the manual gateway has nothing to capture. */
  capture(gatewayReference: string, amount: number, currency: Currency): Promise<GatewayPayment>;
  /** Give back `amount` of a succeeded payment. */
  refund(gatewayReference: string, amount: number, currency: Currency, idempotencyKey: string): Promise<GatewayPayment>;
  /**
   * Check a webhook's signature over its raw body and read it.
   * @throws Error when the signature does not verify (the route answers 400 and records nothing).
   */
  parseWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): Promise<GatewayEvent | null>;
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

  /** The manual gateway sends no webhooks. @throws Error always. */
  async parseWebhook(): Promise<GatewayEvent | null> {
    throw new Error('the manual gateway has no webhooks');
  }
}
