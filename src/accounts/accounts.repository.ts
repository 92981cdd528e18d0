/**
 * The `accounts` and `account_tokens` tables. E-mails are stored lower-cased
 * and trimmed (the unique key). Timestamps are ISO strings (src/platform/time).
 */
import type { Db } from '../platform/db.js';
import { toDate, toDateOrNull } from '../platform/time.js';

export const ROLES = ['partner', 'customer', 'support', 'admin', 'superadmin'] as const;
export type Role = (typeof ROLES)[number];
export const STATES = ['pending_verification', 'active', 'suspended', 'closed'] as const;
export type AccountState = (typeof STATES)[number];
export type TokenPurpose = 'verify' | 'reset';
/** What an anonymised account keeps of its personal data. */
export const ANONYMISED_NAME = 'Anonymised';
/** A stored password hash no password can match (not an argon2 string). */
export const UNUSABLE_PASSWORD_HASH = '!closed';

export interface Account {
  id: number;
  email: string;
  passwordHash: string;
  role: Role;
  state: AccountState;
  publicRef: string | null;
  company: string;
  name: string;
  phone: string;
  country: string;
  /** Postal address for invoices (several lines), null when never given. */
  address: string | null;
  /** Intra-EU VAT number (e.g. `BE0123456789`, no spaces), null when none: decides reverse charge on invoices. */
  vatNumber: string | null;
  locale: 'fr' | 'en';
  stateReason: string | null;
  failedLogins: number;
  lockouts: number;
  lockedUntil: Date | null;
  verifiedAt: Date | null;
  lastLoginAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewAccount {
  email: string;
  passwordHash: string;
  role: Role;
  state: AccountState;
  company: string;
  name: string;
  phone: string;
  country: string;
  locale: 'fr' | 'en';
  termsAcceptedAt: Date | null;
  verifiedAt: Date | null;
}

export type ProfileFields = Pick<Account, 'company' | 'name' | 'phone' | 'country' | 'locale' | 'address' | 'vatNumber'>;

type Row = Record<string, unknown>;

/** An admin API bearer token as the admin pages list it (its hash is never read back). */
export interface ApiTokenRow {
  id: number;
  accountId: number;
  ownerEmail: string;
  label: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

function toApiTokenRow(r: Row): ApiTokenRow {
  return {
    id: Number(r.id), accountId: Number(r.account_id), ownerEmail: String(r.email), label: String(r.label ?? ''),
    createdAt: toDate(r.created_at), lastUsedAt: toDateOrNull(r.last_used_at), revokedAt: toDateOrNull(r.revoked_at),
  };
}

export function toAccount(r: Row): Account {
  return {
    id: Number(r.id),
    email: String(r.email),
    passwordHash: String(r.password_hash),
    role: r.role as Role,
    state: r.state as AccountState,
    publicRef: (r.public_ref as string | null) ?? null,
    company: String(r.company),
    name: String(r.name),
    phone: String(r.phone),
    country: String(r.country),
    address: (r.address as string | null | undefined) ?? null,
    vatNumber: (r.vat_number as string | null | undefined) ?? null,
    locale: r.locale === 'en' ? 'en' : 'fr',
    stateReason: (r.state_reason as string | null) ?? null,
    failedLogins: Number(r.failed_logins),
    lockouts: Number(r.lockouts),
    lockedUntil: toDateOrNull(r.locked_until),
    verifiedAt: toDateOrNull(r.verified_at),
    lastLoginAt: toDateOrNull(r.last_login_at),
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  };
}

/** Normalise an e-mail for lookups and storage. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export class AccountsRepository {
  constructor(private readonly db: Db) {}

  /** The same repository inside transaction `trx`. */
  with(trx: Db): AccountsRepository {
    return new AccountsRepository(trx);
  }

  async byId(id: number): Promise<Account | null> {
    const row = (await this.db('accounts').where({ id }).first()) as Row | undefined;
    return row ? toAccount(row) : null;
  }

  async byEmail(email: string): Promise<Account | null> {
    const row = (await this.db('accounts').where({ email: normaliseEmail(email) }).first()) as Row | undefined;
    return row ? toAccount(row) : null;
  }

  /** Insert an account; partners get their public reference PTN-0001… from their id. */
  async insert(a: NewAccount, now: Date): Promise<Account> {
    const [row] = (await this.db('accounts')
      .insert({
        email: normaliseEmail(a.email),
        password_hash: a.passwordHash,
        role: a.role,
        state: a.state,
        company: a.company,
        name: a.name,
        phone: a.phone,
        country: a.country,
        locale: a.locale,
        terms_accepted_at: a.termsAcceptedAt?.toISOString() ?? null,
        verified_at: a.verifiedAt?.toISOString() ?? null,
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
      })
      .returning('*')) as Row[];
    const account = toAccount(row!);
    if (account.role !== 'partner') return account;
    const publicRef = `PTN-${String(account.id).padStart(4, '0')}`;
    await this.db('accounts').where({ id: account.id }).update({ public_ref: publicRef });
    return { ...account, publicRef };
  }

  async update(id: number, fields: Record<string, unknown>, now: Date): Promise<void> {
    await this.db('accounts').where({ id }).update({ ...fields, updated_at: now.toISOString() });
  }

  /**
   * Move account `id` from state `from` to `to`, with `fields` (column →
   * value) set too, in one `UPDATE … WHERE state IN (from)` (two admins acting
   * at once cannot both win). False when the account was not in `from` (nothing written).
   */
  async transition(id: number, from: readonly AccountState[], to: AccountState, fields: Record<string, unknown>, now: Date): Promise<boolean> {
    const n = await this.db('accounts').where({ id }).whereIn('state', [...from]).update({ ...fields, state: to, updated_at: now.toISOString() });
    return Number(n) === 1;
  }

  /** Change the role; a new partner gets its public reference if it had none. False when the role was not `from`. */
  async changeRole(id: number, from: Role, to: Role, now: Date): Promise<boolean> {
    const n = await this.db('accounts').where({ id, role: from }).update({ role: to, updated_at: now.toISOString() });
    if (Number(n) !== 1) return false;
    if (to === 'partner') await this.db('accounts').where({ id }).whereNull('public_ref').update({ public_ref: `PTN-${String(id).padStart(4, '0')}` });
    return true;
  }

  /**
   * Blank the personal data of a closed account: company and phone emptied,
   * name `Anonymised`, e-mail `closed-<id>@invalid` (still unique), password
   * unusable, its pending mailed links spent. Ledger, recharges and audit rows stay.
   */
  async anonymise(id: number, now: Date): Promise<void> {
    await this.db('accounts').where({ id }).update({
      company: '', name: ANONYMISED_NAME, phone: '', email: `closed-${id}@invalid`, password_hash: UNUSABLE_PASSWORD_HASH, updated_at: now.toISOString(),
    });
    await this.db('account_tokens').where({ account_id: id }).whereNull('used_at').update({ used_at: now.toISOString() });
  }

  /**
   * Add one failed password check atomically (the increment locks the row on
   * PostgreSQL until the transaction ends); `passwordChange` counts it as a
   * wrong current password of the password-change form too. Returns the new
   * counters and the lockouts so far, read under that lock.
   */
  async addFailedLogin(id: number, passwordChange = false): Promise<{ failedLogins: number; passwordChangeFailures: number; lockouts: number }> {
    await this.db('accounts').where({ id }).increment({ failed_logins: 1, password_change_failures: passwordChange ? 1 : 0 });
    const row = (await this.db('accounts').where({ id }).first('failed_logins', 'password_change_failures', 'lockouts')) as Row;
    return { failedLogins: Number(row.failed_logins), passwordChangeFailures: Number(row.password_change_failures), lockouts: Number(row.lockouts) };
  }

  async insertToken(accountId: number, purpose: TokenPurpose, tokenHash: string, expiresAt: Date, now: Date): Promise<void> {
    await this.db('account_tokens').insert({
      account_id: accountId,
      purpose,
      token_hash: tokenHash,
      expires_at: expiresAt.toISOString(),
      created_at: now.toISOString(),
    });
  }

  /**
   * Insert a token for account `accountId` if that account exists, in one
   * statement (INSERT … SELECT): for an unknown address the caller passes 0
   * and the database does the same work, inserting nothing.
   */
  async insertTokenIfAccount(accountId: number, purpose: TokenPurpose, tokenHash: string, expiresAt: Date, now: Date): Promise<void> {
    await this.db.raw(
      'insert into account_tokens (account_id, purpose, token_hash, expires_at, created_at) select id, ?, ?, ?, ? from accounts where id = ?',
      [purpose, tokenHash, expiresAt.toISOString(), now.toISOString(), accountId],
    );
  }

  async tokenByHash(tokenHash: string, purpose: TokenPurpose): Promise<{ id: number; accountId: number; expiresAt: Date; usedAt: Date | null } | null> {
    const row = (await this.db('account_tokens').where({ token_hash: tokenHash, purpose }).first()) as Row | undefined;
    if (!row) return null;
    return { id: Number(row.id), accountId: Number(row.account_id), expiresAt: toDate(row.expires_at), usedAt: toDateOrNull(row.used_at) };
  }

  /** Mark a token used; false when it already was (a concurrent use won). */
  async useToken(id: number, now: Date): Promise<boolean> {
    const n = await this.db('account_tokens').where({ id }).whereNull('used_at').update({ used_at: now.toISOString() });
    return Number(n) === 1;
  }

  /** Delete the mailed links (verify, reset) that expired before `before`; returns how many. */
  async deleteTokensExpiredBefore(before: Date): Promise<number> {
    return Number(await this.db('account_tokens').where('expires_at', '<', before.toISOString()).del());
  }

  /** Invalidate the unused tokens of an account for a purpose (a newer link replaces them). */
  async expireTokens(accountId: number, purpose: TokenPurpose, now: Date): Promise<void> {
    await this.db('account_tokens').where({ account_id: accountId, purpose }).whereNull('used_at').update({ used_at: now.toISOString() });
  }

  async insertApiToken(accountId: number, tokenHash: string, label: string, now: Date): Promise<void> {
    await this.db('api_tokens').insert({ account_id: accountId, token_hash: tokenHash, label, created_at: now.toISOString() });
  }

  /** API tokens of every account, newest first, with their owner's e-mail; `limit` from `offset`; and how many in all. */
  async listApiTokens(limit: number, offset: number): Promise<{ rows: ApiTokenRow[]; total: number }> {
    const [count] = (await this.db('api_tokens').count({ n: '*' })) as { n: unknown }[];
    const rows = (await this.db('api_tokens as t').join('accounts as a', 'a.id', 't.account_id')
      .select('t.id', 't.account_id', 't.label', 't.created_at', 't.last_used_at', 't.revoked_at', 'a.email')
      .orderBy('t.id', 'desc').limit(limit).offset(offset)) as Row[];
    return { rows: rows.map(toApiTokenRow), total: Number(count?.n ?? 0) };
  }

  /** One API token (never its hash), or null. */
  async apiTokenById(id: number): Promise<ApiTokenRow | null> {
    const row = (await this.db('api_tokens as t').join('accounts as a', 'a.id', 't.account_id').where('t.id', id)
      .first('t.id', 't.account_id', 't.label', 't.created_at', 't.last_used_at', 't.revoked_at', 'a.email')) as Row | undefined;
    return row ? toApiTokenRow(row) : null;
  }

  /** Revoke an API token; false when it already was (or does not exist). */
  async revokeApiToken(id: number, now: Date): Promise<boolean> {
    const n = await this.db('api_tokens').where({ id }).whereNull('revoked_at').update({ revoked_at: now.toISOString() });
    return Number(n) === 1;
  }

  /** The unrevoked API tokens of one account, newest first, at most `limit`. */
  async apiTokensOf(accountId: number, limit: number): Promise<ApiTokenRow[]> {
    const rows = (await this.db('api_tokens as t').join('accounts as a', 'a.id', 't.account_id').where('t.account_id', accountId).whereNull('t.revoked_at')
      .select('t.id', 't.account_id', 't.label', 't.created_at', 't.last_used_at', 't.revoked_at', 'a.email')
      .orderBy('t.id', 'desc').limit(limit)) as Row[];
    return rows.map(toApiTokenRow);
  }

  /** The active account with one of `roles` owning an unrevoked bearer token (by its hash), or null. */
  async byApiToken(tokenHash: string, now: Date, roles: readonly Role[]): Promise<Account | null> {
    const row = (await this.db('api_tokens as t')
      .join('accounts as a', 'a.id', 't.account_id')
      .where('t.token_hash', tokenHash)
      .whereNull('t.revoked_at')
      .where('a.state', 'active')
      .whereIn('a.role', roles)
      .first('a.*', 't.id as token_id')) as Row | undefined;
    if (!row) return null;
    await this.db('api_tokens').where({ id: row.token_id }).update({ last_used_at: now.toISOString() });
    return toAccount(row);
  }
}
