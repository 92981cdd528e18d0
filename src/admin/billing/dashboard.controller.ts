/**
 * GET /admin/billing: the billing dashboard (staff; support reads it too).
 * `from`/`to` (YYYY-MM, the display time zone's months) choose the period;
 * a bad value re-renders the page with its field error (422) over the
 * default period. `format=csv&table=<name>` answers one of the page's
 * tables as CSV (billing-dashboard.ts CSV_TABLES); charts (Chart.js, drawn
 * by public/js/admin-dashboard.js from data- attributes) show the same
 * numbers as the tables beside them.
 */
import type { Request, Response } from 'express';
import { CURRENCY_EXPONENTS, type Currency } from '../../billing/index.js';
import { sendCsv } from '../../http/csv.js';
import type { AdminDeps } from '../context.js';
import { queryString } from '../shared.js';
import { billingReport, CSV_TABLES, csvTable, type BillingReport, type CsvTable } from './billing-dashboard.js';
import { toMinor, type MrrMonth } from './billing-metrics.js';
import { billingRenderer } from './render.js';
import { parsePeriod } from './report-period.js';
import type { BillingReportsRepository } from './reports.repository.js';

/** Minor units → the currency's major unit, for chart axes (1234 EUR cents → 12.34). */
function major(minor: number, currency: Currency): number {
  return minor / 10 ** CURRENCY_EXPONENTS[currency];
}

/** The data- attributes of the MRR chart of one currency: movements as stacked bars (losses below 0), closing MRR as a line. */
function mrrChart(req: Request, months: MrrMonth[], currency: Currency): { labels: string[]; datasets: unknown[] } {
  const t = (k: string): string => req.t(`admin-billing-dashboard:mrr.${k}`);
  const series = (f: (m: MrrMonth) => number) => months.map((m) => major(toMinor(f(m)), currency));
  return {
    labels: months.map((m) => m.month),
    datasets: [
      { label: t('new'), data: series((m) => m.new12), type: 'bar', stack: 'moves' },
      { label: t('expansion'), data: series((m) => m.expansion12), type: 'bar', stack: 'moves' },
      { label: t('reactivation'), data: series((m) => m.reactivation12), type: 'bar', stack: 'moves' },
      { label: t('contraction'), data: series((m) => -m.contraction12), type: 'bar', stack: 'moves' },
      { label: t('churn'), data: series((m) => -m.churn12), type: 'bar', stack: 'moves' },
      { label: t('closing'), data: series((m) => m.closing12), type: 'line', axis: 'y1' },
    ],
  };
}

export function createBillingDashboardController(deps: AdminDeps, reports: BillingReportsRepository) {
  const render = billingRenderer(deps.config);
  const zone = deps.config.displayTimezone;

  return {
    show: async (req: Request, res: Response): Promise<void> => {
      const query = req.query as Record<string, unknown>;
      const { period, errors } = parsePeriod(query, deps.clock.now(), zone);
      const report: BillingReport = await billingReport(reports, period);
      const table = CSV_TABLES.find((n) => n === query.table);
      const failed = Object.keys(errors).length > 0;
      if (query.format === 'csv' && table && !failed) {
        const { columns, rows } = csvTable(report, table);
        return sendCsv(req, res, `billing-${table}-${period.from}-${period.to}.csv`, columns, rows);
      }
      const params = { from: period.from, to: period.to };
      const mrrCharts = [...new Set(report.mrr.map((m) => m.currency))].map((currency) => {
        const months = report.mrr.filter((m) => m.currency === currency);
        return { currency, months, chart: mrrChart(req, months, currency) };
      });
      render(req, res, 'dashboard', {
        title: req.t('admin-billing-dashboard:title'), report, errors, zone,
        values: failed ? { from: typeof query.from === 'string' ? query.from.slice(0, 20) : '', to: typeof query.to === 'string' ? query.to.slice(0, 20) : '' }
          : params,
        csvLink: (name: CsvTable) => `/admin/billing${queryString(params, { format: 'csv', table: name })}`,
        mrrCharts,
        revenueCurrencies: [...new Set(report.revenue.map((m) => m.currency))],
        major, toMinor,
      }, failed ? 422 : 200);
    },
  };
}
