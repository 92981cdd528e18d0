/**
 * The admin's reads for the shop pages: the customers list (accounts of role
 * customer, with how many orders each placed) and the distinct release
 * products (the listing form's choice). Writes go through AccountsService
 * and the shop's services (one writer per table, DESIGN.md rule 11).
 */
import type { AccountState } from '../../accounts/index.js';
import type { Db } from '../../platform/db.js';
import { toDate, toDateOrNull } from '../../platform/time.js';
import { likePattern } from '../shared.js';

/** One row of the customers list. */
export interface CustomerRow {
  id: number;
  email: string;
  name: string;
  company: string;
  country: string;
  state: AccountState;
  orders: number;
  createdAt: Date;
  lastLoginAt: Date | null;
}

type Row = Record<string, unknown>;

export class ShopAdminRepository {
  constructor(private readonly db: Db) {}

  private customers(q: string) {
    const query = this.db('accounts as a').where('a.role', 'customer');
    if (q) {
      const like = likePattern(q);
      query.where((w) => {
        for (const col of ['a.email', 'a.name', 'a.company']) w.orWhereRaw(`lower(${col}) like ? escape '\\'`, [like]);
      });
    }
    return query;
  }

  /** Customers whose e-mail, name or company contains `q`, newest first, `limit` from `offset`; and how many in all. */
  async listCustomers(q: string, limit: number, offset: number): Promise<{ rows: CustomerRow[]; total: number }> {
    const [count] = (await this.customers(q).count({ n: '*' })) as { n: unknown }[];
    const rows = (await this.customers(q).select('a.id', 'a.email', 'a.name', 'a.company', 'a.country', 'a.state', 'a.created_at', 'a.last_login_at',
      this.db.raw('(select count(*) from orders o where o.account_id = a.id) as orders'))
      .orderBy('a.id', 'desc').limit(limit).offset(offset)) as Row[];
    return {
      total: Number(count?.n ?? 0),
      rows: rows.map((r) => ({
        id: Number(r.id), email: String(r.email), name: String(r.name ?? ''), company: String(r.company ?? ''), country: String(r.country ?? ''),
        state: r.state as AccountState, orders: Number(r.orders), createdAt: toDate(r.created_at), lastLoginAt: toDateOrNull(r.last_login_at),
      })),
    };
  }

  /** The distinct `releases.product` values, sorted. */
  async releaseProducts(): Promise<string[]> {
    const rows = (await this.db('releases').distinct('product').orderBy('product')) as Row[];
    return rows.map((r) => String(r.product));
  }
}
