/**
 * The admin's read of `accounts` for /admin/partners: the partners list
 * (search, state filter, sort, pages; balance from the last ledger row).
 * The state and role changes are written by AccountsService (one writer per
 * table, DESIGN.md rule 11).
 */
import type { AccountState } from '../../accounts/index.js';
import type { Db } from '../../platform/db.js';
import { toDate, toDateOrNull } from '../../platform/time.js';
import { likePattern } from '../shared.js';

/** Sort keys of the list, default first (created_at, newest first). */
export const PARTNER_SORTS = ['created_at', 'company', 'email', 'balance', 'last_login_at'] as const;

export interface PartnerFilter {
  /** Search text over company, name, e-mail and phone ('' = none). */
  q: string;
  /** One of the account states, or '' for all. */
  state: string;
}

/** One row of the list (and of the CSV export); `balance` in units. */
export interface PartnerRow {
  id: number;
  publicRef: string | null;
  company: string;
  name: string;
  email: string;
  phone: string;
  country: string;
  state: AccountState;
  balance: number;
  createdAt: Date;
  lastLoginAt: Date | null;
}


type Row = Record<string, unknown>;

const BALANCE_SQL = '(select le.balance_after from ledger_entries le where le.account_id = a.id order by le.id desc limit 1)';

export class PartnersRepository {
  constructor(private readonly db: Db) {}

  with(trx: Db): PartnersRepository {
    return new PartnersRepository(trx);
  }

  private filtered(f: PartnerFilter) {
    const q = this.db('accounts as a').where('a.role', 'partner');
    if (f.state) q.where('a.state', f.state);
    if (f.q) {
      const like = likePattern(f.q);
      q.where((w) => {
        for (const col of ['a.company', 'a.name', 'a.email', 'a.phone']) w.orWhereRaw(`lower(${col}) like ? escape '\\'`, [like]);
      });
    }
    return q;
  }

  /** Partners matching `f`, sorted by `sort` (`dir`), `limit` from `offset`; and how many match in all. */
  async list(f: PartnerFilter, sort: string, dir: 'asc' | 'desc', limit: number, offset: number): Promise<{ rows: PartnerRow[]; total: number }> {
    const [count] = (await this.filtered(f).count({ n: '*' })) as { n: unknown }[];
    const q = this.filtered(f).select(
      'a.id', 'a.public_ref', 'a.company', 'a.name', 'a.email', 'a.phone', 'a.country', 'a.state', 'a.created_at', 'a.last_login_at',
      this.db.raw(`coalesce(${BALANCE_SQL}, 0) as balance`),
    );
    const d = dir === 'asc' ? 'asc' : 'desc';
    if (sort === 'balance') q.orderByRaw(`coalesce(${BALANCE_SQL}, 0) ${d}`);
    else if (sort === 'last_login_at') q.orderByRaw(`case when a.last_login_at is null then 1 else 0 end, a.last_login_at ${d}`);
    else if (sort === 'company' || sort === 'email') q.orderByRaw(`lower(a.${sort}) ${d}`);
    else q.orderBy('a.created_at', d);
    const rows = (await q.orderBy('a.id', d).limit(limit).offset(offset)) as Row[];
    return { rows: rows.map(toRow), total: Number(count?.n ?? 0) };
  }
}

function toRow(r: Row): PartnerRow {
  return {
    id: Number(r.id), publicRef: (r.public_ref as string | null) ?? null, company: String(r.company), name: String(r.name), email: String(r.email),
    phone: String(r.phone), country: String(r.country), state: r.state as AccountState, balance: Number(r.balance ?? 0),
    createdAt: toDate(r.created_at), lastLoginAt: toDateOrNull(r.last_login_at),
  };
}

