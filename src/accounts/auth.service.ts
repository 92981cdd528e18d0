/**
 * Logging in and the life of logged-in sessions.
 *
 * - `authenticate`: same argon2 work and same answer for an unknown e-mail,
 *   a wrong password and a locked account (OWASP Authentication Cheat
 *   Sheet); after 10 consecutive failures the account is locked for
 *   15 min × 2^(earlier lockouts) and the owner is mailed. A correct password
 *   resets the counters; a suspended or unverified owner is told why.
 * - Sessions are recorded in `account_sessions`; ending one marks its row and
 *   destroys it in the session store, so a copied cookie stops working.
 * - Timeouts (ASVS 5.0 §7.3): idle 30 min and absolute 8 h for partners,
 *   15 min and 4 h for staff (support, admin, superadmin).
 */
import type { Actor, AuditService } from '../audit/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import type { AccountMails } from './account-mails.js';
import { AccountsRepository, type Account, type Role } from './accounts.repository.js';
import { verifyDummy, verifyPassword } from './passwords.js';
import { SessionsRepository, type AccountSession } from './sessions.repository.js';

export const MAX_FAILED_LOGINS = 10;
export const LOCK_SECONDS = 15 * 60;
/** Wrong current passwords in the password-change form after which the account's sessions end. */
export const MAX_PASSWORD_CHANGE_FAILURES = 5;
/** A correct password clears the failure counters and any lockout. */
const CLEARED_COUNTERS = { failed_logins: 0, lockouts: 0, locked_until: null, password_change_failures: 0 } as const;

/** Idle and absolute session limits in seconds, by role. */
export function sessionLimits(role: Role): { idle: number; absolute: number } {
  return role === 'partner' || role === 'customer' ? { idle: 30 * 60, absolute: 8 * 3600 } : { idle: 15 * 60, absolute: 4 * 3600 };
}

/** Where the session store can destroy a session by id. */
export interface SessionTerminator {
  destroy(sid: string): Promise<void>;
}

export type LoginResult =
  | { ok: true; account: Account }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'pending' | 'suspended'; account: Account };

/** A session resumed with its live account, or why it cannot be (see `AuthService.resume`). */
export type Resumed = { account: Account; session: AccountSession } | { ended: 'ended' | 'timeout' | 'inactive' };

export interface AuthDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  mails: AccountMails;
  logger: Logger;
  sessions: SessionTerminator;
}

export class AuthService {
  private readonly accounts: AccountsRepository;
  private readonly sessionRows: SessionsRepository;

  constructor(private readonly deps: AuthDeps) {
    this.accounts = new AccountsRepository(deps.db);
    this.sessionRows = new SessionsRepository(deps.db);
  }

  /** Live sessions of an account, most recent first. */
  liveSessions(accountId: number): Promise<AccountSession[]> {
    return this.sessionRows.live(accountId);
  }

  /** The latest `limit` sessions of an account, live or ended, newest first (the admin's login history). */
  recentSessions(accountId: number, limit = 50): Promise<AccountSession[]> {
    return this.sessionRows.recent(accountId, limit);
  }

  /** Retention (src/ops/cleanup.ts): forget the sessions that ended (or went silent) before `before`; returns how many. */
  purgeSessions(before: Date): Promise<number> {
    return this.sessionRows.deleteEndedBefore(before);
  }

  /** Check an e-mail and password; see the module comment for the rules. */
  async authenticate(email: string, password: string, from: Actor): Promise<LoginResult> {
    const now = this.deps.clock.now();
    const account = await this.accounts.byEmail(email);
    if (!account || account.state === 'closed') {
      await verifyDummy(password);
      await this.deps.audit.record(this.deps.db, { ...from, email: null }, 'login.failed', null, { context: 'unknown' });
      return { ok: false, reason: 'invalid' };
    }
    const locked = account.lockedUntil !== null && account.lockedUntil > now;
    const matches = await verifyPassword(account.passwordHash, password);
    if (locked) {
      await this.deps.audit.record(this.deps.db, from, 'login.refused_locked', { type: 'account', id: account.id });
      return { ok: false, reason: 'invalid' };
    }
    if (!matches) {
      await this.fail(account, from, 'login');
      return { ok: false, reason: 'invalid' };
    }
    if (account.state !== 'active') {
      await this.deps.db.transaction(async (trx) => {
        await this.accounts.with(trx).update(account.id, CLEARED_COUNTERS, now);
        await this.deps.audit.record(trx, from, 'login.refused_state', { type: 'account', id: account.id }, { state: account.state });
      });
      return { ok: false, reason: account.state === 'suspended' ? 'suspended' : 'pending', account };
    }
    return { ok: true, account };
  }

  /**
   * Count a wrong password (`login`) or a wrong current password in the
   * password-change form (`password_change`) against `account`, in one
   * transaction: the failure count, the audit row and, at the 10th failure,
   * the lockout and its audit row; the owner is mailed after commit.
   * Answers whether the password-change limit (5 wrong current passwords)
   * was reached: that counter then starts again and the caller ends the sessions.
   */
  async fail(account: Account, from: Actor, kind: 'login' | 'password_change'): Promise<{ passwordChangeLimit: boolean }> {
    const now = this.deps.clock.now();
    const target = { type: 'account', id: account.id };
    const outcome = await this.deps.db.transaction(async (trx) => {
      const repo = this.accounts.with(trx);
      const counts = await repo.addFailedLogin(account.id, kind === 'password_change');
      const action = kind === 'login' ? 'login.failed' : 'password.change_refused';
      await this.deps.audit.record(trx, from, action, target, { count: kind === 'login' ? counts.failedLogins : counts.passwordChangeFailures });
      const passwordChangeLimit = kind === 'password_change' && counts.passwordChangeFailures >= MAX_PASSWORD_CHANGE_FAILURES;
      if (passwordChangeLimit) {
        await repo.update(account.id, { password_change_failures: 0 }, now);
        await this.deps.audit.record(trx, from, 'password.change_limit', target, { count: counts.passwordChangeFailures });
      }
      if (counts.failedLogins < MAX_FAILED_LOGINS) return { passwordChangeLimit, lockMinutes: 0 };
      const minutes = (LOCK_SECONDS / 60) * 2 ** counts.lockouts;
      const until = new Date(now.getTime() + minutes * 60_000);
      await repo.update(account.id, { failed_logins: 0, lockouts: counts.lockouts + 1, locked_until: until.toISOString() }, now);
      await this.deps.audit.record(trx, from, 'account.locked', target, { minutes, failures: counts.failedLogins });
      return { passwordChangeLimit, lockMinutes: minutes };
    });
    if (outcome.lockMinutes) this.deps.mails.sendLater('lockout', account.email, account.locale, '/subscription/forgot', { minutes: outcome.lockMinutes });
    return { passwordChangeLimit: outcome.passwordChangeLimit };
  }

  /**
   * Record a new logged-in session (after the session id was regenerated) in
   * one transaction: the session row, the cleared failure counters and the
   * last login time, the audit row. Returns the login time in ms.
   */
  async startSession(account: Account, sid: string, from: Actor): Promise<number> {
    const now = this.deps.clock.now();
    await this.deps.db.transaction(async (trx) => {
      await this.sessionRows.with(trx).insert({ sid, accountId: account.id, ip: from.ip ?? '', userAgent: from.userAgent ?? '' }, now);
      await this.accounts.with(trx).update(account.id, { ...CLEARED_COUNTERS, last_login_at: now.toISOString() }, now);
      await this.deps.audit.record(trx, from, 'login.succeeded', { type: 'account', id: account.id });
    });
    return now.getTime();
  }

  /**
   * The account behind session `sid`, or why there is none: `ended` (logged
   * out elsewhere, or never recorded), `timeout`, or `inactive` (the account
   * is no longer active, or its role changed: the owner logs in again and
   * gets a new session id). Ends the session record in the last two cases.
   * `authAt` (login time, ms since the epoch) and `role` (at login) are kept in the session.
   */
  async resume(sid: string, authAt: number, role: string | undefined): Promise<Resumed> {
    const found = await this.sessionRows.withAccount(sid);
    if (!found) return { ended: 'ended' };
    const now = this.deps.clock.now();
    const limits = sessionLimits(found.account.role);
    const idle = (now.getTime() - found.session.lastSeenAt.getTime()) / 1000;
    const age = (now.getTime() - authAt) / 1000;
    if (idle > limits.idle || age > limits.absolute) {
      await this.endSession(sid, 'timeout');
      return { ended: 'timeout' };
    }
    if (found.account.state !== 'active') {
      await this.endSession(sid, found.account.state);
      return { ended: 'inactive' };
    }
    if (found.account.role !== role) {
      await this.endSession(sid, 'role_changed');
      return { ended: 'ended' };
    }
    // Write last_seen_at at most every 30 s: the idle limit is minutes long.
    if (now.getTime() - found.session.lastSeenAt.getTime() > 30_000) await this.sessionRows.touch(sid, now);
    return found;
  }

  /** End one session: its record, then the stored session itself. */
  async endSession(sid: string, reason: string): Promise<void> {
    await this.sessionRows.end(sid, reason, this.deps.clock.now());
    await this.deps.sessions.destroy(sid).catch((err: unknown) => this.deps.logger.warn({ err }, 'session store could not destroy a session'));
  }

  /** End every session of an account, or every one but `keepSid`. Returns how many ended. */
  async endSessions(accountId: number, reason: string, keepSid?: string): Promise<number> {
    const sids = await this.sessionRows.endAll(accountId, reason, this.deps.clock.now(), keepSid);
    await Promise.all(sids.map((sid) => this.deps.sessions.destroy(sid).catch(() => undefined)));
    return sids.length;
  }

  /** Log out: end the session record, audit it. */
  async logout(account: Account, sid: string, from: Actor): Promise<void> {
    await this.sessionRows.end(sid, 'logout', this.deps.clock.now());
    await this.deps.audit.record(this.deps.db, from, 'logout', { type: 'account', id: account.id });
  }
}
