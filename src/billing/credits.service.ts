/**
 * The credit balance: money a partner holds with the vendor (refunds,
 * overpayments, goodwill), apart from units. Only writer of `credit_entries`.
 * Lots are used earliest expiry first; the balance never goes below zero
 * because a lot's use is computed from its remainder under the account's lock.
 * Methods ending in `In` run inside the caller's transaction (the invoice or
 * payment that causes them) and expect the account locked by `lockIn` first.
 */
import type { Actor, AuditService } from '../audit/index.js';
import { ValidationError } from '../errors/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import { CreditsRepository, type CreditKind, type CreditLot } from './credits.repository.js';
import { isCurrency, moneyText, type Currency } from './money.js';

export interface CreditGrant {
  accountId: number;
  kind: CreditKind;
  /** Minor units, > 0. */
  amount: number;
  currency: Currency;
  expiresAt?: Date | null;
  /** At most 64 characters; a grant with a reference the account already has is not made again. */
  reference?: string | null;
  reason: string;
}

const KINDS: readonly CreditKind[] = ['refund', 'manual', 'promotion', 'adjustment'];

export class CreditsService {
  private readonly repo: CreditsRepository;

  constructor(private readonly db: Db, private readonly clock: Clock, private readonly audit: AuditService) {
    this.repo = new CreditsRepository(db);
  }

  /** Money usable now in `currency` (minor units, ≥ 0). */
  async balance(accountId: number, currency: Currency): Promise<number> {
    return (await this.repo.usableLots(accountId, currency, this.clock.now())).reduce((s, l) => s + l.remaining, 0);
  }

  /** The usable lots, in the order they will be used. */
  lots(accountId: number, currency: Currency): Promise<CreditLot[]> {
    return this.repo.usableLots(accountId, currency, this.clock.now());
  }

  /** Lock the account's credit for the transaction `trx` (PostgreSQL row lock; SQLite serialises already). */
  lockIn(trx: Db, accountId: number): Promise<void> {
    return this.repo.with(trx).lockAccount(accountId);
  }

  /**
   * Staff give credit (seed flow "Offrir Crédit"): one entry and its audit row `credit.granted`, one transaction.
   * @throws ValidationError {amount|reason|kind|reference} for bad input.
   */
  async grant(g: CreditGrant, actor: Actor): Promise<void> {
    this.check(g);
    await this.db.transaction(async (trx) => {
      await this.lockIn(trx, g.accountId);
      await this.grantIn(trx, g, actor.id);
      await this.audit.record(trx, actor, 'credit.granted', { type: 'account', id: g.accountId },
        { amount: g.amount, currency: g.currency, kind: g.kind, reason: g.reason, amount_text: moneyText(g.amount, g.currency) });
    });
  }

  private check(g: CreditGrant): void {
    if (!Number.isSafeInteger(g.amount) || g.amount <= 0) throw new ValidationError({ amount: 'billing:errors.amount_required' });
    if (!KINDS.includes(g.kind)) throw new ValidationError({ kind: 'billing:errors.line_invalid' });
    if (!isCurrency(g.currency)) throw new ValidationError({ currency: 'billing:errors.currency_mismatch' });
    if (!g.reason.trim() || g.reason.length > 500) throw new ValidationError({ reason: 'billing:errors.reason_required' });
    if (g.reference !== undefined && g.reference !== null && (g.reference === '' || g.reference.length > 64)) {
      throw new ValidationError({ reference: 'billing:errors.reference_too_long' });
    }
  }

  /** Add a lot in the caller's transaction; false when its reference was already used on the account (nothing written). */
  async grantIn(trx: Db, g: CreditGrant, actorId: number | null): Promise<boolean> {
    this.check(g);
    const repo = this.repo.with(trx);
    if (g.reference && await repo.hasReference(g.accountId, g.reference)) return false;
    await repo.insert({
      accountId: g.accountId, kind: g.kind, amount: g.amount, currency: g.currency, expiresAt: g.expiresAt ?? null, reference: g.reference ?? null,
      reason: g.reason, lotId: null, invoiceId: null, actorId,
    }, this.clock.now());
    return true;
  }

  /**
   * Use up to `max` of the account's credit for invoice `invoiceId`, lots earliest expiry first, one
   * `applied` row per lot touched, in the caller's transaction (account locked). Returns the amount used.
   */
  async applyIn(trx: Db, accountId: number, currency: Currency, max: number, invoiceId: number, reference: string): Promise<number> {
    if (max <= 0) return 0;
    const repo = this.repo.with(trx);
    const now = this.clock.now();
    let used = 0;
    for (const lot of await repo.usableLots(accountId, currency, now)) {
      const take = Math.min(lot.remaining, max - used);
      await repo.insert({
        accountId, kind: 'applied', amount: -take, currency, expiresAt: null, reference, reason: reference, lotId: lot.id, invoiceId, actorId: null,
      }, now);
      used += take;
      if (used === max) break;
    }
    return used;
  }
}
