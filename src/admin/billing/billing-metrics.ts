/**
 * The billing dashboard's figures, computed from the grouped rows of
 * reports.repository.ts (pure: no database, no clock). Definitions (also on
 * the page):
 *
 * - MRR (per currency) = Σ over paying subscriptions of the monthly price HT
 *   (a yearly price ÷ 12); ARR = 12 × MRR. Kept in twelfths of a minor unit
 *   (`…12` fields) and rounded to the minor unit only when shown (toMinor),
 *   each figure on its own (so a table's movements may differ from
 *   closing − opening by a minor unit when yearly prices are not multiples
 *   of 12); ARR is exact (12 × the unrounded MRR).
 * - MRR movements of a month, per partner and currency, from the partner's
 *   MRR at the start (prev) and at the end (cur) of the month: prev = 0 < cur
 *   is *new* (never paid in that currency before) or *reactivation*; prev > 0
 *   = cur is *churn* (prev); cur > prev > 0 *expansion*; 0 < cur < prev
 *   *contraction*. Net per partner and month, so
 *   closing = opening + new + expansion + reactivation − contraction − churn.
 * - Logo churn of a month = partners paying at its start and not at its end
 *   ÷ partners paying at its start (any currency). Over the period: Σ churned
 *   ÷ Σ paying at the start of each month (a monthly rate).
 * - Revenue churn (per currency) = (churn + contraction MRR) ÷ opening MRR,
 *   per month and pooled over the period the same way (gross, monthly).
 * - Trial → paid conversion = trials ended in the period that were paid for
 *   (reports.repository.ts trials) ÷ trials ended.
 * - ARPU (per currency) = MRR ÷ partners paying in that currency today.
 * - LTV (per currency) = ARPU ÷ the period's monthly logo churn rate (the
 *   expected months a partner stays is 1 ÷ churn; the unrounded rate), so
 *   ARPU × Σ partners paying at month starts ÷ Σ partners lost; none while
 *   no partner was lost.
 */
import type { Currency } from '../../billing/index.js';
import type { FlipRow, NewSubsRow, PayingNow, PlanPaying, PlanRetention, PlanRow, RevenueRow, TrialRow } from './reports.repository.js';
import type { ReportPeriod } from './report-period.js';

/** Twelfths of a minor unit → minor units, rounded half away from zero. */
export function toMinor(v12: number): number {
  return Math.sign(v12) * Math.round(Math.abs(v12) / 12);
}

/** `part ÷ whole` in percent with one decimal, null when `whole` is 0. */
export function percent(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 1000) / 10 : null;
}

/** One month of MRR movements in one currency (twelfths of minor units). */
export interface MrrMonth {
  month: string;
  currency: Currency;
  opening12: number;
  new12: number;
  expansion12: number;
  reactivation12: number;
  contraction12: number;
  churn12: number;
  closing12: number;
  /** (churn + contraction) ÷ opening, %; null without opening MRR. */
  revenueChurn: number | null;
}

/** One month of counts (all currencies). */
export interface ActivityMonth {
  month: string;
  /** Paying subscriptions at the end of the month. */
  payingSubscriptions: number;
  newSubscriptions: number;
  /** Partners paying at the start of the month, and of those not paying at its end. */
  payingPartners: number;
  churnedPartners: number;
  logoChurn: number | null;
  trialsEnded: number;
  trialsConverted: number;
  conversion: number | null;
}

type Movement = 'new12' | 'expansion12' | 'reactivation12' | 'contraction12' | 'churn12';

/** How a partner's MRR moved over a month (module comment), or null when it did not. */
export function classify(prev: number, cur: number, paidBefore: boolean): { kind: Movement; amount: number } | null {
  if (prev <= 0 && cur > 0) return { kind: paidBefore ? 'reactivation12' : 'new12', amount: cur };
  if (prev > 0 && cur <= 0) return { kind: 'churn12', amount: prev };
  if (prev > 0 && cur > prev) return { kind: 'expansion12', amount: cur - prev };
  if (prev > 0 && cur < prev) return { kind: 'contraction12', amount: prev - cur };
  return null;
}

interface Series {
  mrr: number[];
  ons: number[];
}

function seriesBy(flips: FlipRow[], key: (f: FlipRow) => string, buckets: number): Map<string, Series> {
  const out = new Map<string, Series>();
  for (const f of flips) {
    if (f.bucket > buckets) continue;
    const k = key(f);
    let s = out.get(k);
    if (!s) out.set(k, (s = { mrr: new Array<number>(buckets + 1).fill(0), ons: new Array<number>(buckets + 1).fill(0) }));
    s.mrr[f.bucket]! += f.mrr12;
    s.ons[f.bucket]! += f.ons;
  }
  return out;
}

/** MRR movements per month and currency (currencies in code order, months oldest first). */
export function mrrMonths(flips: FlipRow[], period: ReportPeriod): MrrMonth[] {
  const n = period.months.length;
  const byKey = seriesBy(flips, (f) => `${f.currency}|${f.accountId}`, n);
  const currencies = [...new Set(flips.map((f) => f.currency))].sort();
  const table = new Map<string, MrrMonth>();
  for (const c of currencies) {
    for (const month of period.months) {
      table.set(`${c}|${month}`, {
        month, currency: c, opening12: 0, new12: 0, expansion12: 0, reactivation12: 0, contraction12: 0, churn12: 0, closing12: 0, revenueChurn: null,
      });
    }
  }
  for (const [key, s] of byKey) {
    const currency = key.split('|')[0] as Currency;
    let running = s.mrr[0]!;
    let paidBefore = s.ons[0]! > 0;
    for (let i = 1; i <= n; i++) {
      const row = table.get(`${currency}|${period.months[i - 1]}`)!;
      const cur = running + s.mrr[i]!;
      row.opening12 += running;
      row.closing12 += cur;
      const move = classify(running, cur, paidBefore);
      if (move) row[move.kind] += move.amount;
      paidBefore ||= s.ons[i]! > 0;
      running = cur;
    }
  }
  const rows = [...table.values()];
  for (const r of rows) r.revenueChurn = percent(r.churn12 + r.contraction12, r.opening12);
  return rows;
}

/** Counts per month: paying subscriptions, new subscriptions, partners churned, trials. */
export function activityMonths(flips: FlipRow[], newSubs: NewSubsRow[], trials: TrialRow[], period: ReportPeriod): ActivityMonth[] {
  const n = period.months.length;
  const byAccount = seriesBy(flips, (f) => String(f.accountId), n);
  const subs = new Array<number>(n + 1).fill(0);
  for (const f of flips) if (f.bucket <= n) subs[f.bucket]! += f.subs;
  const out: ActivityMonth[] = period.months.map((month) => ({
    month, payingSubscriptions: 0, newSubscriptions: 0, payingPartners: 0, churnedPartners: 0, logoChurn: null, trialsEnded: 0, trialsConverted: 0,
    conversion: null,
  }));
  let paying = subs[0]!;
  for (let i = 1; i <= n; i++) out[i - 1]!.payingSubscriptions = paying += subs[i]!;
  for (const s of byAccount.values()) {
    let running = s.mrr[0]!;
    for (let i = 1; i <= n; i++) {
      const cur = running + s.mrr[i]!;
      if (running > 0) out[i - 1]!.payingPartners += 1;
      if (running > 0 && cur <= 0) out[i - 1]!.churnedPartners += 1;
      running = cur;
    }
  }
  for (const r of newSubs) if (r.bucket >= 1 && r.bucket <= n) out[r.bucket - 1]!.newSubscriptions += r.count;
  for (const t of trials) {
    if (t.bucket < 1 || t.bucket > n) continue;
    out[t.bucket - 1]!.trialsEnded += t.ended;
    out[t.bucket - 1]!.trialsConverted += t.converted;
  }
  for (const r of out) {
    r.logoChurn = percent(r.churnedPartners, r.payingPartners);
    r.conversion = percent(r.trialsConverted, r.trialsEnded);
  }
  return out;
}

/** Today's figures in one currency, and the period's pooled rates in it. */
export interface CurrencySummary {
  currency: Currency;
  mrr: number;
  arr: number;
  payingSubscriptions: number;
  payingPartners: number;
  /** MRR ÷ paying partners (minor units), null without any. */
  arpu: number | null;
  /** ARPU ÷ monthly logo churn (minor units), null while churn is 0. */
  ltv: number | null;
  revenueChurn: number | null;
  /** Net HT revenue over the period (invoiced − credited). */
  revenue: number;
}

export interface Summary {
  currencies: CurrencySummary[];
  payingPartners: number;
  newSubscriptions: number;
  logoChurn: number | null;
  trialsEnded: number;
  trialsConverted: number;
  conversion: number | null;
}

/** The headline figures: today's MRR per currency, the period's rates (module comment). */
export function summaryOf(now: PayingNow[], payingPartners: number, mrr: MrrMonth[], activity: ActivityMonth[], revenue: RevenueRow[]): Summary {
  const sum = <T>(rows: T[], f: (r: T) => number): number => rows.reduce((a, r) => a + f(r), 0);
  const churned = sum(activity, (a) => a.churnedPartners);
  const opening = sum(activity, (a) => a.payingPartners);
  const logoChurn = percent(churned, opening);
  const currencies = [...new Set([...now.map((r) => r.currency), ...mrr.map((r) => r.currency), ...revenue.map((r) => r.currency)])].sort();
  const rows = currencies.map((currency): CurrencySummary => {
    const today = now.find((r) => r.currency === currency);
    const months = mrr.filter((r) => r.currency === currency);
    const mrrMinor = toMinor(today?.mrr12 ?? 0);
    const arpu = today && today.accounts > 0 ? Math.round(mrrMinor / today.accounts) : null;
    return {
      // ARR = 12 × the unrounded MRR: the twelfths themselves, in minor units.
      currency, mrr: mrrMinor, arr: today?.mrr12 ?? 0, payingSubscriptions: today?.subscriptions ?? 0, payingPartners: today?.accounts ?? 0, arpu,
      ltv: arpu !== null && churned > 0 ? Math.round((arpu * opening) / churned) : null,
      revenueChurn: percent(sum(months, (m) => m.churn12 + m.contraction12), sum(months, (m) => m.opening12)),
      revenue: sum(revenue.filter((r) => r.currency === currency), (r) => r.invoiced - r.credited),
    };
  });
  const ended = sum(activity, (a) => a.trialsEnded);
  const converted = sum(activity, (a) => a.trialsConverted);
  return {
    currencies: rows, payingPartners, newSubscriptions: sum(activity, (a) => a.newSubscriptions), logoChurn, trialsEnded: ended, trialsConverted: converted,
    conversion: percent(converted, ended),
  };
}

/** Net HT revenue of one month in one currency. */
export interface RevenueMonth {
  month: string;
  currency: Currency;
  invoiced: number;
  credited: number;
  net: number;
}

/** Revenue per month and currency over the period (every month of each currency seen, zeros included). */
export function revenueMonths(rows: RevenueRow[], period: ReportPeriod): RevenueMonth[] {
  const currencies = [...new Set(rows.map((r) => r.currency))].sort();
  return currencies.flatMap((currency) => period.months.map((month) => {
    const mine = rows.filter((r) => r.currency === currency && r.month === month);
    const invoiced = mine.reduce((a, r) => a + r.invoiced, 0);
    const credited = mine.reduce((a, r) => a + r.credited, 0);
    return { month, currency, invoiced, credited, net: invoiced - credited };
  }));
}

/** One plan's line: today's paying subscriptions and MRR, the period's new subscriptions, revenue and retention. */
export interface PlanFigures {
  plan: PlanRow;
  currency: Currency;
  payingSubscriptions: number;
  mrr: number;
  newSubscriptions: number;
  revenue: number;
  atStart: number;
  kept: number;
  /** kept ÷ atStart, %; null when no subscription paid at the start of the period. */
  retention: number | null;
}

/** The per-plan table: plans with any figure (an unused plan is left out), in display order, one line per currency. */
export function planFigures(plans: PlanRow[], paying: PlanPaying[], newSubs: NewSubsRow[], revenue: RevenueRow[], retention: PlanRetention[],
  period: ReportPeriod): PlanFigures[] {
  const n = period.months.length;
  return plans.flatMap((plan) => {
    const currencies = [...new Set([plan.currency, ...paying.filter((r) => r.planId === plan.id).map((r) => r.currency),
      ...revenue.filter((r) => r.planId === plan.id).map((r) => r.currency)])].sort();
    const ret = retention.find((r) => r.planId === plan.id);
    const created = newSubs.filter((r) => r.planId === plan.id && r.bucket >= 1 && r.bucket <= n).reduce((a, r) => a + r.count, 0);
    return currencies.map((currency, i): PlanFigures => {
      const today = paying.find((r) => r.planId === plan.id && r.currency === currency);
      const money = revenue.filter((r) => r.planId === plan.id && r.currency === currency).reduce((a, r) => a + r.invoiced - r.credited, 0);
      // Counts that do not depend on the currency go on the plan's first line only.
      const atStart = i === 0 ? (ret?.atStart ?? 0) : 0;
      const kept = i === 0 ? (ret?.kept ?? 0) : 0;
      return {
        plan, currency, payingSubscriptions: today?.subscriptions ?? 0, mrr: toMinor(today?.mrr12 ?? 0), newSubscriptions: i === 0 ? created : 0,
        revenue: money, atStart, kept, retention: percent(kept, atStart),
      };
    });
  }).filter((f) => f.payingSubscriptions || f.newSubscriptions || f.revenue || f.atStart);
}
