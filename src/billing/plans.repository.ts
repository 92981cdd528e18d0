/**
 * The `plans` table (written only through PlansService). Prices in minor
 * units of the plan's currency (PostgreSQL returns bigint as text: read back
 * as numbers); `features` and `limits` are JSON text.
 */
import type { Db } from '../platform/db.js';
import { insertedId } from '../platform/db.js';
import { toDateOrNull } from '../platform/time.js';
import type { Currency } from './money.js';

export type PlanType = 'free' | 'trial' | 'monthly' | 'annual' | 'custom';
export type BillingCycle = 'month' | 'year' | 'one-time';

/** One line of the pricing page: its name in each language and its value ("10 000", "oui"). */
export interface PlanFeature {
  name_fr: string;
  name_en: string;
  value: string;
}

/** `units_per_period`: units credited per paid period (or once, for a pack); `max_installations`: null = no limit. */
export interface PlanLimits {
  units_per_period: number;
  max_installations: number | null;
}

/** What a plan holds besides its id and dates (PlansService checks it). */
export interface PlanFields {
  slug: string;
  nameFr: string;
  nameEn: string;
  descriptionFr: string;
  descriptionEn: string;
  type: PlanType;
  price: number;
  currency: Currency;
  billingCycle: BillingCycle;
  trialDays: number;
  setupFee: number;
  features: PlanFeature[];
  limits: PlanLimits;
  isActive: boolean;
  isPublic: boolean;
  displayOrder: number;
  highlighted: boolean;
}

export interface Plan extends PlanFields {
  id: number;
  createdAt: Date;
  updatedAt: Date;
}

function parseJson<T>(v: unknown, fallback: T): T {
  try {
    return v === null || v === undefined ? fallback : (JSON.parse(String(v)) as T);
  } catch {
    return fallback;
  }
}

/**
 * A `plans` row as a Plan: the one mapper of that row (SubscriptionsRepository reads plans through it too).
 * Bad JSON in `features`/`limits` reads as none; a missing limit reads as 0 units and no installation limit.
 */
export function toPlan(r: Record<string, unknown>): Plan {
  const limits = parseJson<Partial<PlanLimits>>(r.limits, {});
  return {
    id: Number(r.id), slug: String(r.slug), nameFr: String(r.name_fr), nameEn: String(r.name_en), descriptionFr: String(r.description_fr ?? ''),
    descriptionEn: String(r.description_en ?? ''), type: r.type as PlanType, price: Number(r.price), currency: r.currency as Currency,
    billingCycle: r.billing_cycle as BillingCycle, trialDays: Number(r.trial_days), setupFee: Number(r.setup_fee),
    features: parseJson<PlanFeature[]>(r.features, []),
    limits: { units_per_period: Number(limits.units_per_period ?? 0), max_installations: limits.max_installations ?? null },
    isActive: Boolean(r.is_active), isPublic: Boolean(r.is_public), displayOrder: Number(r.display_order), highlighted: Boolean(r.highlighted),
    createdAt: toDateOrNull(r.created_at)!, updatedAt: toDateOrNull(r.updated_at)!,
  };
}

function toRow(p: PlanFields): Record<string, unknown> {
  return {
    slug: p.slug, name_fr: p.nameFr, name_en: p.nameEn, description_fr: p.descriptionFr, description_en: p.descriptionEn, type: p.type,
    price: p.price, currency: p.currency, billing_cycle: p.billingCycle, trial_days: p.trialDays, setup_fee: p.setupFee,
    features: JSON.stringify(p.features), limits: JSON.stringify(p.limits), is_active: p.isActive, is_public: p.isPublic,
    display_order: p.displayOrder, highlighted: p.highlighted,
  };
}

export class PlansRepository {
  constructor(private readonly db: Db) {}

  with(trx: Db): PlansRepository {
    return new PlansRepository(trx);
  }

  /** Every plan, by display order then id. */
  async list(): Promise<Plan[]> {
    return ((await this.db('plans').orderBy('display_order').orderBy('id')) as Record<string, unknown>[]).map(toPlan);
  }

  async byId(id: number): Promise<Plan | null> {
    const row = (await this.db('plans').where({ id }).first()) as Record<string, unknown> | undefined;
    return row ? toPlan(row) : null;
  }

  async slugTaken(slug: string): Promise<boolean> {
    return (await this.db('plans').where({ slug }).first('id')) !== undefined;
  }

  async insert(p: PlanFields, now: Date): Promise<number> {
    return insertedId(await this.db('plans').insert({ ...toRow(p), created_at: now.toISOString(), updated_at: now.toISOString() }).returning('id'));
  }

  /** Write every field but the slug, which never changes once created. */
  async update(id: number, p: PlanFields, now: Date): Promise<void> {
    const { slug: _slug, ...row } = toRow(p);
    await this.db('plans').where({ id }).update({ ...row, updated_at: now.toISOString() });
  }

  async setActive(id: number, active: boolean, now: Date): Promise<void> {
    await this.db('plans').where({ id }).update({ is_active: active, updated_at: now.toISOString() });
  }
}
