/**
 * The `payments` and `payment_refunds` tables (written only through PaymentsService). Amounts in minor units.
 * A gateway payment goes pending (its hosted page open) or processing (an off-session charge sent) →
 * succeeded | failed; `refunded` once all of it was given back.
 */
import type { Db } from '../platform/db.js';
import { insertedId, isSqlite } from '../platform/db.js';
import { toDateOrNull } from '../platform/time.js';
import type { GatewayName, PaymentMethod, PaymentStatus } from './gateway.js';
import type { Currency } from './money.js';

export interface Payment {
  id: number;
  invoiceId: number;
  accountId: number;
  status: PaymentStatus;
  gateway: GatewayName;
  gatewayReference: string | null;
  method: PaymentMethod;
  amount: number;
  currency: Currency;
  receivedOn: string | null;
  succeededAt: Date | null;
  idempotencyKey: string;
  /** The n of the gateway idempotency key `payment-<id>-attempt-<n>` (0: never sent to a gateway). */
  attempts: number;
  /** The gateway's decline or error code of a failed payment. */
  errorCode: string | null;
  errorMessage: string | null;
  refundedAmount: number;
  checkoutSession: string | null;
  createdAt: Date | null;
}

export type NewPayment = Omit<Payment, 'id' | 'succeededAt' | 'attempts' | 'errorCode' | 'errorMessage' | 'refundedAmount' | 'checkoutSession' | 'createdAt'>
  & { actorId: number | null; attempts?: number };

/** A refund recorded on a payment (one per gateway refund id). */
export interface PaymentRefund {
  id: number;
  paymentId: number;
  gateway: GatewayName;
  gatewayRefundId: string;
  amount: number;
  currency: Currency;
  reason: string;
  creditNoteId: number | null;
  createdAt: Date | null;
}

function toPayment(r: Record<string, unknown>): Payment {
  return {
    id: Number(r.id), invoiceId: Number(r.invoice_id), accountId: Number(r.account_id), status: r.status as PaymentStatus,
    gateway: r.gateway as GatewayName, gatewayReference: (r.gateway_reference as string | null) ?? null, method: r.method as PaymentMethod,
    amount: Number(r.amount), currency: r.currency as Currency, receivedOn: (r.received_on as string | null) ?? null,
    succeededAt: toDateOrNull(r.succeeded_at), idempotencyKey: String(r.idempotency_key), attempts: Number(r.attempts ?? 0),
    errorCode: (r.error_code as string | null) ?? null, errorMessage: (r.error_message as string | null) ?? null,
    refundedAmount: Number(r.refunded_amount ?? 0), checkoutSession: (r.checkout_session as string | null) ?? null, createdAt: toDateOrNull(r.created_at),
  };
}

function toRefund(r: Record<string, unknown>): PaymentRefund {
  return {
    id: Number(r.id), paymentId: Number(r.payment_id), gateway: r.gateway as GatewayName, gatewayRefundId: String(r.gateway_refund_id),
    amount: Number(r.amount), currency: r.currency as Currency, reason: String(r.reason ?? ''),
    creditNoteId: r.credit_note_id === null || r.credit_note_id === undefined ? null : Number(r.credit_note_id), createdAt: toDateOrNull(r.created_at),
  };
}

export class PaymentsRepository {
  constructor(private readonly db: Db) {}

  with(trx: Db): PaymentsRepository {
    return new PaymentsRepository(trx);
  }

  async byKey(idempotencyKey: string): Promise<Payment | null> {
    const row = (await this.db('payments').where({ idempotency_key: idempotencyKey }).first()) as Record<string, unknown> | undefined;
    return row ? toPayment(row) : null;
  }

  /** One payment; `lock`: its row locked for the transaction (PostgreSQL). */
  async byId(id: number, lock = false): Promise<Payment | null> {
    const q = this.db('payments').where({ id }).first();
    if (lock && !isSqlite(this.db)) q.forUpdate();
    const row = (await q) as Record<string, unknown> | undefined;
    return row ? toPayment(row) : null;
  }

  async byGatewayReference(gateway: GatewayName, reference: string): Promise<Payment | null> {
    const row = (await this.db('payments').where({ gateway, gateway_reference: reference }).first()) as Record<string, unknown> | undefined;
    return row ? toPayment(row) : null;
  }

  /**
   * Gateway payments still waiting since before `before` (their attempt's time): `processing` ones, and `pending`
   * ones whose hosted page was opened. Oldest first, at most `limit`.
   */
  async waitingSince(before: Date, limit: number): Promise<Payment[]> {
    const rows = (await this.db('payments').whereNot({ gateway: 'manual' }).where('attempted_at', '<=', before.toISOString())
      .andWhere((w) => w.where({ status: 'processing' }).orWhere((p) => p.where({ status: 'pending' }).whereNotNull('checkout_session')))
      .orderBy('id').limit(limit)) as Record<string, unknown>[];
    return rows.map(toPayment);
  }

  async ofInvoice(invoiceId: number): Promise<Payment[]> {
    return ((await this.db('payments').where({ invoice_id: invoiceId }).orderBy('id')) as Record<string, unknown>[]).map(toPayment);
  }

  /** Insert a payment that succeeded at `now`; returns it. */
  async insertSucceeded(p: NewPayment, now: Date): Promise<Payment> {
    return this.insert({ ...p, status: 'succeeded' }, now, now);
  }

  /** Insert a payment in `p.status` (succeeded_at set when it is `succeeded`); returns it. */
  async insert(p: NewPayment, now: Date, succeededAt: Date | null = null): Promise<Payment> {
    const id = insertedId(await this.db('payments').insert({
      invoice_id: p.invoiceId, account_id: p.accountId, status: p.status, gateway: p.gateway, gateway_reference: p.gatewayReference, method: p.method,
      amount: p.amount, currency: p.currency, received_on: p.receivedOn, attempted_at: now.toISOString(), succeeded_at: succeededAt?.toISOString() ?? null,
      idempotency_key: p.idempotencyKey, actor_id: p.actorId, created_at: now.toISOString(), attempts: p.attempts ?? 0,
    }).returning('id'));
    return (await this.byId(id))!;
  }

  /** A gateway payment succeeded: its reference, the amount received, the day. */
  async markSucceeded(id: number, reference: string, amount: number, receivedOn: string, now: Date): Promise<void> {
    await this.db('payments').where({ id }).update({ status: 'succeeded', gateway_reference: reference, amount, received_on: receivedOn,
      succeeded_at: now.toISOString(), error_code: null, error_message: null });
  }

  /** A gateway payment failed (a decline): its code and message; the reference when the gateway gave one. */
  async markFailed(id: number, reference: string | null, code: string, message: string, now: Date): Promise<void> {
    await this.db('payments').where({ id }).update({ status: 'failed', ...(reference ? { gateway_reference: reference } : {}),
      error_code: code.slice(0, 64), error_message: message.slice(0, 500), failed_at: now.toISOString() });
  }

  /** A new attempt at a gateway payment of `amount`: pending again, no reference yet, the attempt counter raised. */
  async nextAttempt(id: number, status: 'pending' | 'processing', amount: number, now: Date): Promise<void> {
    await this.db('payments').where({ id }).update({ status, amount, gateway_reference: null, checkout_session: null, attempted_at: now.toISOString(),
      error_code: null, error_message: null, attempts: this.db.raw('?? + 1', ['attempts']) });
  }

  async setCheckoutSession(id: number, session: string): Promise<void> {
    await this.db('payments').where({ id }).update({ checkout_session: session });
  }

  async refundByGatewayId(gateway: GatewayName, refundId: string): Promise<PaymentRefund | null> {
    const row = (await this.db('payment_refunds').where({ gateway, gateway_refund_id: refundId }).first()) as Record<string, unknown> | undefined;
    return row ? toRefund(row) : null;
  }

  async refundsOf(paymentId: number): Promise<PaymentRefund[]> {
    return ((await this.db('payment_refunds').where({ payment_id: paymentId }).orderBy('id')) as Record<string, unknown>[]).map(toRefund);
  }

  /** Record refund `r` of payment `p` and raise the payment's refunded amount (refunded in full: status `refunded`). */
  async insertRefund(p: Payment, r: Omit<PaymentRefund, 'id' | 'createdAt' | 'paymentId'>, actorId: number | null, now: Date): Promise<PaymentRefund> {
    const id = insertedId(await this.db('payment_refunds').insert({
      payment_id: p.id, gateway: r.gateway, gateway_refund_id: r.gatewayRefundId, amount: r.amount, currency: r.currency, reason: r.reason.slice(0, 500),
      credit_note_id: r.creditNoteId, actor_id: actorId, created_at: now.toISOString(),
    }).returning('id'));
    const refunded = p.refundedAmount + r.amount;
    await this.db('payments').where({ id: p.id }).update({ refunded_amount: refunded, ...(refunded >= p.amount ? { status: 'refunded' } : {}) });
    return { ...r, id, paymentId: p.id, createdAt: now };
  }
}
