/**
 * The append-only `ledger_entries` table. Every change of a partner's units
 * is one row written in the caller's transaction; `balance_after` carries
 * the running sum, so the balance is one indexed read.
 */
import type { Db } from '../platform/db.js';
import { isSqlite } from '../platform/db.js';
import { toDate } from '../platform/time.js';

/**
 * Why the system wrote a row, as a sentence of the `ledger` locale namespace
 * (`ledger:reasons.<code>`) and its parameters: `recharge` { code (the
 * installation code's first 10 characters), serial }, `revocation`
 * { recharge (its id), reason (typed by staff) }.
 */
export interface LedgerReasonCode {
  code: string;
  params: Record<string, string | number>;
}

export interface LedgerEntry {
  id: number;
  accountId: number;
  kind: 'credit' | 'debit';
  units: number;
  balanceAfter: number;
  /** As written (English for the system's rows, as typed for staff and CLI rows): the audit trail's words. */
  reason: string;
  /** Set on the system's rows, for showing `reason` in the reader's language; null on typed ones. */
  reasonCode: LedgerReasonCode | null;
  reference: string | null;
  actorLabel: string | null;
  createdAt: Date;
}

export interface NewLedgerEntry extends Pick<LedgerEntry, 'accountId' | 'kind' | 'units' | 'reason' | 'reference' | 'actorLabel'> {
  /** The system's rows only (see LedgerReasonCode); omitted for a reason typed by a person. */
  reasonCode?: LedgerReasonCode;
  actorId: number | null;
}

/** The stored code and parameters, null when absent or unreadable (the row's `reason` is shown then). */
function reasonCodeOf(code: unknown, params: unknown): LedgerReasonCode | null {
  if (typeof code !== 'string' || !code) return null;
  try {
    const parsed: unknown = typeof params === 'string' ? JSON.parse(params) : {};
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? { code, params: parsed as LedgerReasonCode['params'] } : null;
  } catch {
    return null;
  }
}

export class LedgerRepository {
  constructor(private readonly db: Db) {}

  /**
   * Serialise balance changes of one partner: PostgreSQL locks the account
   * row until the transaction ends; SQLite needs nothing (one connection,
   * transactions run one at a time).
   */
  async lockAccount(accountId: number): Promise<void> {
    if (isSqlite(this.db)) return;
    await this.db('accounts').where({ id: accountId }).forUpdate().first('id');
  }

  /** The account's state (`closed`…), null for no such account. Read after lockAccount it stays true for the transaction. */
  async accountState(accountId: number): Promise<string | null> {
    const row = (await this.db('accounts').where({ id: accountId }).first('state')) as { state: unknown } | undefined;
    return row ? String(row.state) : null;
  }

  /** Has the account a ledger row with this `reference` (e.g. `adm:<uuid>`, a recharge id)? */
  async hasReference(accountId: number, reference: string): Promise<boolean> {
    const row = (await this.db('ledger_entries').where({ account_id: accountId, reference }).first('id')) as { id: unknown } | undefined;
    return row !== undefined;
  }

  async balance(accountId: number): Promise<number> {
    const row = (await this.db('ledger_entries')
      .where({ account_id: accountId })
      .orderBy('id', 'desc')
      .first('balance_after')) as { balance_after: unknown } | undefined;
    return row ? Number(row.balance_after) : 0;
  }

  /** Append an entry after `balanceBefore` (`reason` cut to 500 characters); returns the new balance. */
  async append(e: NewLedgerEntry, balanceBefore: number, now: Date): Promise<number> {
    const after = balanceBefore + (e.kind === 'credit' ? e.units : -e.units);
    await this.db('ledger_entries').insert({
      account_id: e.accountId, kind: e.kind, units: e.units, balance_after: after, reason: e.reason.slice(0, 500),
      reference: e.reference, actor_id: e.actorId, actor_label: e.actorLabel, created_at: now.toISOString(),
      reason_code: e.reasonCode?.code ?? null, reason_params: e.reasonCode ? JSON.stringify(e.reasonCode.params) : null,
    });
    return after;
  }

  async entries(accountId: number, limit = 50): Promise<LedgerEntry[]> {
    const rows = (await this.db('ledger_entries').where({ account_id: accountId }).orderBy('id', 'desc').limit(limit)) as Record<string, unknown>[];
    return rows.map((r) => ({
      id: Number(r.id), accountId: Number(r.account_id), kind: r.kind === 'debit' ? 'debit' : 'credit', units: Number(r.units),
      balanceAfter: Number(r.balance_after),
      reason: String(r.reason), reasonCode: reasonCodeOf(r.reason_code, r.reason_params), reference: (r.reference as string | null) ?? null,
      actorLabel: (r.actor_label as string | null) ?? null, createdAt: toDate(r.created_at),
    }));
  }
}
