/**
 * The `pack_purchases` table (written only through PacksService), and the
 * reads a purchase needs: the unit packs on offer (plans read through the
 * plans mapper) and the buyer's language.
 */
import { insertedId, isSqlite, type Db } from '../platform/db.js';
import { toDate, toDateOrNull } from '../platform/time.js';
import type { InvoiceStatus } from './invoices.repository.js';
import type { Currency } from './money.js';
import { toPlan, type Plan } from './plans.repository.js';

export interface PackPurchase {
  id: number;
  accountId: number;
  planId: number;
  invoiceId: number;
  /** Units the pack gives, copied from the plan when bought. */
  units: number;
  idempotencyKey: string;
  /** When the units reached the partner's ledger (the invoice paid); null until then. */
  creditedAt: Date | null;
  createdAt: Date;
}

/** A purchase as the partner's page lists it: with its pack's names and its invoice's number, amounts and status. */
export interface PackPurchaseRow extends PackPurchase {
  nameFr: string;
  nameEn: string;
  number: string | null;
  status: InvoiceStatus;
  currency: Currency;
  amountDue: number;
  amountPaid: number;
  dueDate: string | null;
}

type Row = Record<string, unknown>;

function toPurchase(r: Row): PackPurchase {
  return {
    id: Number(r.id), accountId: Number(r.account_id), planId: Number(r.plan_id), invoiceId: Number(r.invoice_id), units: Number(r.units),
    idempotencyKey: String(r.idempotency_key), creditedAt: toDateOrNull(r.credited_at), createdAt: toDate(r.created_at),
  };
}

export class PacksRepository {
  constructor(private readonly db: Db) {}

  with(trx: Db): PacksRepository {
    return new PacksRepository(trx);
  }

  /** Active public plans of type custom and cycle one-time, in display order. */
  async offered(): Promise<Plan[]> {
    const rows = (await this.db('plans').where({ is_active: true, is_public: true, type: 'custom', billing_cycle: 'one-time' })
      .orderBy([{ column: 'display_order' }, { column: 'id' }])) as Row[];
    return rows.map(toPlan);
  }

  async plan(id: number): Promise<Plan | null> {
    const row = (await this.db('plans').where({ id }).first()) as Row | undefined;
    return row ? toPlan(row) : null;
  }

  /** The account's language for its documents. */
  async locale(accountId: number): Promise<'fr' | 'en'> {
    const row = (await this.db('accounts').where({ id: accountId }).first('locale')) as { locale?: unknown } | undefined;
    return row?.locale === 'en' ? 'en' : 'fr';
  }

  async byKey(key: string): Promise<PackPurchase | null> {
    const row = (await this.db('pack_purchases').where({ idempotency_key: key }).first()) as Row | undefined;
    return row ? toPurchase(row) : null;
  }

  /** The purchase billed by invoice `invoiceId`; `lock` holds its row for the transaction on PostgreSQL. */
  async byInvoice(invoiceId: number, lock = false): Promise<PackPurchase | null> {
    const q = this.db('pack_purchases').where({ invoice_id: invoiceId }).first();
    if (lock && !isSqlite(this.db)) q.forUpdate();
    const row = (await q) as Row | undefined;
    return row ? toPurchase(row) : null;
  }

  async insert(p: Pick<PackPurchase, 'accountId' | 'planId' | 'invoiceId' | 'units' | 'idempotencyKey'>, now: Date): Promise<number> {
    return insertedId(await this.db('pack_purchases').insert({
      account_id: p.accountId, plan_id: p.planId, invoice_id: p.invoiceId, units: p.units, idempotency_key: p.idempotencyKey, credited_at: null,
      created_at: now.toISOString(),
    }).returning('id'));
  }

  async markCredited(id: number, now: Date): Promise<void> {
    await this.db('pack_purchases').where({ id }).whereNull('credited_at').update({ credited_at: now.toISOString() });
  }

  /** The account's purchases, newest first, at most `limit`. */
  async ofAccount(accountId: number, limit: number): Promise<PackPurchaseRow[]> {
    const rows = (await this.db('pack_purchases as pp').join('plans as p', 'p.id', 'pp.plan_id').join('invoices as i', 'i.id', 'pp.invoice_id')
      .where('pp.account_id', accountId).orderBy('pp.id', 'desc').limit(limit)
      .select('pp.*', 'p.name_fr', 'p.name_en', 'i.number', 'i.status', 'i.currency', 'i.amount_due', 'i.amount_paid', 'i.due_date')) as Row[];
    return rows.map((r) => ({
      ...toPurchase(r), nameFr: String(r.name_fr), nameEn: String(r.name_en), number: r.number === null ? null : String(r.number),
      status: r.status as InvoiceStatus, currency: r.currency as Currency, amountDue: Number(r.amount_due), amountPaid: Number(r.amount_paid),
      dueDate: r.due_date === null || r.due_date === undefined ? null : String(r.due_date),
    }));
  }
}
