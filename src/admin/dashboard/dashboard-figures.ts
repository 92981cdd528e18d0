/**
 * The dashboard's figures (nothing here writes): partners by state, units
 * sold this month, recharges and downloads today, and per UTC day of the
 * last 30 the downloads, recharges and units.
 */
import type { Db } from '../../platform/db.js';
import { DashboardRepository } from './dashboard.repository.js';

export const DASHBOARD_DAYS = 30;

/** The last `n` UTC days ending today, oldest first, as `YYYY-MM-DD`. */
export function lastDays(now: Date, n = DASHBOARD_DAYS): string[] {
  const out: string[] = [];
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  for (let i = n - 1; i >= 0; i--) out.push(new Date(today - i * 86_400_000).toISOString().slice(0, 10));
  return out;
}

/** One day of the dashboard series. */
export interface DashboardDay {
  day: string;
  downloads: number;
  recharges: number;
  /** Units recharged that day. */
  units: number;
}

export interface DashboardFigures {
  /** Partner accounts per state. */
  byState: Record<string, number>;
  unitsThisMonth: number;
  rechargesToday: number;
  downloadsToday: number;
  /** The last DASHBOARD_DAYS days, oldest first. */
  series: DashboardDay[];
}

export class Dashboard {
  private readonly repo: DashboardRepository;

  constructor(db: Db) {
    this.repo = new DashboardRepository(db);
  }

  /** The figures at `now` (days are UTC). */
  async figures(now: Date): Promise<DashboardFigures> {
    const days = lastDays(now);
    const today = new Date(`${days.at(-1)!}T00:00:00Z`);
    const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const first = new Date(`${days[0]!}T00:00:00Z`);
    const [byState, totals, downloadsToday, downloads, recharges] = await Promise.all([
      this.repo.partnersByState(), this.repo.rechargeTotals(monthStart, today), this.repo.downloadsSince(today),
      this.repo.downloadsPerDay(first), this.repo.rechargesPerDay(first),
    ]);
    const series = days.map((day) => ({
      day, downloads: downloads.get(day)?.count ?? 0, recharges: recharges.get(day)?.count ?? 0, units: recharges.get(day)?.units ?? 0,
    }));
    return { byState, unitsThisMonth: totals.units, rechargesToday: totals.rechargesToday, downloadsToday, series };
  }
}
