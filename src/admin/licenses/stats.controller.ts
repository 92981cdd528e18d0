/**
 * /admin/licenses/stats: per product, the active trials, the paid licenses
 * in force, the trial → paid conversion, and the validations per UTC day of
 * the last 30 days (a Chart.js chart drawn by public/js/admin-dashboard.js,
 * beside a table with the same numbers).
 */
import type { Request, Response } from 'express';
import type { AdminDeps } from '../context.js';
import { lastDays } from '../dashboard/index.js';
import { AdminProductsRepository } from './products.repository.js';
import { LicenseStatsRepository } from './stats.repository.js';

/** One product's line of the statistics. */
export interface ProductStats {
  code: string;
  name: string;
  activeTrials: number;
  paidActive: number;
  /** Distinct machines that had a trial. */
  trialMachines: number;
  /** Of those, the ones with a paid license of the product issued at or after the trial. */
  converted: number;
  /** converted ÷ trialMachines × 100, one decimal; null without trials. */
  conversionPercent: number | null;
  /** Validations per day, aligned with `days`. */
  validations: number[];
  failures: number[];
}

export function createLicenseStatsController(deps: AdminDeps) {
  const repo = new LicenseStatsRepository(deps.db);
  const products = new AdminProductsRepository(deps.db);
  return async (req: Request, res: Response): Promise<void> => {
    const now = deps.clock.now();
    const days = lastDays(now);
    const [all, trials, paid, machines, converted, perDay] = await Promise.all([
      products.list(), repo.activeTrials(now), repo.paidActive(now), repo.trialMachines(), repo.convertedMachines(), repo.validationsPerDay(days[0]!),
    ]);
    const stats: ProductStats[] = all.map((p) => {
      const trialMachines = machines.get(p.id) ?? 0;
      const conv = converted.get(p.id) ?? 0;
      return {
        code: p.code, name: p.name, activeTrials: trials.get(p.id) ?? 0, paidActive: paid.get(p.id) ?? 0, trialMachines, converted: conv,
        conversionPercent: trialMachines === 0 ? null : Math.round((conv / trialMachines) * 1000) / 10,
        validations: days.map((d) => perDay.get(`${p.id}|${d}`)?.validations ?? 0),
        failures: days.map((d) => perDay.get(`${p.id}|${d}`)?.failures ?? 0),
      };
    });
    res.render('admin/licenses/stats', { title: req.t('admin-licenses:stats.title'), stats, days });
  };
}
