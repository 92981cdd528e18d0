/** The `account_totp` and `account_recovery_codes` tables (two-step login); written only by TotpService. */
import type { Db } from '../platform/db.js';
import { toDateOrNull } from '../platform/time.js';

export interface TotpRow {
  accountId: number;
  /** Sealed (src/accounts/totp-secret.ts). */
  sealed: string;
  enabledAt: Date | null;
  lastUsedStep: number | null;
}

export class TotpRepository {
  constructor(private readonly db: Db) {}

  with(trx: Db): TotpRepository {
    return new TotpRepository(trx);
  }

  async byAccount(accountId: number): Promise<TotpRow | null> {
    const r = (await this.db('account_totp').where({ account_id: accountId }).first()) as Record<string, unknown> | undefined;
    if (!r) return null;
    const step = r.last_used_step;
    return {
      accountId: Number(r.account_id), sealed: String(r.secret), enabledAt: toDateOrNull(r.enabled_at),
      lastUsedStep: step === null || step === undefined ? null : Number(step),
    };
  }

  /** A new secret under enrolment, replacing one not yet confirmed. */
  async start(accountId: number, sealed: string, now: Date): Promise<void> {
    await this.db('account_totp').where({ account_id: accountId }).whereNull('enabled_at').delete();
    await this.db('account_totp').insert({ account_id: accountId, secret: sealed, created_at: now.toISOString() });
  }

  async enable(accountId: number, step: number, now: Date): Promise<boolean> {
    const n = await this.db('account_totp').where({ account_id: accountId }).whereNull('enabled_at')
      .update({ enabled_at: now.toISOString(), last_used_step: step });
    return n === 1;
  }

  /** Record `step` as used unless it (or a later one) already was: false means a replay. One statement, so two racing logins cannot both win. */
  async useStep(accountId: number, step: number): Promise<boolean> {
    const n = await this.db('account_totp').where({ account_id: accountId })
      .where((q) => q.whereNull('last_used_step').orWhere('last_used_step', '<', step))
      .update({ last_used_step: step });
    return n === 1;
  }

  /** Remove the account's secret and recovery codes; answers whether two-step login was on. */
  async remove(accountId: number): Promise<boolean> {
    const enabled = await this.db('account_totp').where({ account_id: accountId }).whereNotNull('enabled_at').first('account_id');
    await this.db('account_recovery_codes').where({ account_id: accountId }).delete();
    await this.db('account_totp').where({ account_id: accountId }).delete();
    return enabled !== undefined;
  }

  async insertRecoveryCodes(accountId: number, hashes: string[], now: Date): Promise<void> {
    await this.db('account_recovery_codes').where({ account_id: accountId }).delete();
    await this.db('account_recovery_codes').insert(hashes.map((h) => ({ account_id: accountId, code_hash: h, created_at: now.toISOString() })));
  }

  /** Spend an unused recovery code; false when unknown or already used. */
  async useRecoveryCode(accountId: number, hash: string, now: Date): Promise<boolean> {
    const n = await this.db('account_recovery_codes').where({ account_id: accountId, code_hash: hash }).whereNull('used_at')
      .update({ used_at: now.toISOString() });
    return n === 1;
  }

  async unusedRecoveryCodes(accountId: number): Promise<number> {
    const r = (await this.db('account_recovery_codes').where({ account_id: accountId }).whereNull('used_at').count({ n: '*' }).first()) as
      { n: number | string } | undefined;
    return Number(r?.n ?? 0);
  }
}
