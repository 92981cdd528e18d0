/**
 * The `subscriptions`, `subscription_events`, `billing_steps` and
 * `due_date_extensions` tables (written only through SubscriptionsService), and read-only views of the
 * plans and invoices the life cycle needs. Periods are calendar days in the
 * billing time zone, stored as that day at 00:00 UTC.
 */
import { insertedId, isSqlite, type Db } from '../platform/db.js';
import { toDate, toDateOrNull } from '../platform/time.js';
import type { Currency } from './money.js';
import { toPlan, type BillingCycle, type Plan, type PlanLimits } from './plans.repository.js';

export const SUBSCRIPTION_STATES = ['pending', 'trialing', 'active', 'past_due', 'suspended', 'paused', 'cancelled', 'expired'] as const;
export type SubscriptionState = (typeof SUBSCRIPTION_STATES)[number];
/** The states a subscription never leaves. */
export const FINAL_STATES: readonly SubscriptionState[] = ['cancelled', 'expired'];

/**
 * A subscription's copy of its plan's limits as stored; read tolerantly (a key may be missing), so users
 * default `units_per_period` to 0.
 */
export type SubscriptionLimits = Partial<PlanLimits>;

export interface Subscription {
  id: number;
  accountId: number;
  planId: number;
  state: SubscriptionState;
  price: number;
  currency: Currency;
  billingCycle: BillingCycle;
  limits: SubscriptionLimits;
  /** First day of the current period (YYYY-MM-DD), null for none yet. */
  periodStart: string | null;
  /** The day the current period ends and the next starts; null: never (legacy). */
  periodEnd: string | null;
  cancelAtPeriodEnd: boolean;
  previousSubscriptionId: number | null;
  trialEndsAt: Date | null;
  scheduledPlanId: number | null;
  /** A new price (minor units, `currency`) for the periods starting on or after `nextPriceFrom` (YYYY-MM-DD); null: none. */
  nextPrice: number | null;
  nextPriceFrom: string | null;
  endedAt: Date | null;
  createdAt: Date;
}

export interface SubscriptionEvent {
  id: number;
  subscriptionId: number;
  event: string;
  fromState: SubscriptionState | null;
  toState: SubscriptionState;
  details: Record<string, unknown>;
  /** The staff member or partner who caused it; null for the daily job. */
  actorId: number | null;
  createdAt: Date;
}

/** A payment delay granted by staff on an unpaid invoice (due_date_extensions). */
export interface DueExtension {
  id: number;
  subscriptionId: number;
  invoiceId: number;
  /** The new due date and the one it replaced, YYYY-MM-DD. */
  dueDate: string;
  previousDueDate: string;
  reason: string;
  actorId: number | null;
  createdAt: Date;
}

const json = <T>(v: unknown, fallback: T): T => (v === null || v === undefined || v === '' ? fallback : (JSON.parse(String(v)) as T));
const dayOf = (v: unknown): string | null => (v === null || v === undefined ? null : toDate(v).toISOString().slice(0, 10));
/** A calendar day as the timestamp stored for it. */
export const dayStamp = (day: string): string => `${day}T00:00:00.000Z`;

function toSubscription(r: Record<string, unknown>): Subscription {
  return {
    id: Number(r.id), accountId: Number(r.account_id), planId: Number(r.plan_id), state: r.state as SubscriptionState, price: Number(r.price),
    currency: r.currency as Currency, billingCycle: r.billing_cycle as BillingCycle, limits: json(r.limits, {}), periodStart: dayOf(r.current_period_start),
    periodEnd: dayOf(r.current_period_end), cancelAtPeriodEnd: Boolean(r.cancel_at_period_end),
    previousSubscriptionId: r.previous_subscription_id === null || r.previous_subscription_id === undefined ? null : Number(r.previous_subscription_id),
    trialEndsAt: toDateOrNull(r.trial_ends_at),
    scheduledPlanId: r.scheduled_plan_id === null || r.scheduled_plan_id === undefined ? null : Number(r.scheduled_plan_id),
    nextPrice: r.next_price === null || r.next_price === undefined ? null : Number(r.next_price), nextPriceFrom: dayOf(r.next_price_from),
    endedAt: toDateOrNull(r.ended_at), createdAt: toDate(r.created_at),
  };
}

/** The columns of a new subscription row. */
export type NewSubscription = Pick<Subscription, 'accountId' | 'planId' | 'state' | 'price' | 'currency' | 'billingCycle' | 'limits' | 'periodStart'
  | 'periodEnd' | 'trialEndsAt' | 'previousSubscriptionId'>;

export type SubscriptionChange = Partial<Pick<Subscription, 'state' | 'periodStart' | 'periodEnd' | 'cancelAtPeriodEnd' | 'scheduledPlanId' | 'endedAt'
  | 'price' | 'nextPrice' | 'nextPriceFrom'>>;

/** An unpaid invoice of a subscription, for the daily job. */
export interface OpenInvoiceRef {
  id: number;
  number: string;
  subscriptionId: number;
  /** The day the dunning counts from: the latest staff extension's, else the invoice's own. */
  dueDate: string;
  /** The due date printed on the invoice. */
  issuedDueDate: string;
  status: string;
}

export class SubscriptionsRepository {
  constructor(private readonly db: Db) {}

  with(trx: Db): SubscriptionsRepository {
    return new SubscriptionsRepository(trx);
  }

  /**
   * Serialise the subscription changes of one partner: PostgreSQL locks the account row until the transaction
   * ends; on SQLite a no-op write takes the database's write lock now, before anything is read.
   */
  async lockAccount(accountId: number): Promise<void> {
    if (isSqlite(this.db)) await this.db('subscriptions').where({ account_id: accountId }).update({ updated_at: this.db.ref('updated_at') });
    else await this.db('accounts').where({ id: accountId }).forUpdate().first('id');
  }

  async plan(id: number): Promise<Plan | null> {
    const row = (await this.db('plans').where({ id }).first()) as Record<string, unknown> | undefined;
    return row ? toPlan(row) : null;
  }

  async planBySlug(slug: string): Promise<Plan | null> {
    const row = (await this.db('plans').where({ slug }).first()) as Record<string, unknown> | undefined;
    return row ? toPlan(row) : null;
  }

  /** Active public subscription plans in display order (unit packs, cycle one-time, are sold on /subscription/packs). */
  async publicPlans(): Promise<Plan[]> {
    const rows = (await this.db('plans').where({ is_active: true, is_public: true }).whereNot('billing_cycle', 'one-time')
      .orderBy([{ column: 'display_order' }, { column: 'id' }])) as Record<string, unknown>[];
    return rows.map(toPlan);
  }

  /** One subscription; `lock` holds its row for the transaction on PostgreSQL. */
  async byId(id: number, lock = false): Promise<Subscription | null> {
    const q = this.db('subscriptions').where({ id }).first();
    if (lock && !isSqlite(this.db)) q.forUpdate();
    const row = (await q) as Record<string, unknown> | undefined;
    return row ? toSubscription(row) : null;
  }

  /** The subscriptions on plan `planId` in one of `states`, oldest first. */
  async onPlan(planId: number, states: readonly SubscriptionState[]): Promise<Subscription[]> {
    return ((await this.db('subscriptions').where({ plan_id: planId }).whereIn('state', [...states]).orderBy('id')) as Record<string, unknown>[])
      .map(toSubscription);
  }

  /** The account's subscriptions, newest first. */
  async ofAccount(accountId: number): Promise<Subscription[]> {
    return ((await this.db('subscriptions').where({ account_id: accountId }).orderBy('id', 'desc')) as Record<string, unknown>[]).map(toSubscription);
  }

  async insert(s: NewSubscription, now: Date): Promise<number> {
    return insertedId(await this.db('subscriptions').insert({
      account_id: s.accountId, plan_id: s.planId, state: s.state, price: s.price, currency: s.currency, billing_cycle: s.billingCycle,
      limits: JSON.stringify(s.limits), current_period_start: s.periodStart ? dayStamp(s.periodStart) : null,
      current_period_end: s.periodEnd ? dayStamp(s.periodEnd) : null, trial_ends_at: s.trialEndsAt?.toISOString() ?? null,
      previous_subscription_id: s.previousSubscriptionId, cancel_at_period_end: false, created_at: now.toISOString(), updated_at: now.toISOString(),
    }).returning('id'));
  }

  async update(id: number, c: SubscriptionChange, now: Date): Promise<void> {
    const row: Record<string, unknown> = { updated_at: now.toISOString() };
    if (c.state !== undefined) row.state = c.state;
    if (c.periodStart !== undefined) row.current_period_start = c.periodStart ? dayStamp(c.periodStart) : null;
    if (c.periodEnd !== undefined) row.current_period_end = c.periodEnd ? dayStamp(c.periodEnd) : null;
    if (c.cancelAtPeriodEnd !== undefined) row.cancel_at_period_end = c.cancelAtPeriodEnd;
    if (c.scheduledPlanId !== undefined) row.scheduled_plan_id = c.scheduledPlanId;
    if (c.endedAt !== undefined) row.ended_at = c.endedAt?.toISOString() ?? null;
    if (c.price !== undefined) row.price = c.price;
    if (c.nextPrice !== undefined) row.next_price = c.nextPrice;
    if (c.nextPriceFrom !== undefined) row.next_price_from = c.nextPriceFrom ? dayStamp(c.nextPriceFrom) : null;
    await this.db('subscriptions').where({ id }).update(row);
  }

  async insertEvent(e: { subscriptionId: number; accountId: number; event: string; fromState: SubscriptionState | null; toState: SubscriptionState;
    details: Record<string, unknown>; actorId: number | null }, now: Date): Promise<void> {
    await this.db('subscription_events').insert({
      subscription_id: e.subscriptionId, account_id: e.accountId, event: e.event, from_state: e.fromState, to_state: e.toState,
      details: JSON.stringify(e.details), actor_id: e.actorId, created_at: now.toISOString(),
    });
  }

  async events(subscriptionId: number): Promise<SubscriptionEvent[]> {
    const rows = (await this.db('subscription_events').where({ subscription_id: subscriptionId }).orderBy('id')) as Record<string, unknown>[];
    return rows.map((r) => ({
      id: Number(r.id), subscriptionId: Number(r.subscription_id), event: String(r.event), fromState: (r.from_state as SubscriptionState | null) ?? null,
      toState: r.to_state as SubscriptionState, details: json(r.details, {}), createdAt: toDate(r.created_at),
      actorId: r.actor_id === null || r.actor_id === undefined ? null : Number(r.actor_id),
    }));
  }

  async insertExtension(e: Omit<DueExtension, 'id' | 'createdAt'> & { accountId: number }, now: Date): Promise<void> {
    await this.db('due_date_extensions').insert({
      subscription_id: e.subscriptionId, invoice_id: e.invoiceId, account_id: e.accountId, due_date: e.dueDate, previous_due_date: e.previousDueDate,
      reason: e.reason, actor_id: e.actorId, created_at: now.toISOString(),
    });
  }

  /** The extensions granted on a subscription's invoices, oldest first. */
  async extensions(subscriptionId: number): Promise<DueExtension[]> {
    const rows = (await this.db('due_date_extensions').where({ subscription_id: subscriptionId }).orderBy('id')) as Record<string, unknown>[];
    return rows.map((r) => ({
      id: Number(r.id), subscriptionId: Number(r.subscription_id), invoiceId: Number(r.invoice_id), dueDate: String(r.due_date),
      previousDueDate: String(r.previous_due_date), reason: String(r.reason ?? ''), createdAt: toDate(r.created_at),
      actorId: r.actor_id === null || r.actor_id === undefined ? null : Number(r.actor_id),
    }));
  }

  /**
   * Claim step `step` of `period` for a subscription: true when this call wrote the row, false when it was
   * there already. The insert is the step transaction's first write, so on SQLite the write lock is held from
   * there and on PostgreSQL a concurrent claim waits for this transaction, then finds the row.
   */
  async claimStep(subscriptionId: number, period: string, step: string, now: Date): Promise<boolean> {
    const rows = (await this.db('billing_steps').insert({ subscription_id: subscriptionId, period, step, created_at: now.toISOString() })
      .onConflict(['subscription_id', 'period', 'step']).ignore().returning('id')) as unknown[];
    return rows.length > 0;
  }

  async setStepInvoice(subscriptionId: number, period: string, step: string, invoiceId: number): Promise<void> {
    await this.db('billing_steps').where({ subscription_id: subscriptionId, period, step }).update({ invoice_id: invoiceId });
  }

  /** The steps already taken, as `period/step` strings. */
  async stepsOf(subscriptionId: number): Promise<Set<string>> {
    const rows = (await this.db('billing_steps').where({ subscription_id: subscriptionId }).select('period', 'step')) as { period: string; step: string }[];
    return new Set(rows.map((r) => `${r.period}/${r.step}`));
  }

  /** Subscriptions in `states`, id order, after `afterId` (pages of `limit`). */
  async inStates(states: readonly SubscriptionState[], afterId: number, limit: number): Promise<Subscription[]> {
    const rows = (await this.db('subscriptions').whereIn('state', states as SubscriptionState[]).where('id', '>', afterId).orderBy('id').limit(limit)) as
      Record<string, unknown>[];
    return rows.map(toSubscription);
  }

  /** The finalised invoices of a subscription not paid yet (open or overdue), oldest first, with their extended due dates. */
  async unpaidInvoices(subscriptionId: number): Promise<OpenInvoiceRef[]> {
    return (await this.unpaidInvoicesOf([subscriptionId])).get(subscriptionId) ?? [];
  }

  /**
   * {@link unpaidInvoices} of several subscriptions at once (at most 500 ids: the daily job's page), by subscription
   * id: each with the due date staff last granted (due_date_extensions), else the printed one.
   */
  async unpaidInvoicesOf(ids: readonly number[]): Promise<Map<number, OpenInvoiceRef[]>> {
    const out = new Map<number, OpenInvoiceRef[]>();
    if (!ids.length) return out;
    const rows = (await this.db('invoices').whereIn('subscription_id', [...ids]).where({ kind: 'invoice' }).whereIn('status', ['open', 'overdue'])
      .orderBy('id').select('id', 'number', 'subscription_id', 'due_date', 'status')) as Record<string, unknown>[];
    const extended = new Map<number, string>();
    for (let i = 0; i < rows.length; i += 500) {
      const ext = (await this.db('due_date_extensions').whereIn('invoice_id', rows.slice(i, i + 500).map((r) => Number(r.id))).orderBy('id')
        .select('invoice_id', 'due_date')) as { invoice_id: unknown; due_date: unknown }[];
      for (const e of ext) extended.set(Number(e.invoice_id), String(e.due_date));
    }
    for (const r of rows) {
      const ref: OpenInvoiceRef = {
        id: Number(r.id), number: String(r.number), subscriptionId: Number(r.subscription_id), dueDate: extended.get(Number(r.id)) ?? String(r.due_date),
        issuedDueDate: String(r.due_date), status: String(r.status),
      };
      out.set(ref.subscriptionId, [...(out.get(ref.subscriptionId) ?? []), ref]);
    }
    return out;
  }

  /** {@link stepsOf} several subscriptions at once (at most 500 ids), by subscription id. */
  async stepsOfMany(ids: readonly number[]): Promise<Map<number, Set<string>>> {
    const out = new Map<number, Set<string>>();
    if (!ids.length) return out;
    const rows = (await this.db('billing_steps').whereIn('subscription_id', [...ids]).select('subscription_id', 'period', 'step')) as
      { subscription_id: unknown; period: string; step: string }[];
    for (const r of rows) {
      const id = Number(r.subscription_id);
      if (!out.has(id)) out.set(id, new Set());
      out.get(id)!.add(`${r.period}/${r.step}`);
    }
    return out;
  }

  /** The latest paid invoice of a subscription (the one that paid the current period), or null. */
  async lastPaidInvoiceId(subscriptionId: number): Promise<number | null> {
    const row = (await this.db('invoices').where({ subscription_id: subscriptionId, kind: 'invoice', status: 'paid' }).orderBy('id', 'desc').first('id')) as
      { id: unknown } | undefined;
    return row ? Number(row.id) : null;
  }

  /** Units credited to the account's ledger with one of `references`. */
  async unitsCredited(accountId: number, references: string[]): Promise<number> {
    if (!references.length) return 0;
    const row = (await this.db('ledger_entries').where({ account_id: accountId, kind: 'credit' }).whereIn('reference', references)
      .sum({ s: 'units' }).first()) as { s: unknown } | undefined;
    return Number(row?.s ?? 0);
  }

  /** Email and locale of an account, for mails. */
  async contact(accountId: number): Promise<{ email: string; locale: 'fr' | 'en'; name: string } | null> {
    const r = (await this.db('accounts').where({ id: accountId }).first('email', 'locale', 'name')) as Record<string, unknown> | undefined;
    return r ? { email: String(r.email), locale: r.locale === 'en' ? 'en' : 'fr', name: String(r.name ?? '') } : null;
  }
}
