/**
 * The queries of the billing dashboard (/admin/billing). Read-only: every
 * figure is one grouped SQL query (sums and counts in the database, a few
 * hundred rows back at most per month), the same SQL on SQLite and
 * PostgreSQL. Money is integer minor units of its currency, never added
 * across currencies.
 *
 * Recurring revenue is counted in twelfths of a minor unit (`mrr12`), so an
 * annual price (÷ 12) stays an integer until it is shown: a subscription's
 * mrr12 is `price × 12` on a monthly cycle, `price` on a yearly one. A
 * subscription brings MRR while it is `active` or `past_due` (billed and
 * still expected to pay) with a price above 0 on a monthly or yearly cycle;
 * pending, trialing, suspended, paused and ended ones bring none.
 *
 * History comes from `subscription_events` (from_state → to_state, written
 * with every transition): an event that enters a paying state is a +1
 * "flip", one that leaves it a -1 flip. Summing sign × mrr12 over the flips
 * before an instant gives the MRR at that instant, per partner and currency.
 */
import type { Currency } from '../../billing/index.js';
import type { Db } from '../../platform/db.js';
import type { ReportPeriod } from './report-period.js';

const P = "('active', 'past_due')";
const ON = `(e.to_state IN ${P} AND (e.from_state IS NULL OR e.from_state NOT IN ${P}))`;
const OFF = `(e.from_state IN ${P} AND e.to_state NOT IN ${P})`;
const SIGN = `(CASE WHEN ${ON} THEN 1 WHEN ${OFF} THEN -1 ELSE 0 END)`;
/** The flips (a cheap first test: most events, `renewed`, keep the state, and no flip does). */
const FLIP = `(e.from_state IS NULL OR e.from_state <> e.to_state) AND (${ON} OR ${OFF})`;
const MRR12 = "(CASE WHEN s.billing_cycle = 'year' THEN s.price ELSE s.price * 12 END)";
const RECURRING = "s.price > 0 AND s.billing_cycle IN ('month', 'year')";

type Row = Record<string, unknown>;
const n = (v: unknown): number => Number(v ?? 0);

/** MRR flips summed per partner, currency and month bucket (0: before the period, i: months[i-1]). */
export interface FlipRow {
  accountId: number;
  currency: Currency;
  bucket: number;
  /** Σ sign × mrr12 (twelfths of minor units). */
  mrr12: number;
  /** Σ sign: paying subscriptions gained (net). */
  subs: number;
  /** Flips into a paying state (to tell a new partner from a returning one). */
  ons: number;
}

/** What is paying today, per currency. */
export interface PayingNow {
  currency: Currency;
  subscriptions: number;
  accounts: number;
  mrr12: number;
}

export interface NewSubsRow {
  bucket: number;
  planId: number;
  count: number;
}

export interface TrialRow {
  bucket: number;
  ended: number;
  converted: number;
}

/** Invoiced and credited HT of one month (issue date), currency and plan (null: not a subscription's document). */
export interface RevenueRow {
  month: string;
  currency: Currency;
  planId: number | null;
  invoiced: number;
  credited: number;
}

export interface PlanRow {
  id: number;
  slug: string;
  nameFr: string;
  nameEn: string;
  currency: Currency;
  billingCycle: string;
  price: number;
  isActive: boolean;
}

export interface PlanPaying {
  planId: number;
  currency: Currency;
  subscriptions: number;
  mrr12: number;
}

export interface PlanRetention {
  planId: number;
  /** Subscriptions paying when the period starts. */
  atStart: number;
  /** Of those, still paying when it ends. */
  kept: number;
}

export interface PromotionRow {
  promotionId: number;
  code: string;
  currency: Currency;
  /** Checkouts that used the code (its uses; renewals priced with it are not uses). */
  uses: number;
  /** Invoices the code was applied to, renewals included. */
  invoices: number;
  /** HT of the invoices the code was used on (after its discount). */
  revenue: number;
  discount: number;
}

export class BillingReportsRepository {
  constructor(private readonly db: Db) {}

  /** `CASE` giving the bucket of `column` over the period's edges (0 before, i for months[i-1], months.length + 1 after). */
  private bucket(column: string, p: ReportPeriod): { sql: string; bindings: string[] } {
    const whens = p.edges.map((_, i) => `WHEN ${column} < ? THEN ${i}`).join(' ');
    return { sql: `(CASE ${whens} ELSE ${p.edges.length} END)`, bindings: [...p.edges] };
  }

  /** Paying subscriptions, partners and MRR (twelfths) today, per currency. */
  async payingNow(): Promise<PayingNow[]> {
    const rows = (await this.db.raw(`SELECT s.currency AS currency, COUNT(*) AS subs, COUNT(DISTINCT s.account_id) AS accounts, SUM(${MRR12}) AS mrr12
      FROM subscriptions s WHERE s.state IN ${P} AND ${RECURRING} GROUP BY s.currency ORDER BY s.currency`)) as unknown;
    return rowsOf(rows).map((r) => ({ currency: r.currency as Currency, subscriptions: n(r.subs), accounts: n(r.accounts), mrr12: n(r.mrr12) }));
  }

  /** Partners paying in any currency today. */
  async payingAccountsNow(): Promise<number> {
    const rows = rowsOf(await this.db.raw(`SELECT COUNT(DISTINCT s.account_id) AS n FROM subscriptions s WHERE s.state IN ${P} AND ${RECURRING}`));
    return n(rows[0]?.n);
  }

  /** Subscriptions per state today (every plan, free ones included). */
  async byState(): Promise<Record<string, number>> {
    const rows = (await this.db('subscriptions').groupBy('state').select('state').count({ n: '*' })) as Row[];
    return Object.fromEntries(rows.map((r) => [String(r.state), n(r.n)]));
  }

  /** The MRR flips up to the end of the period, summed per partner, currency and bucket (module comment). */
  async flips(p: ReportPeriod): Promise<FlipRow[]> {
    const b = this.bucket('e.created_at', p);
    const rows = rowsOf(await this.db.raw(`SELECT s.account_id AS account_id, s.currency AS currency, ${b.sql} AS bucket,
        SUM(${SIGN} * ${MRR12}) AS mrr12, SUM(${SIGN}) AS subs, SUM(CASE WHEN ${ON} THEN 1 ELSE 0 END) AS ons
      FROM subscription_events e JOIN subscriptions s ON s.id = e.subscription_id
      WHERE ${FLIP} AND ${RECURRING} AND e.created_at < ?
      GROUP BY 1, 2, 3`, [...b.bindings, p.edges.at(-1)!]));
    return rows.map((r) => ({
      accountId: n(r.account_id), currency: r.currency as Currency, bucket: n(r.bucket), mrr12: n(r.mrr12), subs: n(r.subs), ons: n(r.ons),
    }));
  }

  /**
   * Subscriptions started in the period, per month bucket and plan: every new row but the legacy plan's and the
   * ones continuing a plan change (their predecessor ended with `plan_changed`).
   */
  async newSubscriptions(p: ReportPeriod): Promise<NewSubsRow[]> {
    const b = this.bucket('s.created_at', p);
    const rows = rowsOf(await this.db.raw(`SELECT ${b.sql} AS bucket, s.plan_id AS plan_id, COUNT(*) AS n
      FROM subscriptions s JOIN plans pl ON pl.id = s.plan_id
      WHERE s.created_at >= ? AND s.created_at < ? AND pl.slug <> 'legacy'
        AND NOT EXISTS (SELECT 1 FROM subscription_events pe WHERE pe.subscription_id = s.previous_subscription_id AND pe.event = 'plan_changed')
      GROUP BY 1, 2`, [...b.bindings, p.edges[0]!, p.edges.at(-1)!]));
    return rows.map((r) => ({ bucket: n(r.bucket), planId: n(r.plan_id), count: n(r.n) }));
  }

  /**
   * Trials that ended in the period (an event leaving `trialing`), per month bucket, and how many were paid for:
   * the subscription became `active` then or later, or a successor with a price (a plan chosen during or after
   * the trial) did.
   */
  async trials(p: ReportPeriod): Promise<TrialRow[]> {
    const b = this.bucket('e.created_at', p);
    const rows = rowsOf(await this.db.raw(`SELECT ${b.sql} AS bucket, COUNT(*) AS ended, SUM(CASE WHEN
          (s.price > 0 AND EXISTS (SELECT 1 FROM subscription_events l WHERE l.subscription_id = e.subscription_id AND l.id >= e.id AND l.to_state = 'active'))
          OR EXISTS (SELECT 1 FROM subscriptions nx JOIN subscription_events l ON l.subscription_id = nx.id
            WHERE nx.previous_subscription_id = e.subscription_id AND nx.price > 0 AND l.to_state = 'active')
        THEN 1 ELSE 0 END) AS converted
      FROM subscription_events e JOIN subscriptions s ON s.id = e.subscription_id
      WHERE e.from_state = 'trialing' AND e.to_state <> 'trialing' AND e.created_at >= ? AND e.created_at < ?
      GROUP BY 1`, [...b.bindings, p.edges[0]!, p.edges.at(-1)!]));
    return rows.map((r) => ({ bucket: n(r.bucket), ended: n(r.ended), converted: n(r.converted) }));
  }

  /**
   * HT invoiced and credited per month of issue (calendar days of the billing time zone), currency and plan. Drafts
   * have no issue date and do not count; an invoice given up as uncollectible does not either. A credit note counts
   * for the plan of the invoice it cites. Read from invoices_revenue_index alone (no PDF is touched).
   */
  async revenue(p: ReportPeriod): Promise<RevenueRow[]> {
    const rows = rowsOf(await this.db.raw(`SELECT substr(i.issue_date, 1, 7) AS month, i.currency AS currency, s.plan_id AS plan_id,
        SUM(CASE WHEN i.kind = 'invoice' THEN i.total_ht ELSE 0 END) AS invoiced, SUM(CASE WHEN i.kind = 'credit_note' THEN i.total_ht ELSE 0 END) AS credited
      FROM invoices i LEFT JOIN invoices o ON o.id = i.credited_invoice_id
        LEFT JOIN subscriptions s ON s.id = COALESCE(i.subscription_id, o.subscription_id)
      WHERE i.issue_date >= ? AND i.issue_date < ? AND i.status <> 'uncollectible'
      GROUP BY 1, 2, 3`, [p.fromDay, p.toDayExclusive]));
    return rows.map((r) => ({
      month: String(r.month), currency: r.currency as Currency, planId: r.plan_id === null || r.plan_id === undefined ? null : n(r.plan_id),
      invoiced: n(r.invoiced), credited: n(r.credited),
    }));
  }

  /** Every plan, in display order. */
  async plans(): Promise<PlanRow[]> {
    const rows = (await this.db('plans').orderBy([{ column: 'display_order' }, { column: 'id' }])
      .select('id', 'slug', 'name_fr', 'name_en', 'currency', 'billing_cycle', 'price', 'is_active')) as Row[];
    return rows.map((r) => ({
      id: n(r.id), slug: String(r.slug), nameFr: String(r.name_fr), nameEn: String(r.name_en), currency: r.currency as Currency,
      billingCycle: String(r.billing_cycle), price: n(r.price), isActive: Boolean(r.is_active),
    }));
  }

  /** Paying subscriptions and their MRR (twelfths) today, per plan and currency. */
  async payingByPlan(): Promise<PlanPaying[]> {
    const rows = rowsOf(await this.db.raw(`SELECT s.plan_id AS plan_id, s.currency AS currency, COUNT(*) AS subs, SUM(${MRR12}) AS mrr12
      FROM subscriptions s WHERE s.state IN ${P} AND ${RECURRING} GROUP BY 1, 2`));
    return rows.map((r) => ({ planId: n(r.plan_id), currency: r.currency as Currency, subscriptions: n(r.subs), mrr12: n(r.mrr12) }));
  }

  /** Per plan: subscriptions paying at the start of the period, and how many of them still pay at its end. */
  async retention(p: ReportPeriod): Promise<PlanRetention[]> {
    const rows = rowsOf(await this.db.raw(`SELECT s.plan_id AS plan_id, SUM(CASE WHEN x.a > 0 THEN 1 ELSE 0 END) AS at_start,
        SUM(CASE WHEN x.a > 0 AND x.b > 0 THEN 1 ELSE 0 END) AS kept
      FROM (SELECT e.subscription_id AS id, SUM(CASE WHEN e.created_at < ? THEN ${SIGN} ELSE 0 END) AS a, SUM(${SIGN}) AS b
        FROM subscription_events e WHERE ${FLIP} AND e.created_at < ? GROUP BY e.subscription_id) x
      JOIN subscriptions s ON s.id = x.id WHERE ${RECURRING}
      GROUP BY s.plan_id`, [p.edges[0]!, p.edges.at(-1)!]));
    return rows.map((r) => ({ planId: n(r.plan_id), atStart: n(r.at_start), kept: n(r.kept) }));
  }

  /**
   * Per promotion code and currency, over the invoices issued in the period that used it (promotion_redemptions):
   * uses (checkouts, `kind` first), invoices (renewals too), their HT after the discount, the discount given.
   */
  async promotions(p: ReportPeriod): Promise<PromotionRow[]> {
    const rows = rowsOf(await this.db.raw(`SELECT r.promotion_id AS promotion_id, pr.code AS code, r.currency AS currency,
        SUM(CASE WHEN r.kind = 'first' THEN 1 ELSE 0 END) AS uses,
        COUNT(*) AS invoices, SUM(i.total_ht) AS revenue, SUM(r.discount) AS discount
      FROM promotion_redemptions r JOIN promotions pr ON pr.id = r.promotion_id JOIN invoices i ON i.id = r.invoice_id
      WHERE i.issue_date >= ? AND i.issue_date < ?
      GROUP BY r.promotion_id, pr.code, r.currency ORDER BY pr.code, r.currency`, [p.fromDay, p.toDayExclusive]));
    return rows.map((r) => ({
      promotionId: n(r.promotion_id), code: String(r.code), currency: r.currency as Currency, uses: n(r.uses), invoices: n(r.invoices),
      revenue: n(r.revenue), discount: n(r.discount),
    }));
  }
}

/** The rows of a raw query: sqlite3 gives the array, pg a result with `rows`. */
function rowsOf(result: unknown): Row[] {
  return Array.isArray(result) ? (result as Row[]) : ((result as { rows: Row[] }).rows ?? []);
}
