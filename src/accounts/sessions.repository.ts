/** The `account_sessions` table: the server-side record of logged-in sessions. */
import type { Db } from '../platform/db.js';
import { toDate, toDateOrNull } from '../platform/time.js';
import { toAccount, type Account } from './accounts.repository.js';

export interface AccountSession {
  sid: string;
  accountId: number;
  ip: string;
  userAgent: string;
  createdAt: Date;
  lastSeenAt: Date;
  endedAt: Date | null;
  /** Why it ended (`logout`, `timeout`, `suspended`, `password_changed`…), null while live. */
  endReason: string | null;
}

type Row = Record<string, unknown>;

function toSession(r: Row): AccountSession {
  return {
    sid: String(r.sid),
    accountId: Number(r.account_id),
    ip: String(r.ip),
    userAgent: String(r.user_agent),
    createdAt: toDate(r.created_at),
    lastSeenAt: toDate(r.last_seen_at),
    endedAt: toDateOrNull(r.ended_at),
    endReason: (r.end_reason as string | null) ?? null,
  };
}

export class SessionsRepository {
  constructor(private readonly db: Db) {}

  /** The same repository inside transaction `trx`. */
  with(trx: Db): SessionsRepository {
    return new SessionsRepository(trx);
  }

  async insert(s: Pick<AccountSession, 'sid' | 'accountId' | 'ip' | 'userAgent'>, now: Date): Promise<void> {
    await this.db('account_sessions').insert({
      sid: s.sid,
      account_id: s.accountId,
      ip: s.ip,
      user_agent: s.userAgent.slice(0, 512),
      created_at: now.toISOString(),
      last_seen_at: now.toISOString(),
    });
  }

  /** The live session `sid` with its account, in one query. */
  async withAccount(sid: string): Promise<{ session: AccountSession; account: Account } | null> {
    const row = (await this.db('account_sessions as s')
      .join('accounts as a', 'a.id', 's.account_id')
      .where('s.sid', sid)
      .whereNull('s.ended_at')
      .first(
        's.sid', 's.account_id', 's.ip', 's.user_agent', 's.created_at as s_created_at', 's.last_seen_at', 's.ended_at',
        'a.*',
      )) as Row | undefined;
    if (!row) return null;
    return {
      session: toSession({ ...row, created_at: row.s_created_at }),
      account: toAccount({ ...row, id: row.account_id }),
    };
  }

  async touch(sid: string, now: Date): Promise<void> {
    await this.db('account_sessions').where({ sid }).update({ last_seen_at: now.toISOString() });
  }

  /** Live sessions of an account, most recent first. */
  async live(accountId: number): Promise<AccountSession[]> {
    const rows = (await this.db('account_sessions').where({ account_id: accountId }).whereNull('ended_at').orderBy('last_seen_at', 'desc')) as Row[];
    return rows.map(toSession);
  }

  /** The latest `limit` sessions of an account, live or ended, newest first (the admin's login history). */
  async recent(accountId: number, limit = 50): Promise<AccountSession[]> {
    const rows = (await this.db('account_sessions').where({ account_id: accountId }).orderBy('created_at', 'desc').limit(limit)) as Row[];
    return rows.map(toSession);
  }

  /** End live sessions of an account (all, or all but `keepSid`); returns the ended sids. */
  async endAll(accountId: number, reason: string, now: Date, keepSid?: string): Promise<string[]> {
    const q = this.db('account_sessions').where({ account_id: accountId }).whereNull('ended_at');
    if (keepSid) q.whereNot('sid', keepSid);
    const sids = ((await q.clone().select('sid')) as Row[]).map((r) => String(r.sid));
    if (sids.length) await this.db('account_sessions').whereIn('sid', sids).update({ ended_at: now.toISOString(), end_reason: reason });
    return sids;
  }

  /**
   * Delete the sessions ended before `before`, and those never marked ended whose last request was before it (long
   * past their absolute timeout); returns how many.
   */
  async deleteEndedBefore(before: Date): Promise<number> {
    const at = before.toISOString();
    return Number(await this.db('account_sessions')
      .where((w) => w.where('ended_at', '<', at).orWhere((l) => l.whereNull('ended_at').andWhere('last_seen_at', '<', at)))
      .del());
  }

  async end(sid: string, reason: string, now: Date): Promise<void> {
    await this.db('account_sessions').where({ sid }).whereNull('ended_at').update({ ended_at: now.toISOString(), end_reason: reason });
  }
}
