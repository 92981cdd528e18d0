/**
 * `/admin`: the dashboard every staff role sees. Counts (partners by state,
 * units sold this month, recharges today, downloads today) and two charts of
 * the last 30 UTC days (downloads per day; recharges and units per day),
 * drawn by Chart.js served from the app, each beside a table with the same
 * numbers for readers without JavaScript.
 */
import { Router, type Request, type Response } from 'express';
import type { AdminDeps } from '../context.js';
import { staffOnly } from '../shared.js';
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

export function createAdminDashboardRouter(deps: AdminDeps): Router {
  const repo = new DashboardRepository(deps.db);
  const router = Router();
  router.get('/admin', staffOnly, async (req: Request, res: Response) => {
    const now = deps.clock.now();
    const days = lastDays(now);
    const today = new Date(`${days.at(-1)!}T00:00:00Z`);
    const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const first = new Date(`${days[0]!}T00:00:00Z`);
    const [byState, totals, downloadsToday, downloads, recharges] = await Promise.all([
      repo.partnersByState(),
      repo.rechargeTotals(monthStart, today),
      repo.downloadsSince(today),
      repo.downloadsPerDay(first),
      repo.rechargesPerDay(first),
    ]);
    const series: DashboardDay[] = days.map((day) => ({
      day,
      downloads: downloads.get(day)?.count ?? 0,
      recharges: recharges.get(day)?.count ?? 0,
      units: recharges.get(day)?.units ?? 0,
    }));
    res.render('admin/dashboard', {
      title: req.t('admin:dashboard.title'),
      byState,
      partnersTotal: Object.values(byState).reduce((a, b) => a + b, 0),
      unitsThisMonth: totals.units,
      rechargesToday: totals.rechargesToday,
      downloadsToday,
      series,
    });
  });
  return router;
}
