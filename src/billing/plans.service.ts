/**
 * Plans: the only writer of `plans`. Each change is one transaction with its
 * audit row (`plan.created`, `plan.updated` with the changed fields,
 * `plan.activated`, `plan.deactivated`).
 *
 * A plan's price, currency, cycle and limits are copied into a subscription
 * when it starts, so an edit here reaches new subscriptions only.
 * A unit pack is a plan of type `custom` with the cycle `one-time`: bought
 * once, its `units_per_period` credited once when its invoice is paid
 * ({@link isUnitPack}). The slug never changes once the plan exists (links
 * and subscriptions name it).
 *
 * The public /subscription page shows the active public plans and is served
 * from the page cache to anonymous visitors, so every committed change calls
 * `changed` (the server clears the page cache there); without it a visitor
 * would see the old names and prices until the entry expires.
 */
import type { Actor, AuditService } from '../audit/index.js';
import { NotFoundError, ValidationError } from '../errors/index.js';
import type { Clock } from '../platform/clock.js';
import { isUniqueViolation, type Db } from '../platform/db.js';
import { isCurrency, moneyText } from './money.js';
import { PlansRepository, type BillingCycle, type Plan, type PlanFields, type PlanType } from './plans.repository.js';

export const PLAN_TYPES: readonly PlanType[] = ['free', 'trial', 'monthly', 'annual', 'custom'];
export const BILLING_CYCLES: readonly BillingCycle[] = ['month', 'year', 'one-time'];
/** The feature rows a plan may have (the form shows this many). */
export const MAX_FEATURES = 8;

/**
 * Told of a plan's new price inside the plan's update transaction, when the admin applies it to renewals
 * (SubscriptionsService: the writer of subscriptions). `deliver` runs after commit (the mails).
 */
export interface PlanPriceHook {
  planPriceChangedIn(trx: Db, plan: Plan, actor: Actor): Promise<{ scheduled: number; deliver: () => void }>;
}

/** Whether `p` is a one-time unit pack (type custom, cycle one-time). */
export function isUnitPack(p: Pick<Plan, 'type' | 'billingCycle'>): boolean {
  return p.type === 'custom' && p.billingCycle === 'one-time';
}

const E = (k: string): string => `admin-billing:errors.${k}`;
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex -- idem, descriptions keep their line breaks
const CONTROL_BUT_NEWLINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

const line = (s: unknown, max: number): boolean => typeof s === 'string' && s.trim().length > 0 && s.length <= max && !CONTROL.test(s);
const count = (n: unknown, max: number): boolean => Number.isSafeInteger(n) && (n as number) >= 0 && (n as number) <= max;

/**
 * The field errors of `p` (field → admin-billing:errors key), empty when valid: slug [a-z0-9-] 1..64, names 1..120,
 * descriptions ≤ 2000, known type/cycle/currency, price and setup fee integers 0..2^53−1 minor units, trial days
 * 0..365, ≤ 8 features, units 0..10^9, installations null or 1..10^6, display order 0..10^6; free plans cost nothing.
 */
export function planErrors(p: PlanFields): Record<string, string> {
  const e: Record<string, string> = {};
  if (typeof p.slug !== 'string' || !/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/.test(p.slug)) e.slug = E('slug');
  if (!line(p.nameFr, 120)) e.name_fr = E('name');
  if (!line(p.nameEn, 120)) e.name_en = E('name');
  for (const [k, v] of [['description_fr', p.descriptionFr], ['description_en', p.descriptionEn]] as const) {
    if (typeof v !== 'string' || v.length > 2000 || CONTROL_BUT_NEWLINES.test(v)) e[k] = E('description');
  }
  if (!PLAN_TYPES.includes(p.type)) e.type = E('type');
  if (!BILLING_CYCLES.includes(p.billingCycle)) e.billing_cycle = E('cycle');
  if (!isCurrency(p.currency)) e.currency = E('currency');
  if (!count(p.price, Number.MAX_SAFE_INTEGER)) e.price = E('amount_format');
  else if (p.type === 'free' && p.price !== 0) e.price = E('free_price');
  if (!count(p.setupFee, Number.MAX_SAFE_INTEGER)) e.setup_fee = E('amount_format');
  if (!count(p.trialDays, 365)) e.trial_days = E('trial_days');
  if (!Array.isArray(p.features) || p.features.length > MAX_FEATURES
    || p.features.some((f) => !line(f.name_fr, 120) || !line(f.name_en, 120) || !line(f.value, 120))) e.features = E('features');
  if (!count(p.limits?.units_per_period, 1_000_000_000)) e.units_per_period = E('units');
  const inst = p.limits?.max_installations;
  if (inst !== null && (!count(inst, 1_000_000) || inst === 0)) e.max_installations = E('installations');
  if (!count(p.displayOrder, 1_000_000)) e.display_order = E('display_order');
  return e;
}

export class PlansService {
  private readonly repo: PlansRepository;
  private priceHook: PlanPriceHook | null = null;

  /** `changed` is called after each committed change (create, update, activate, deactivate), never inside the transaction. */
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly changed: () => void = () => {},
  ) {
    this.repo = new PlansRepository(db);
  }

  /** Every plan (active or not), by display order. */
  list(): Promise<Plan[]> {
    return this.repo.list();
  }

  byId(id: number): Promise<Plan | null> {
    return this.repo.byId(id);
  }

  private check(p: PlanFields): void {
    const errors = planErrors(p);
    if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  }

  /**
   * Create a plan; returns its id.
   * @throws ValidationError (field → admin-billing:errors key; `slug: slug_taken` when the slug exists).
   */
  async create(p: PlanFields, actor: Actor): Promise<number> {
    this.check(p);
    try {
      const created = await this.db.transaction(async (trx) => {
        const repo = this.repo.with(trx);
        if (await repo.slugTaken(p.slug)) throw new ValidationError({ slug: E('slug_taken') });
        const id = await repo.insert(p, this.clock.now());
        await this.audit.record(trx, actor, 'plan.created', { type: 'plan', id }, {
          slug: p.slug, name: p.nameFr, type: p.type, cycle: p.billingCycle, price_text: moneyText(p.price, p.currency),
        });
        return id;
      });
      this.changed();
      return created;
    } catch (err) {
      if (isUniqueViolation(err)) throw new ValidationError({ slug: E('slug_taken') });
      throw err;
    }
  }

  /**
   * Change every field of plan `id` but its slug. Running subscriptions keep their snapshot (module comment).
   * @throws NotFoundError; ValidationError.
   */
  /** Register who is told of a price applied to renewals ({@link update}); createSubscriptions registers the subscriptions. */
  onPriceChange(hook: PlanPriceHook): void {
    this.priceHook = hook;
  }

  /**
   * Change every field but the slug. With `applyToRenewals`, the plan's price (new or not) reaches the running
   * subscriptions at their first renewal after the notice period, each partner mailed ({@link PlanPriceHook});
   * without it they keep their snapshot price. Returns how many subscriptions get a new price.
   * @throws NotFoundError, ValidationError (field errors).
   */
  async update(id: number, p: Omit<PlanFields, 'slug'>, actor: Actor, opts: { applyToRenewals?: boolean } = {}): Promise<{ scheduled: number }> {
    const out = await this.db.transaction(async (trx) => {
      const repo = this.repo.with(trx);
      const before = await repo.byId(id);
      if (!before) throw new NotFoundError('no such plan');
      const next: PlanFields = { ...p, slug: before.slug };
      this.check(next);
      await repo.update(id, next, this.clock.now());
      await this.audit.record(trx, actor, 'plan.updated', { type: 'plan', id }, {
        slug: before.slug, changed: changedFields(before, next).join(', ') || '-',
        price_before: moneyText(before.price, before.currency), price_after: moneyText(next.price, next.currency),
        renewals: opts.applyToRenewals ? 'new price' : 'unchanged',
      });
      if (!opts.applyToRenewals || !this.priceHook) return { scheduled: 0, deliver: () => undefined };
      return this.priceHook.planPriceChangedIn(trx, (await repo.byId(id))!, actor);
    });
    this.changed();
    out.deliver();
    return { scheduled: out.scheduled };
  }

  /** Offer the plan again (`active`) or stop offering it; subscriptions already on it go on. @throws NotFoundError. */
  async setActive(id: number, active: boolean, actor: Actor): Promise<void> {
    await this.db.transaction(async (trx) => {
      const repo = this.repo.with(trx);
      const plan = await repo.byId(id);
      if (!plan) throw new NotFoundError('no such plan');
      await repo.setActive(id, active, this.clock.now());
      await this.audit.record(trx, actor, active ? 'plan.activated' : 'plan.deactivated', { type: 'plan', id }, { slug: plan.slug, name: plan.nameFr });
    });
    this.changed();
  }
}

/** The names of the fields that differ (JSON fields compared as JSON). */
function changedFields(a: PlanFields, b: PlanFields): string[] {
  const keys = Object.keys(b) as (keyof PlanFields)[];
  return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

