/**
 * /admin/licenses/stats: per product, the active trials, the paid licenses
 * in force, the trial → paid conversion, and the validations per UTC day of
 * the last 30 days (a Chart.js chart drawn by public/js/admin-dashboard.js,
 * beside a table with the same numbers).
 */
import type { Request, Response } from 'express';
import type { AdminDeps } from '../context.js';
import { lastDays } from '../dashboard/index.js';
import type { LicenseReports } from './license-reports.js';

export function createLicenseStatsController(deps: AdminDeps, reports: LicenseReports) {
  return async (req: Request, res: Response): Promise<void> => {
    const now = deps.clock.now();
    const days = lastDays(now);
    const stats = await reports.perProduct(now, days);
    res.render('admin/licenses/stats', { title: req.t('admin-licenses:stats.title'), stats, days });
  };
}
