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
import { Dashboard } from './dashboard-figures.js';

export { DASHBOARD_DAYS, lastDays, type DashboardDay } from './dashboard-figures.js';

export function createAdminDashboardRouter(deps: AdminDeps): Router {
  const dashboard = new Dashboard(deps.db);
  const router = Router();
  router.get('/admin', staffOnly, async (req: Request, res: Response) => {
    const f = await dashboard.figures(deps.clock.now());
    res.render('admin/dashboard', {
      title: req.t('admin:dashboard.title'),
      byState: f.byState,
      partnersTotal: Object.values(f.byState).reduce((a, b) => a + b, 0),
      unitsThisMonth: f.unitsThisMonth,
      rechargesToday: f.rechargesToday,
      downloadsToday: f.downloadsToday,
      series: f.series,
      // The billing pages' notice, shown here too until BILLING_SELLER_* are set.
      sellerConfigured: deps.config.billing.sellerConfigured,
    });
  });
  return router;
}
