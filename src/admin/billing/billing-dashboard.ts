/**
 * The billing dashboard's report over one period (every figure of
 * /admin/billing, billing-metrics.ts says how each is computed) and its
 * tables as CSV columns and rows: the page's tables and the files hold the
 * same numbers. Money in CSV is a plain decimal string with its currency
 * column; percentages have one decimal, empty when undefined.
 */
import { toDecimalString, type Currency } from '../../billing/index.js';
import {
  activityMonths, mrrMonths, planFigures, revenueMonths, summaryOf, toMinor,
  type ActivityMonth, type MrrMonth, type PlanFigures, type RevenueMonth, type Summary,
} from './billing-metrics.js';
import type { BillingReportsRepository, PromotionRow } from './reports.repository.js';
import type { ReportPeriod } from './report-period.js';

export interface BillingReport {
  period: ReportPeriod;
  summary: Summary;
  /** Subscriptions per state today (every plan). */
  byState: Record<string, number>;
  mrr: MrrMonth[];
  activity: ActivityMonth[];
  revenue: RevenueMonth[];
  plans: PlanFigures[];
  promotions: PromotionRow[];
}

/** Every figure of the dashboard for `period` (eleven grouped queries). */
export async function billingReport(repo: BillingReportsRepository, period: ReportPeriod): Promise<BillingReport> {
  const [now, payingPartners, byState, flips, newSubs, trials, revenue, plans, paying, retention, promotions] = await Promise.all([
    repo.payingNow(), repo.payingAccountsNow(), repo.byState(), repo.flips(period), repo.newSubscriptions(period), repo.trials(period),
    repo.revenue(period), repo.plans(), repo.payingByPlan(), repo.retention(period), repo.promotions(period),
  ]);
  const mrr = mrrMonths(flips, period);
  const activity = activityMonths(flips, newSubs, trials, period);
  return {
    period, byState, mrr, activity, revenue: revenueMonths(revenue, period),
    summary: summaryOf(now, payingPartners, mrr, activity, revenue),
    plans: planFigures(plans, paying, newSubs, revenue, retention, period),
    promotions,
  };
}

export const CSV_TABLES = ['summary', 'mrr', 'activity', 'revenue', 'plans', 'promotions'] as const;
export type CsvTable = (typeof CSV_TABLES)[number];

const money = (minor: number, c: Currency): string => toDecimalString(minor, c);
const pct = (v: number | null): string => (v === null ? '' : v.toFixed(1));

/** The columns and rows of table `name` (the names are the CSV header, in English as every export's). */
export function csvTable(report: BillingReport, name: CsvTable): { columns: string[]; rows: unknown[][] } {
  const r = report;
  switch (name) {
    case 'summary': {
      const rows: unknown[][] = [];
      for (const c of r.summary.currencies) {
        rows.push(['mrr', c.currency, money(c.mrr, c.currency)], ['arr', c.currency, money(c.arr, c.currency)],
          ['paying_subscriptions', c.currency, c.payingSubscriptions], ['paying_partners', c.currency, c.payingPartners],
          ['arpu', c.currency, c.arpu === null ? '' : money(c.arpu, c.currency)], ['ltv', c.currency, c.ltv === null ? '' : money(c.ltv, c.currency)],
          ['revenue_churn_pct', c.currency, pct(c.revenueChurn)], ['revenue_ht', c.currency, money(c.revenue, c.currency)]);
      }
      rows.push(['paying_partners', '', r.summary.payingPartners], ['new_subscriptions', '', r.summary.newSubscriptions],
        ['logo_churn_pct', '', pct(r.summary.logoChurn)], ['trials_ended', '', r.summary.trialsEnded], ['trials_converted', '', r.summary.trialsConverted],
        ['trial_conversion_pct', '', pct(r.summary.conversion)]);
      return { columns: ['metric', 'currency', 'value'], rows };
    }
    case 'mrr':
      return {
        columns: ['month', 'currency', 'opening_mrr', 'new', 'expansion', 'reactivation', 'contraction', 'churn', 'closing_mrr', 'revenue_churn_pct'],
        rows: r.mrr.map((m) => [m.month, m.currency, ...[m.opening12, m.new12, m.expansion12, m.reactivation12, m.contraction12, m.churn12, m.closing12]
          .map((v) => money(toMinor(v), m.currency)), pct(m.revenueChurn)]),
      };
    case 'activity':
      return {
        columns: ['month', 'paying_subscriptions', 'new_subscriptions', 'paying_partners_at_start', 'churned_partners', 'logo_churn_pct', 'trials_ended',
          'trials_converted', 'trial_conversion_pct'],
        rows: r.activity.map((a) => [a.month, a.payingSubscriptions, a.newSubscriptions, a.payingPartners, a.churnedPartners, pct(a.logoChurn), a.trialsEnded,
          a.trialsConverted, pct(a.conversion)]),
      };
    case 'revenue':
      return {
        columns: ['month', 'currency', 'invoiced_ht', 'credited_ht', 'net_ht'],
        rows: r.revenue.map((m) => [m.month, m.currency, money(m.invoiced, m.currency), money(m.credited, m.currency), money(m.net, m.currency)]),
      };
    case 'plans':
      return {
        columns: ['plan', 'currency', 'paying_subscriptions', 'mrr', 'new_subscriptions', 'revenue_ht', 'paying_at_start', 'still_paying', 'retention_pct'],
        rows: r.plans.map((p) => [p.plan.slug, p.currency, p.payingSubscriptions, money(p.mrr, p.currency), p.newSubscriptions,
          money(p.revenue, p.currency), p.atStart, p.kept, pct(p.retention)]),
      };
    case 'promotions':
      return {
        columns: ['code', 'currency', 'uses', 'invoices', 'revenue_ht', 'discount'],
        rows: r.promotions.map((p) => [p.code, p.currency, p.uses, p.invoices, money(p.revenue, p.currency), money(p.discount, p.currency)]),
      };
  }
}
