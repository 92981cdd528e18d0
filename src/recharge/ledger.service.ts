/**
 * Partner balances in units (an invoice number each). Credits and debits are
 * ledger rows; a debit beyond the balance is refused, also under concurrent
 * requests (the account row is locked for the transaction on PostgreSQL).
 */
import type { Actor, AuditService } from '../audit/index.js';
import { ConflictError, ERR, ValidationError } from '../errors/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import { LedgerRepository, type LedgerEntry, type NewLedgerEntry } from './ledger.repository.js';

export const MAX_CREDIT_UNITS = 10_000_000;

export class LedgerService {
  private readonly ledger: LedgerRepository;

  constructor(private readonly db: Db, private readonly clock: Clock, private readonly audit: AuditService) {
    this.ledger = new LedgerRepository(db);
  }

  /** The account's balance in units (0 without any row). */
  balance(accountId: number): Promise<number> {
    return this.ledger.balance(accountId);
  }

  /** The account's latest ledger rows, newest first (at most `limit`, default 50). */
  entries(accountId: number, limit = 50): Promise<LedgerEntry[]> {
    return this.ledger.entries(accountId, limit);
  }

  /** Whether the account has a ledger row with this `reference` (a one-time change already recorded). */
  hasReference(accountId: number, reference: string): Promise<boolean> {
    return this.ledger.hasReference(accountId, reference);
  }

  /**
   * Credit or debit `units` (1..10,000,000) with a reason, in one transaction with its audit row.
   * Options: `reference` (at most 64 characters) is stored on the row and makes
   * the change one-time: when the account already has a row with it, nothing
   * is written; `refuseClosed` refuses a closed account. Both checks run
   * after the account is locked, so concurrent calls cannot both pass.
   * Returns the balance after the change.
   * @throws ValidationError for bad units, an empty reason or a reference over 64 characters;
   *   ConflictError ALREADY_RECORDED (details: { balance }) for a reference already used on the account,
   *   ACCOUNT_CLOSED for a closed account with `refuseClosed`, INSUFFICIENT_BALANCE for a debit beyond the balance.
   */
  async change(
    accountId: number, kind: 'credit' | 'debit', units: number, reason: string, actor: Actor,
    opts: { reference?: string; refuseClosed?: boolean } = {},
  ): Promise<number> {
    if (!Number.isInteger(units) || units < 1 || units > MAX_CREDIT_UNITS) throw new ValidationError({ units: 'recharge.errors.units_range' });
    if (!reason.trim()) throw new ValidationError({ reason: 'recharge.errors.reason_required' });
    const reference = opts.reference ?? null;
    if (reference !== null && (reference === '' || reference.length > 64)) throw new ValidationError({ form: 'recharge.errors.confirm_invalid' });
    return this.db.transaction(async (trx) => {
      const repo = new LedgerRepository(trx);
      await repo.lockAccount(accountId);
      const before = await repo.balance(accountId);
      if (reference !== null && (await repo.hasReference(accountId, reference))) {
        throw new ConflictError('Already recorded', ERR.ALREADY_RECORDED, { balance: before });
      }
      if (opts.refuseClosed && (await repo.accountState(accountId)) === 'closed') throw new ConflictError('Account closed', ERR.ACCOUNT_CLOSED);
      if (kind === 'debit' && before < units) throw new ConflictError('Balance too small', ERR.INSUFFICIENT_BALANCE, { balance: before });
      const after = await repo.append(
        { accountId, kind, units, reason, reference, actorId: actor.id, actorLabel: actor.email ?? actor.userAgent }, before,
        this.clock.now(),
      );
      await this.audit.record(trx, actor, `balance.${kind}`, { type: 'account', id: accountId }, { units, reason });
      return after;
    });
  }

  /**
   * Credit `units` (1..10,000,000) inside the caller's transaction, once per `reference` (1..64 characters): a paid
   * subscription period credits its plan's units with the invoice number as reference. Returns false, writing
   * nothing, when the account already has a row with that reference. Writes the ledger row and `balance.credit`.
   * @throws ValidationError for bad units, reason or reference.
   */
  async creditIn(trx: Db, accountId: number, units: number, reason: string, reference: string, actor: Actor): Promise<boolean> {
    if (!Number.isInteger(units) || units < 1 || units > MAX_CREDIT_UNITS) throw new ValidationError({ units: 'recharge.errors.units_range' });
    if (!reason.trim() || !reference || reference.length > 64) throw new ValidationError({ form: 'recharge.errors.confirm_invalid' });
    const repo = new LedgerRepository(trx);
    await repo.lockAccount(accountId);
    if (await repo.hasReference(accountId, reference)) return false;
    const before = await repo.balance(accountId);
    const entry: NewLedgerEntry = { accountId, kind: 'credit', units, reason, reference, actorId: actor.id, actorLabel: actor.email ?? actor.userAgent };
    await repo.append(entry, before, this.clock.now());
    await this.audit.record(trx, actor, 'balance.credit', { type: 'account', id: accountId }, { units, reason });
    return true;
  }
}
