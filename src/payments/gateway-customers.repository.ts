/** The `gateway_customers` table (written only through OnlinePaymentsService): a partner at a gateway, and the card kept for renewals. */
import type { GatewayName, SavedCard } from '../billing/index.js';
import { isUniqueViolation, type Db } from '../platform/db.js';

export interface GatewayCustomer {
  accountId: number;
  gateway: GatewayName;
  customerRef: string;
  card: SavedCard | null;
}

function toCustomer(r: Record<string, unknown>): GatewayCustomer {
  const customerRef = String(r.customer_ref);
  const pm = (r.payment_method_ref as string | null) ?? null;
  return { accountId: Number(r.account_id), gateway: r.gateway as GatewayName, customerRef,
    card: pm ? { customerRef, paymentMethodRef: pm, label: (r.payment_method_label as string | null) ?? null } : null };
}

export class GatewayCustomersRepository {
  constructor(private readonly db: Db) {}

  with(trx: Db): GatewayCustomersRepository {
    return new GatewayCustomersRepository(trx);
  }

  async ofAccount(accountId: number, gateway: GatewayName): Promise<GatewayCustomer | null> {
    const row = (await this.db('gateway_customers').where({ account_id: accountId, gateway }).first()) as Record<string, unknown> | undefined;
    return row ? toCustomer(row) : null;
  }

  async byCustomer(gateway: GatewayName, customerRef: string): Promise<GatewayCustomer | null> {
    const row = (await this.db('gateway_customers').where({ gateway, customer_ref: customerRef }).first()) as Record<string, unknown> | undefined;
    return row ? toCustomer(row) : null;
  }

  /** Remember `customerRef` for the account; false when the account has one at this gateway already. */
  async insert(accountId: number, gateway: GatewayName, customerRef: string, now: Date): Promise<boolean> {
    try {
      await this.db('gateway_customers').insert({ account_id: accountId, gateway, customer_ref: customerRef, created_at: now.toISOString(),
        updated_at: now.toISOString() });
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async setCard(gateway: GatewayName, card: SavedCard, now: Date): Promise<number> {
    return Number(await this.db('gateway_customers').where({ gateway, customer_ref: card.customerRef })
      .update({ payment_method_ref: card.paymentMethodRef, payment_method_label: card.label?.slice(0, 100) ?? null, updated_at: now.toISOString() }));
  }
}
