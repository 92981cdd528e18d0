/**
 * Two-step login (TOTP, RFC 6238 with otplib: 30 s steps, 6 digits, one
 * step of drift either way) and its recovery codes. The one writer of
 * `account_totp` and `account_recovery_codes`.
 *
 * - Enrolment: a secret is kept (sealed) while the owner scans it; the first
 *   correct code turns two-step login on and yields 10 recovery codes, shown
 *   once and stored as SHA-256 hashes.
 * - Login: a code is accepted once: its time step must be later than the last
 *   accepted one (`last_used_step`), so a code seen over a shoulder cannot be
 *   replayed within its window. A wrong code (or a replay, or a spent recovery
 *   code) counts as a failed login in AuthService's lockout.
 * - The secret is never logged; the clock is the app's, so tests move time.
 */
import { authenticator } from 'otplib';
import type { Actor, AuditService } from '../audit/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { Account } from './accounts.repository.js';
import type { AuthService } from './auth.service.js';
import { verifyPassword } from './passwords.js';
import { hashRecoveryCode, newRecoveryCode, openSecret, sealSecret, totpKey } from './totp-secret.js';
import { TotpRepository } from './totp.repository.js';

export const RECOVERY_CODES = 10;
const STEP_SECONDS = 30;
/** The issuer shown by authenticator apps. */
const ISSUER = 'artisan_nd';

export interface TotpDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  auth: AuthService;
  /** SESSION_SECRET, the sealing key's source; a command that only removes secrets needs none. */
  secret?: string;
}

export interface TotpStatus {
  enabled: boolean;
  recoveryLeft: number;
}

export type TotpCheck = 'ok' | 'invalid';

/** How long a login may wait for its second step. */
export const PENDING_SECONDS = 5 * 60;

/** Whether STAFF_2FA_REQUIRED (`required`) makes an account of `role` enrol before reaching /admin. */
export function enrolmentRequired(role: string, required: boolean): boolean {
  return required && (role === 'admin' || role === 'superadmin');
}

export class TotpService {
  private readonly repo: TotpRepository;
  private sealingKey: Buffer | null = null;

  constructor(private readonly deps: TotpDeps) {
    this.repo = new TotpRepository(deps.db);
  }

  private key(): Buffer {
    if (!this.deps.secret) throw new Error('TotpService needs the session secret to seal TOTP secrets');
    this.sealingKey ??= totpKey(this.deps.secret);
    return this.sealingKey;
  }

  /** otplib at the app's clock (epoch in ms). */
  private otp(): typeof authenticator {
    return authenticator.clone({ epoch: this.deps.clock.now().getTime(), step: STEP_SECONDS, window: 1, digits: 6 });
  }

  /** The time step a correct `code` belongs to, or null (wrong code, or not 6 digits). */
  private stepOf(secret: string, code: string): number | null {
    if (!/^\d{6}$/.test(code)) return null;
    const delta = this.otp().checkDelta(code, secret);
    return delta === null ? null : Math.floor(this.deps.clock.now().getTime() / 1000 / STEP_SECONDS) + delta;
  }

  /** When a login waiting for its second step from now stops waiting (ms since the epoch). */
  pendingUntil(): number {
    return this.deps.clock.now().getTime() + PENDING_SECONDS * 1000;
  }

  /** Whether a login waiting until `until` still waits. */
  pendingLive(until: number): boolean {
    return this.deps.clock.now().getTime() < until;
  }

  async isEnabled(accountId: number): Promise<boolean> {
    return (await this.repo.byAccount(accountId))?.enabledAt != null;
  }

  async status(accountId: number): Promise<TotpStatus> {
    const enabled = await this.isEnabled(accountId);
    return { enabled, recoveryLeft: enabled ? await this.repo.unusedRecoveryCodes(accountId) : 0 };
  }

  /**
   * The secret being enrolled (base32, for the manual key) and its otpauth://
   * URI (for the QR code): the one under way, or a new one. Null when
   * two-step login is already on.
   */
  async enrolment(account: Account): Promise<{ secret: string; uri: string } | null> {
    const row = await this.repo.byAccount(account.id);
    if (row?.enabledAt) return null;
    let secret = row ? openSecret(this.key(), account.id, row.sealed) : null;
    if (!secret) {
      secret = authenticator.generateSecret(20);
      await this.repo.start(account.id, sealSecret(this.key(), account.id, secret), this.deps.clock.now());
    }
    return { secret, uri: authenticator.keyuri(account.email, ISSUER, secret) };
  }

  /** Turn two-step login on with the first correct code: the recovery codes (shown once), or null for a wrong code. */
  async confirm(account: Account, code: string, from: Actor): Promise<string[] | null> {
    const row = await this.repo.byAccount(account.id);
    if (!row || row.enabledAt) return null;
    const step = this.stepOf(openSecret(this.key(), account.id, row.sealed), code);
    if (step === null) return null;
    const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
    const now = this.deps.clock.now();
    const done = await this.deps.db.transaction(async (trx) => {
      const repo = this.repo.with(trx);
      if (!(await repo.enable(account.id, step, now))) return false;
      await repo.insertRecoveryCodes(account.id, codes.map(hashRecoveryCode), now);
      await this.deps.audit.record(trx, from, 'totp.enabled', { type: 'account', id: account.id });
      return true;
    });
    return done ? codes : null;
  }

  /** Check the second step of a login (a 6-digit code or a recovery code); a refusal counts as a failed login. */
  async verifyLogin(account: Account, code: string, from: Actor): Promise<TotpCheck> {
    const locked = account.lockedUntil !== null && account.lockedUntil > this.deps.clock.now();
    if (locked) {
      await this.deps.audit.record(this.deps.db, from, 'login.refused_locked', { type: 'account', id: account.id });
      return 'invalid';
    }
    if (await this.accept(account, code, from)) return 'ok';
    await this.deps.auth.fail(account, from, 'login');
    return 'invalid';
  }

  /** Spend `code`: a TOTP code of a step not yet used, or an unused recovery code (audited). */
  private async accept(account: Account, code: string, from: Actor): Promise<boolean> {
    const row = await this.repo.byAccount(account.id);
    if (!row?.enabledAt) return false;
    const typed = code.trim();
    if (/^\d{6}$/.test(typed)) {
      const step = this.stepOf(openSecret(this.key(), account.id, row.sealed), typed);
      return step !== null && this.repo.useStep(account.id, step);
    }
    return this.deps.db.transaction(async (trx) => {
      if (!(await this.repo.with(trx).useRecoveryCode(account.id, hashRecoveryCode(typed), this.deps.clock.now()))) return false;
      const left = await this.repo.with(trx).unusedRecoveryCodes(account.id);
      await this.deps.audit.record(trx, from, 'totp.recovery_used', { type: 'account', id: account.id }, { left });
      return true;
    });
  }

  /**
   * Turn two-step login off, proved by the password and a current code (or
   * a recovery code). A wrong password or code counts as a wrong password in
   * the password-change form: at the limit every session of the account ends.
   * `off` when two-step login was not on.
   */
  async disable(account: Account, password: string, code: string, from: Actor): Promise<'disabled' | 'off' | 'wrong' | 'ended'> {
    // Nothing to turn off: no password is checked (the form is no password oracle) and nothing is counted.
    if (!(await this.isEnabled(account.id))) return 'off';
    const locked = account.lockedUntil !== null && account.lockedUntil > this.deps.clock.now();
    const proved = !locked && (await verifyPassword(account.passwordHash, password)) && (await this.accept(account, code, from));
    if (!proved) {
      const { passwordChangeLimit } = await this.deps.auth.fail(account, from, 'password_change');
      if (!passwordChangeLimit) return 'wrong';
      await this.deps.auth.endSessions(account.id, 'password_attempts');
      return 'ended';
    }
    await this.remove(account.id, from, 'totp.disabled');
    return 'disabled';
  }

  /** Remove an account's two-step login (`npm run admin:reset-2fa`); false when it had none. */
  async reset(account: Account, from: Actor): Promise<boolean> {
    return this.remove(account.id, from, 'totp.reset');
  }

  private async remove(accountId: number, from: Actor, action: string): Promise<boolean> {
    return this.deps.db.transaction(async (trx) => {
      const was = await this.repo.with(trx).remove(accountId);
      if (was) await this.deps.audit.record(trx, from, action, { type: 'account', id: accountId });
      return was;
    });
  }
}
