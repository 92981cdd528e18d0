/** The `payments` table (written only through PaymentsService). Amounts in minor units. */
import type { Db } from '../platform/db.js';
import { insertedId } from '../platform/db.js';
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
}

export type NewPayment = Omit<Payment, 'id' | 'succeededAt'> & { actorId: number | null };

function toPayment(r: Record<string, unknown>): Payment {
  return {
    id: Number(r.id), invoiceId: Number(r.invoice_id), accountId: Number(r.account_id), status: r.status as PaymentStatus,
    gateway: r.gateway as GatewayName, gatewayReference: (r.gateway_reference as string | null) ?? null, method: r.method as PaymentMethod,
    amount: Number(r.amount), currency: r.currency as Currency, receivedOn: (r.received_on as string | null) ?? null,
    succeededAt: toDateOrNull(r.succeeded_at), idempotencyKey: String(r.idempotency_key),
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

  async ofInvoice(invoiceId: number): Promise<Payment[]> {
    return ((await this.db('payments').where({ invoice_id: invoiceId }).orderBy('id')) as Record<string, unknown>[]).map(toPayment);
  }

  /** Insert a payment that succeeded at `now`; returns it. */
  async insertSucceeded(p: NewPayment, now: Date): Promise<Payment> {
    const id = insertedId(await this.db('payments').insert({
      invoice_id: p.invoiceId, account_id: p.accountId, status: p.status, gateway: p.gateway, gateway_reference: p.gatewayReference, method: p.method,
      amount: p.amount, currency: p.currency, received_on: p.receivedOn, attempted_at: now.toISOString(), succeeded_at: now.toISOString(),
      idempotency_key: p.idempotencyKey, actor_id: p.actorId, created_at: now.toISOString(),
    }).returning('id'));
    return { ...p, id, succeededAt: now };
  }
}
