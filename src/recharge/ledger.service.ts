/**
 * Partner balances in units (an invoice number each). Credits and debits are
 * ledger rows; a debit beyond the balance is refused, also under concurrent
 * requests (the account row is locked for the transaction on PostgreSQL).
 */
import type { Actor, AuditService } from '../audit/index.js';
import { ConflictError, ValidationError } from '../http/errors.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import { LedgerRepository } from './ledger.repository.js';

export const MAX_CREDIT_UNITS = 10_000_000;

export class LedgerService {
  readonly repo: LedgerRepository;

  constructor(private readonly db: Db, private readonly clock: Clock, private readonly audit: AuditService) {
    this.repo = new LedgerRepository(db);
  }

  balance(accountId: number): Promise<number> {
    return this.repo.balance(accountId);
  }

  /**
   * Credit or debit `units` (1..10,000,000) with a reason, in one transaction with its audit row.
   * @throws ValidationError for bad units or an empty reason; ConflictError INSUFFICIENT_BALANCE for a debit beyond the balance.
   */
  async change(accountId: number, kind: 'credit' | 'debit', units: number, reason: string, actor: Actor): Promise<number> {
    if (!Number.isInteger(units) || units < 1 || units > MAX_CREDIT_UNITS) throw new ValidationError({ units: 'recharge.errors.units_range' });
    if (!reason.trim()) throw new ValidationError({ reason: 'recharge.errors.reason_required' });
    return this.db.transaction(async (trx) => {
      const repo = new LedgerRepository(trx);
      await repo.lockAccount(accountId);
      const before = await repo.balance(accountId);
      if (kind === 'debit' && before < units) throw new ConflictError('Balance too small', 'INSUFFICIENT_BALANCE', { balance: before });
      const after = await repo.append({ accountId, kind, units, reason, reference: null, actorId: actor.id, actorLabel: actor.email ?? actor.userAgent }, before, this.clock.now());
      await this.audit.record(actor, `balance.${kind}`, { type: 'account', id: accountId }, `${units} units: ${reason.slice(0, 200)}`, trx);
      return after;
    });
  }
}
