/**
 * Account life: registration and e-mail verification, forgotten password and
 * reset, profile and password changes, staff accounts and API tokens (CLI).
 *
 * Enumeration resistance (OWASP Authentication Cheat Sheet): registration,
 * resend and forgot answer the same whether or not the address is known;
 * their mails leave without being awaited. Tokens: 256-bit, stored as
 * SHA-256, single use; verification valid 24 h, reset 30 min.
 */
import type { Actor, AuditService } from '../audit/index.js';
import type { Locale } from '../http/i18n.js';
import type { Clock } from '../platform/clock.js';
import { isUniqueViolation, type Db } from '../platform/db.js';
import type { AccountMails } from './account-mails.js';
import {
  AccountsRepository, normaliseEmail, type Account, type AccountState, type ApiTokenRow, type ProfileFields, type Role, type TokenPurpose,
} from './accounts.repository.js';
import type { AuthService } from './auth.service.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { hashToken, looksLikeToken, newToken } from './tokens.js';

export const VERIFY_TTL_SECONDS = 24 * 3600;
export const RESET_TTL_SECONDS = 30 * 60;
export const API_TOKEN_PREFIX = 'andt_';
/** Customers' tokens for the customer API (/api/users/me/*): told apart from admin tokens at a glance. */
export const CUSTOMER_TOKEN_PREFIX = 'andc_';
/** The roles that may hold an API token: staff for the admin API, customers for their own API. */
const TOKEN_ROLES: readonly Role[] = ['admin', 'superadmin', 'customer'];

export interface Registration extends Omit<ProfileFields, 'locale' | 'address' | 'vatNumber'> {
  email: string;
  password: string;
}

export type TokenCheck = { ok: true; account: Account; tokenId: number } | { ok: false; reason: 'invalid' | 'expired' | 'used' };

/** The request's actor, named as the account it acts for (a visitor who proves they own it by a mailed token). */
function actingAs(from: Actor, account: Pick<Account, 'id' | 'email'>): Actor {
  return { ...from, id: account.id, email: account.email };
}

export interface AccountsDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  mails: AccountMails;
  auth: AuthService;
}

/** A staff change of an account's state (AccountsService.changeState). */
export interface StateChange {
  /** The states the change starts from; another state means someone acted first (nothing written). */
  from: readonly AccountState[];
  to: AccountState;
  /** The address counts as verified from now on. */
  verified?: boolean;
  /** The reason shown to the owner (suspension, closing); null clears it; undefined leaves it. */
  stateReason?: string | null;
  /** Blank the personal data too (closing only; AccountsRepository.anonymise). */
  anonymise?: boolean;
  /** The audit row: its action and details. */
  action: string;
  details: Readonly<Record<string, string | number | boolean | null>>;
}

export class AccountsService {
  // The one writer of accounts, account_tokens and api_tokens (DESIGN.md rule 11): never handed out.
  private readonly repo: AccountsRepository;

  constructor(private readonly deps: AccountsDeps) {
    this.repo = new AccountsRepository(deps.db);
  }

  /** The account with this id, or null. */
  byId(id: number): Promise<Account | null> {
    return this.repo.byId(id);
  }

  /** The account with this e-mail (trimmed, any case), or null. */
  byEmail(email: string): Promise<Account | null> {
    return this.repo.byEmail(email);
  }

  /** The active admin or superadmin owning bearer token `token` (its last use is recorded), or null: the admin API's check. */
  byApiToken(token: string): Promise<Account | null> {
    return this.repo.byApiToken(hashToken(token), this.deps.clock.now(), ['admin', 'superadmin']);
  }

  /** The active account, of any role, owning unrevoked bearer token `token` (its last use is recorded), or null: callers check the role. */
  bearerAccount(token: string): Promise<Account | null> {
    return this.repo.byApiToken(hashToken(token), this.deps.clock.now(), TOKEN_ROLES);
  }

  /** The unrevoked API tokens of one account, newest first (never their hashes). */
  apiTokensOf(accountId: number): Promise<ApiTokenRow[]> {
    return this.repo.apiTokensOf(accountId, 100);
  }

  /** API tokens of every account, newest first, `limit` from `offset`, and how many in all (never their hashes). */
  listApiTokens(limit: number, offset: number): Promise<{ rows: ApiTokenRow[]; total: number }> {
    return this.repo.listApiTokens(limit, offset);
  }

  /**
   * Retention (src/ops/cleanup.ts): delete the mailed verification and reset links that expired before `before`
   * (a link followed after that reads as unknown rather than expired). Returns how many.
   */
  purgeExpiredTokens(before: Date): Promise<number> {
    return this.repo.deleteTokensExpiredBefore(before);
  }

  /** One API token (never its hash), or null. */
  apiTokenById(id: number): Promise<ApiTokenRow | null> {
    return this.repo.apiTokenById(id);
  }

  /**
   * Staff: move `account` to another state with its audit row, in one
   * transaction (a guarded UPDATE: false when the account was no longer in
   * one of `change.from`, nothing written). Sessions are the caller's to end
   * after (AuthService.endSessions; the session store is outside the database).
   */
  async changeState(account: Account, change: StateChange, actor: Actor): Promise<boolean> {
    const now = this.deps.clock.now();
    const fields: Record<string, unknown> = {};
    if (change.verified) fields.verified_at = now.toISOString();
    if (change.stateReason !== undefined) fields.state_reason = change.stateReason;
    return this.deps.db.transaction(async (trx) => {
      const repo = this.repo.with(trx);
      if (!(await repo.transition(account.id, change.from, change.to, fields, now))) return false;
      if (change.anonymise) await repo.anonymise(account.id, now);
      await this.deps.audit.record(trx, actor, change.action, { type: 'account', id: account.id }, change.details);
      return true;
    });
  }

  /** Staff: change the role of `account` with the audit row `action` in one transaction; false when its role changed meanwhile. */
  async changeRole(account: Account, role: Role, actor: Actor, action: string): Promise<boolean> {
    const now = this.deps.clock.now();
    return this.deps.db.transaction(async (trx) => {
      if (!(await this.repo.with(trx).changeRole(account.id, account.role, role, now))) return false;
      await this.deps.audit.record(trx, actor, action, { type: 'account', id: account.id }, { from: account.role, to: role });
      return true;
    });
  }

  /**
   * Create a partner account (pending verification) and mail the link; a
   * known address gets a notice instead. Two registrations of one address at
   * once: the loser's insert breaks the unique e-mail index, and it is then
   * answered as a known address (never a 500).
   */
  async register(input: Registration, locale: Locale, from: Actor, role: 'partner' | 'customer' = 'partner'): Promise<void> {
    const { clock, db, audit } = this.deps;
    const passwordHash = await hashPassword(input.password);
    const existing = await this.repo.byEmail(input.email);
    if (existing) return this.registerExisting(existing, from);
    const now = clock.now();
    let account: Account;
    try {
      account = await db.transaction(async (trx) => {
        const created = await this.repo.with(trx).insert({
          email: input.email, passwordHash, role, state: 'pending_verification', company: input.company, name: input.name,
          phone: input.phone, country: input.country, locale, termsAcceptedAt: now, verifiedAt: null,
        }, now);
        await audit.record(trx, actingAs(from, created), 'account.registered', { type: 'account', id: created.id }, { ref: created.publicRef ?? '' });
        return created;
      });
    } catch (err) {
      const winner = isUniqueViolation(err) ? await this.repo.byEmail(input.email) : null;
      if (!winner) throw err;
      return this.registerExisting(winner, from);
    }
    await this.sendVerification(account);
  }

  /** The answer to a registration of a known address: a new link when it is pending, else a notice to the owner. */
  private async registerExisting(existing: Account, from: Actor): Promise<void> {
    await this.deps.audit.record(this.deps.db, from, 'account.register_existing', { type: 'account', id: existing.id });
    if (existing.state === 'pending_verification') await this.sendVerification(existing);
    else this.deps.mails.sendLater('already_registered', existing.email, existing.locale, '/subscription/login');
  }

  private async sendVerification(account: Account): Promise<void> {
    const token = await this.issueToken(account, 'verify', VERIFY_TTL_SECONDS);
    this.deps.mails.sendLater('verify', account.email, account.locale, `/subscription/verify?token=${token}`, { hours: 24 });
  }

  /** A new mailed-link token for `account` (older unused ones of the purpose expire); `repo` may be in a transaction. */
  private async issueToken(account: Account, purpose: TokenPurpose, ttl: number, repo = this.repo): Promise<string> {
    const now = this.deps.clock.now();
    const token = newToken();
    await repo.expireTokens(account.id, purpose, now);
    await repo.insertToken(account.id, purpose, hashToken(token), new Date(now.getTime() + ttl * 1000), now);
    return token;
  }

  /**
   * Staff: mail `account` a new verification link (24 h), with the audit row
   * `action` in the same transaction as the token. False (nothing done) when
   * the account is not pending verification.
   */
  async sendVerificationFor(account: Account, from: Actor, action: string): Promise<boolean> {
    if (account.state !== 'pending_verification') return false;
    const token = await this.deps.db.transaction(async (trx) => {
      const issued = await this.issueToken(account, 'verify', VERIFY_TTL_SECONDS, this.repo.with(trx));
      await this.deps.audit.record(trx, from, action, { type: 'account', id: account.id }, { email: account.email });
      return issued;
    });
    this.deps.mails.sendLater('verify', account.email, account.locale, `/subscription/verify?token=${token}`, { hours: 24 });
    return true;
  }

  /**
   * Staff: mail `account` a password reset link (30 min), with the audit row
   * `action` in the same transaction as the token. False (nothing done) for a
   * closed account.
   */
  async sendResetFor(account: Account, from: Actor, action: string): Promise<boolean> {
    if (account.state === 'closed') return false;
    const token = await this.deps.db.transaction(async (trx) => {
      const issued = await this.issueToken(account, 'reset', RESET_TTL_SECONDS, this.repo.with(trx));
      await this.deps.audit.record(trx, from, action, { type: 'account', id: account.id }, { email: account.email });
      return issued;
    });
    this.deps.mails.sendLater('reset', account.email, account.locale, `/subscription/reset?token=${token}`, { minutes: 30 });
    return true;
  }

  /** Look a mailed token up without using it. */
  async checkToken(token: unknown, purpose: TokenPurpose): Promise<TokenCheck> {
    if (!looksLikeToken(token)) return { ok: false, reason: 'invalid' };
    const found = await this.repo.tokenByHash(hashToken(token), purpose);
    if (!found) return { ok: false, reason: 'invalid' };
    if (found.usedAt) return { ok: false, reason: 'used' };
    if (found.expiresAt <= this.deps.clock.now()) return { ok: false, reason: 'expired' };
    const account = await this.repo.byId(found.accountId);
    if (!account || account.state === 'closed') return { ok: false, reason: 'invalid' };
    return { ok: true, account, tokenId: found.id };
  }

  /** Use a verification token: the account becomes active. */
  async verify(token: unknown, from: Actor): Promise<TokenCheck> {
    const check = await this.checkToken(token, 'verify');
    if (!check.ok) return check;
    const now = this.deps.clock.now();
    const used = await this.deps.db.transaction(async (trx) => {
      if (!(await this.repo.with(trx).useToken(check.tokenId, now))) return false;
      if (check.account.state === 'pending_verification') {
        await this.repo.with(trx).update(check.account.id, { state: 'active', verified_at: now.toISOString() }, now);
      }
      await this.deps.audit.record(trx, actingAs(from, check.account), 'account.verified', { type: 'account', id: check.account.id });
      return true;
    });
    return used ? check : { ok: false, reason: 'used' };
  }

  /** Mail a new verification link when the address is pending; otherwise nothing (same answer). */
  async resendVerification(email: string, from: Actor): Promise<void> {
    const account = await this.repo.byEmail(email);
    if (account?.state !== 'pending_verification') return;
    await this.deps.audit.record(this.deps.db, from, 'account.verification_resent', { type: 'account', id: account.id });
    await this.sendVerification(account);
  }

  /**
   * Mail a reset link when the address belongs to an active or pending
   * account. Known and unknown addresses cost the same: the same statements
   * in one transaction (lookup, expiry of older links, INSERT … SELECT of the
   * token that inserts nothing for account 0, audit row) and a mail handed to
   * `later` in both cases, which the caller runs after its answer is sent
   * (default: setImmediate), so rendering and sending the mail never delay it.
   */
  async forgot(email: string, from: Actor, later: (work: () => void) => void = setImmediate): Promise<void> {
    const found = await this.repo.byEmail(email);
    const account = found && found.state !== 'closed' ? found : null;
    const now = this.deps.clock.now();
    const token = newToken();
    const expires = new Date(now.getTime() + RESET_TTL_SECONDS * 1000);
    await this.deps.db.transaction(async (trx) => {
      const repo = this.repo.with(trx);
      await repo.expireTokens(account?.id ?? 0, 'reset', now);
      await repo.insertTokenIfAccount(account?.id ?? 0, 'reset', hashToken(token), expires, now);
      const target = account ? { type: 'account', id: account.id } : null;
      await this.deps.audit.record(trx, from, account ? 'password.reset_requested' : 'password.reset_requested_unknown', target);
    });
    later(() => {
      if (account) this.deps.mails.sendLater('reset', account.email, account.locale, `/subscription/reset?token=${token}`, { minutes: 30 });
    });
  }

  /** Use a reset token: new password, lockout cleared, every session ended, owner notified. */
  async reset(token: unknown, password: string, from: Actor): Promise<TokenCheck> {
    const check = await this.checkToken(token, 'reset');
    if (!check.ok) return check;
    const hash = await hashPassword(password);
    const now = this.deps.clock.now();
    const used = await this.deps.db.transaction(async (trx) => {
      if (!(await this.repo.with(trx).useToken(check.tokenId, now))) return false;
      const reset = { password_hash: hash, failed_logins: 0, lockouts: 0, locked_until: null, password_change_failures: 0 };
      await this.repo.with(trx).update(check.account.id, reset, now);
      await this.deps.audit.record(trx, actingAs(from, check.account), 'password.reset', { type: 'account', id: check.account.id });
      return true;
    });
    if (!used) return { ok: false, reason: 'used' };
    await this.deps.auth.endSessions(check.account.id, 'password_reset');
    this.deps.mails.sendLater('password_changed', check.account.email, check.account.locale, '/subscription/forgot');
    return check;
  }

  /** Change profile fields (never e-mail, role or state). */
  async updateProfile(account: Account, fields: ProfileFields, from: Actor): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.db.transaction(async (trx) => {
      const { vatNumber, ...columns } = fields;
      await this.repo.with(trx).update(account.id, { ...columns, vat_number: vatNumber }, now);
      await this.deps.audit.record(trx, from, 'account.profile_changed', { type: 'account', id: account.id }, { fields: Object.keys(fields).join(', ') });
    });
  }

  /**
   * Change the password after checking the current one; ends the other
   * sessions. A wrong current password (or any while the account is locked)
   * counts as a failed login (AuthService.fail: same counter and lockout) and
   * toward the per-account limit of 5; at the limit every session of the
   * account ends (a stolen session cannot go on guessing).
   * @returns `changed`, `wrong` (try again) or `ended` (the sessions ended).
   */
  async changePassword(account: Account, current: string, next: string, keepSid: string, from: Actor): Promise<'changed' | 'wrong' | 'ended'> {
    const locked = account.lockedUntil !== null && account.lockedUntil > this.deps.clock.now();
    const matches = await verifyPassword(account.passwordHash, current);
    if (locked || !matches) {
      const { passwordChangeLimit } = await this.deps.auth.fail(account, from, 'password_change');
      if (!passwordChangeLimit) return 'wrong';
      await this.deps.auth.endSessions(account.id, 'password_attempts');
      return 'ended';
    }
    const hash = await hashPassword(next);
    const now = this.deps.clock.now();
    await this.deps.db.transaction(async (trx) => {
      await this.repo.with(trx).update(account.id, { password_hash: hash, password_change_failures: 0 }, now);
      await this.deps.audit.record(trx, from, 'password.changed', { type: 'account', id: account.id });
    });
    await this.deps.auth.endSessions(account.id, 'password_changed', keepSid);
    this.deps.mails.sendLater('password_changed', account.email, account.locale, '/subscription/forgot');
    return 'changed';
  }

  /** Create an active staff account (CLI). @throws Error when the address is taken. */
  async createStaff(email: string, password: string, role: Exclude<Role, 'partner'>, from: Actor): Promise<Account> {
    if (await this.repo.byEmail(email)) throw new Error(`an account already uses ${normaliseEmail(email)}`);
    const hash = await hashPassword(password);
    const now = this.deps.clock.now();
    return this.deps.db.transaction(async (trx) => {
      const account = await this.repo.with(trx).insert({
        email, passwordHash: hash, role, state: 'active', company: '', name: '', phone: '', country: '', locale: 'fr', termsAcceptedAt: null, verifiedAt: now,
      }, now);
      await this.deps.audit.record(trx, from, 'account.created', { type: 'account', id: account.id }, { role });
      return account;
    });
  }

  /** A new API bearer token (printed or shown once; stored hashed): `andt_` for staff (admin API), `andc_` for a customer (customer API). */
  async createApiToken(account: Account, label: string, from: Actor): Promise<string> {
    if (!TOKEN_ROLES.includes(account.role)) throw new Error('API tokens are for admin, superadmin and customer accounts');
    const token = newToken(account.role === 'customer' ? CUSTOMER_TOKEN_PREFIX : API_TOKEN_PREFIX);
    const now = this.deps.clock.now();
    await this.deps.db.transaction(async (trx) => {
      await this.repo.with(trx).insertApiToken(account.id, hashToken(token), label, now);
      await this.deps.audit.record(trx, from, 'api_token.created', { type: 'account', id: account.id }, { label });
    });
    return token;
  }

  /**
   * Revoke an API bearer token (`api_token.revoked` audit row in the same transaction); false when it already was, or when
   * `ownerId` is given and the token is another account's.
   */
  async revokeApiToken(id: number, from: Actor, ownerId?: number): Promise<boolean> {
    const now = this.deps.clock.now();
    return this.deps.db.transaction(async (trx) => {
      const token = await this.repo.with(trx).apiTokenById(id);
      if (!token || (ownerId !== undefined && token.accountId !== ownerId) || !(await this.repo.with(trx).revokeApiToken(id, now))) return false;
      await this.deps.audit.record(trx, from, 'api_token.revoked', { type: 'api_token', id }, { label: token.label, email: token.ownerEmail });
      return true;
    });
  }
}
