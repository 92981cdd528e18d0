/**
 * The partner dashboard: balance, units recharged this month, the last 12
 * months (a Chart.js chart served from the app, with the same numbers in a
 * table for readers without JavaScript), latest recharges, biggest installations.
 * Everything counts the partner's own recharges only, each under its own
 * label (an installation transferred to or from them shows only their part).
 */
import { Router, type Request, type Response } from 'express';
import { requireRole } from '../http/auth.js';
import type { LedgerService, RechargeService } from '../recharge/index.js';
import type { Clock } from '../platform/clock.js';

/** The last 12 UTC months, oldest first, as YYYY-MM. */
export function lastMonths(now: Date, n = 12): string[] {
  const out: string[] = [];
  for (let i = n - 1; i >= 0; i--) out.push(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1)).toISOString().slice(0, 7));
  return out;
}

export function createPartnersRouter(recharges: RechargeService, ledger: LedgerService, clock: Clock): Router {
  const router = Router();
  router.get('/subscription/dashboard', requireRole('partner'), async (req: Request, res: Response) => {
    const account = req.account!;
    const months = lastMonths(clock.now());
    const [balance, perMonth, latest, installations] = await Promise.all([
      ledger.balance(account.id),
      recharges.unitsPerMonth(account.id, new Date(`${months[0]}-01T00:00:00Z`)),
      recharges.list({ partnerId: account.id }, 5, 0),
      recharges.installationsOf(account.id),
    ]);
    const series = months.map((m) => ({ month: m, units: perMonth.get(m) ?? 0 }));
    res.render('partners/dashboard', {
      title: req.t('partners.dashboard.title'), balance, series, thisMonth: series.at(-1)!.units, latest: latest.rows, top: installations.slice(0, 5),
    });
  });
  return router;
}
