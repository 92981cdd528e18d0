/**
 * The append-only `credit_entries` table (written only through
 * CreditsService): lots of credit (positive rows) and what invoices took
 * from them (`applied` rows, negative, naming their lot).
 */
import type { Db } from '../platform/db.js';
import { insertedId, isSqlite } from '../platform/db.js';
import { toDateOrNull } from '../platform/time.js';
import type { Currency } from './money.js';

export type CreditKind = 'refund' | 'manual' | 'promotion' | 'adjustment';

export interface CreditLot {
  id: number;
  kind: CreditKind;
  amount: number;
  remaining: number;
  expiresAt: Date | null;
  reference: string | null;
}

export interface NewCreditEntry {
  accountId: number;
  kind: CreditKind | 'applied';
  amount: number;
  currency: Currency;
  expiresAt: Date | null;
  reference: string | null;
  reason: string;
  lotId: number | null;
  invoiceId: number | null;
  actorId: number | null;
}

export class CreditsRepository {
  constructor(private readonly db: Db) {}

  with(trx: Db): CreditsRepository {
    return new CreditsRepository(trx);
  }

  /** Serialise credit changes of one account: PostgreSQL locks the account row; SQLite's one connection already does. */
  async lockAccount(accountId: number): Promise<void> {
    if (isSqlite(this.db)) return;
    await this.db('accounts').where({ id: accountId }).forUpdate().first('id');
  }

  /** The account's lots in `currency` with money left, usable at `now`, earliest expiry first (no expiry last), then oldest. */
  async usableLots(accountId: number, currency: Currency, now: Date): Promise<CreditLot[]> {
    const rows = (await this.db('credit_entries as l')
      .where({ 'l.account_id': accountId, 'l.currency': currency }).whereNot('l.kind', 'applied')
      .where((q) => { q.whereNull('l.expires_at').orWhere('l.expires_at', '>', now.toISOString()); })
      .select('l.id', 'l.kind', 'l.amount', 'l.expires_at', 'l.reference',
        this.db.raw('l.amount + COALESCE((SELECT SUM(a.amount) FROM credit_entries a WHERE a.lot_id = l.id), 0) AS remaining'))
      .orderByRaw('CASE WHEN l.expires_at IS NULL THEN 1 ELSE 0 END, l.expires_at, l.id')) as Record<string, unknown>[];
    return rows.map((r) => ({
      id: Number(r.id), kind: r.kind as CreditKind, amount: Number(r.amount), remaining: Number(r.remaining),
      expiresAt: toDateOrNull(r.expires_at), reference: (r.reference as string | null) ?? null,
    })).filter((l) => l.remaining > 0);
  }

  /** Has the account an entry with this reference (a one-time grant already made)? */
  async hasReference(accountId: number, reference: string): Promise<boolean> {
    return (await this.db('credit_entries').where({ account_id: accountId, reference }).first('id')) !== undefined;
  }

  async insert(e: NewCreditEntry, now: Date): Promise<number> {
    return insertedId(await this.db('credit_entries').insert({
      account_id: e.accountId, kind: e.kind, amount: e.amount, currency: e.currency, expires_at: e.expiresAt?.toISOString() ?? null,
      reference: e.reference, reason: e.reason.slice(0, 500), lot_id: e.lotId, invoice_id: e.invoiceId, actor_id: e.actorId, created_at: now.toISOString(),
    }).returning('id'));
  }
}
