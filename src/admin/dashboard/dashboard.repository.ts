/**
 * The admin dashboard's figures, each one grouped query (no row is loaded to
 * be counted in JavaScript). Days are UTC calendar days, `YYYY-MM-DD`.
 */
import { isSqlite, type Db } from '../../platform/db.js';

/** Counts per day over a range: day (`YYYY-MM-DD`) → values. */
export type DailySeries = Map<string, { count: number; units: number }>;

export class DashboardRepository {
  constructor(private readonly db: Db) {}

  /** SQL giving a timestamp column's UTC day as `YYYY-MM-DD` (text on SQLite, timestamptz on PostgreSQL). */
  private day(column: string): string {
    return isSqlite(this.db) ? `substr(${column}, 1, 10)` : `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD')`;
  }

  /** Partner accounts per state (`active`, `suspended`, …) → count. */
  async partnersByState(): Promise<Record<string, number>> {
    const rows = (await this.db('accounts').where('role', 'partner').groupBy('state').select('state').count({ n: '*' })) as { state: string; n: unknown }[];
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }

  /** Units of the issued (not revoked) recharges since `from` (units), and how many issued (not revoked) recharges since `today`. */
  async rechargeTotals(from: Date, today: Date): Promise<{ units: number; rechargesToday: number }> {
    const [units] = (await this.db('recharges').where('state', 'issued').where('issued_at', '>=', from.toISOString()).sum({ s: 'units' })) as { s: unknown }[];
    const [count] = (await this.db('recharges').where('state', 'issued').where('issued_at', '>=', today.toISOString()).count({ n: '*' })) as { n: unknown }[];
    return { units: Number(units?.s ?? 0), rechargesToday: Number(count?.n ?? 0) };
  }

  /** Counted downloads (the ones the hourly limit counts: one per file transfer started) since `from`. */
  async downloadsSince(from: Date): Promise<number> {
    const [row] = (await this.db('downloads').where('counted', true).where('started_at', '>=', from.toISOString()).count({ n: '*' })) as { n: unknown }[];
    return Number(row?.n ?? 0);
  }

  /** Counted downloads per UTC day since `from`. */
  async downloadsPerDay(from: Date): Promise<DailySeries> {
    const d = this.day('started_at');
    const rows = (await this.db('downloads').where('counted', true).where('started_at', '>=', from.toISOString())
      .select(this.db.raw(`${d} as day`)).count({ n: '*' }).groupByRaw(d)) as { day: string; n: unknown }[];
    return new Map(rows.map((r) => [r.day, { count: Number(r.n), units: 0 }]));
  }

  /** Issued (not revoked) recharges and their units per UTC day since `from`. */
  async rechargesPerDay(from: Date): Promise<DailySeries> {
    const d = this.day('issued_at');
    const rows = (await this.db('recharges').where('state', 'issued').where('issued_at', '>=', from.toISOString())
      .select(this.db.raw(`${d} as day`)).count({ n: '*' }).sum({ u: 'units' }).groupByRaw(d)) as { day: string; n: unknown; u: unknown }[];
    return new Map(rows.map((r) => [r.day, { count: Number(r.n), units: Number(r.u ?? 0) }]));
  }
}
