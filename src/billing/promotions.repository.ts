/**
 * The `promotions`, `promotion_plans` and `promotion_redemptions` tables
 * (written only through PromotionsService), and the reads a code's check
 * needs from `plans` and `invoices`. Amounts come back as numbers
 * (PostgreSQL returns bigint as text); booleans as booleans (SQLite: 0/1).
 */
import type { Db } from '../platform/db.js';
import { insertedId, isSqlite } from '../platform/db.js';
import { toDateOrNull } from '../platform/time.js';
import type { Currency } from './money.js';
import { toPlan, type Plan } from './plans.repository.js';

export type PromotionKind = 'percentage' | 'fixed';
/** Which invoices of a subscription a code discounts: its first one (the checkout), its renewals, or both. */
export type PromotionScope = 'first' | 'renewals' | 'both';
/** `first`: the checkout's invoice (counts as a use); `renewal`: a renewal invoice of the subscription that used the code. */
export type RedemptionKind = 'first' | 'renewal';

/** What a promotion holds besides its id and dates (PromotionsService checks it; units in the migration's comment). */
export interface PromotionFields {
  /** Upper-case, [A-Z0-9_-]{3,32}. */
  code: string;
  name: string;
  kind: PromotionKind;
  /** percentage: basis points 1..10000 (10 % = 1000); fixed: minor units of `currency`, 1..2^53−1. */
  value: number;
  /** Required for a fixed amount or a minimum; limits the code to plans in that currency. */
  currency: Currency | null;
  /** null: no limit. */
  maxUses: number | null;
  maxUsesPerCustomer: number | null;
  appliesTo: PromotionScope;
  /** Calendar days YYYY-MM-DD in the billing time zone, inclusive; null: open. */
  startsOn: string | null;
  endsOn: string | null;
  isActive: boolean;
  autoApply: boolean;
  newCustomersOnly: boolean;
  /** HT before discount the invoice must reach, minor units of `currency` (0: none). */
  minAmount: number;
  /** The plans the code is limited to; empty: every plan. */
  planIds: number[];
}

export interface Promotion extends PromotionFields {
  id: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewRedemption {
  promotionId: number;
  accountId: number;
  invoiceId: number;
  subscriptionId: number | null;
  kind: RedemptionKind;
  /** HT taken off the invoice, minor units of `currency`. */
  discount: number;
  currency: Currency;
}

type Row = Record<string, unknown>;
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toPromotion(r: Row, planIds: number[]): Promotion {
  return {
    id: Number(r.id), code: String(r.code), name: String(r.name), kind: r.kind as PromotionKind, value: Number(r.value),
    currency: (r.currency as Currency | null) ?? null, maxUses: numOrNull(r.max_uses), maxUsesPerCustomer: numOrNull(r.max_uses_per_customer),
    appliesTo: r.applies_to as PromotionScope, startsOn: (r.starts_on as string | null) ?? null, endsOn: (r.ends_on as string | null) ?? null,
    isActive: Boolean(r.is_active), autoApply: Boolean(r.auto_apply), newCustomersOnly: Boolean(r.new_customers_only), minAmount: Number(r.min_amount),
    planIds, createdAt: toDateOrNull(r.created_at)!, updatedAt: toDateOrNull(r.updated_at)!,
  };
}

function toRow(p: PromotionFields): Row {
  return {
    code: p.code, name: p.name, kind: p.kind, value: p.value, currency: p.currency, max_uses: p.maxUses, max_uses_per_customer: p.maxUsesPerCustomer,
    applies_to: p.appliesTo, starts_on: p.startsOn, ends_on: p.endsOn, is_active: p.isActive, auto_apply: p.autoApply,
    new_customers_only: p.newCustomersOnly, min_amount: p.minAmount,
  };
}

export class PromotionsRepository {
  constructor(private readonly db: Db) {}

  with(trx: Db): PromotionsRepository {
    return new PromotionsRepository(trx);
  }

  private async withPlans(rows: Row[]): Promise<Promotion[]> {
    if (!rows.length) return [];
    const links = (await this.db('promotion_plans').whereIn('promotion_id', rows.map((r) => Number(r.id))).orderBy(['promotion_id', 'plan_id'])) as Row[];
    return rows.map((r) => toPromotion(r, links.filter((l) => Number(l.promotion_id) === Number(r.id)).map((l) => Number(l.plan_id))));
  }

  /** One promotion; `lock` holds its row until the transaction ends on PostgreSQL (SQLite holds the write lock already). */
  async byId(id: number, lock = false): Promise<Promotion | null> {
    const q = this.db('promotions').where({ id }).first();
    if (lock && !isSqlite(this.db)) q.forUpdate();
    const row = (await q) as Row | undefined;
    return row ? (await this.withPlans([row]))[0]! : null;
  }

  /** The promotion of `code` (already upper-case), locked as in byId. */
  async byCode(code: string, lock = false): Promise<Promotion | null> {
    const q = this.db('promotions').where({ code }).first();
    if (lock && !isSqlite(this.db)) q.forUpdate();
    const row = (await q) as Row | undefined;
    return row ? (await this.withPlans([row]))[0]! : null;
  }

  /** The active auto-apply promotions, id order (the lock order when `lock`). */
  async autoApplied(lock = false): Promise<Promotion[]> {
    const q = this.db('promotions').where({ auto_apply: true, is_active: true }).orderBy('id');
    if (lock && !isSqlite(this.db)) q.forUpdate();
    return this.withPlans((await q) as Row[]);
  }

  async codeTaken(code: string): Promise<boolean> {
    return (await this.db('promotions').where({ code }).first('id')) !== undefined;
  }

  /** The ids among `ids` that are plans. */
  async existingPlans(ids: number[]): Promise<number[]> {
    if (!ids.length) return [];
    return ((await this.db('plans').whereIn('id', ids).select('id')) as Row[]).map((r) => Number(r.id));
  }

  async plan(id: number): Promise<Plan | null> {
    const row = (await this.db('plans').where({ id }).first()) as Row | undefined;
    return row ? toPlan(row) : null;
  }

  async insert(p: PromotionFields, now: Date): Promise<number> {
    const id = insertedId(await this.db('promotions').insert({ ...toRow(p), created_at: now.toISOString(), updated_at: now.toISOString() }).returning('id'));
    await this.setPlans(id, p.planIds);
    return id;
  }

  /** Write every field but the code, which never changes once created, and replace the plan list. */
  async update(id: number, p: PromotionFields, now: Date): Promise<void> {
    const { code: _code, ...row } = toRow(p);
    await this.db('promotions').where({ id }).update({ ...row, updated_at: now.toISOString() });
    await this.setPlans(id, p.planIds);
  }

  private async setPlans(id: number, planIds: number[]): Promise<void> {
    await this.db('promotion_plans').where({ promotion_id: id }).delete();
    if (planIds.length) await this.db('promotion_plans').insert(planIds.map((plan) => ({ promotion_id: id, plan_id: plan })));
  }

  async setActive(id: number, active: boolean, now: Date): Promise<void> {
    await this.db('promotions').where({ id }).update({ is_active: active, updated_at: now.toISOString() });
  }

  /** Uses of a promotion (checkout redemptions), all accounts or one. */
  async uses(promotionId: number, accountId?: number): Promise<number> {
    const q = this.db('promotion_redemptions').where({ promotion_id: promotionId, kind: 'first' });
    if (accountId !== undefined) q.where({ account_id: accountId });
    const [row] = (await q.count({ n: '*' })) as { n: unknown }[];
    return Number(row?.n ?? 0);
  }

  /** Whether the account has ever had an invoice finalised (not a new customer any more). */
  async hasInvoice(accountId: number): Promise<boolean> {
    return (await this.db('invoices').where({ account_id: accountId, kind: 'invoice' }).whereNot({ status: 'draft' }).first('id')) !== undefined;
  }

  /** The promotion a subscription used at its checkout, or null. */
  async promotionOfSubscription(subscriptionId: number): Promise<number | null> {
    const row = (await this.db('promotion_redemptions').where({ subscription_id: subscriptionId, kind: 'first' }).orderBy('id').first('promotion_id')) as
      Row | undefined;
    return row ? Number(row.promotion_id) : null;
  }

  async insertRedemption(r: NewRedemption, now: Date): Promise<number> {
    return insertedId(await this.db('promotion_redemptions').insert({
      promotion_id: r.promotionId, account_id: r.accountId, invoice_id: r.invoiceId, subscription_id: r.subscriptionId, kind: r.kind,
      discount: r.discount, currency: r.currency, created_at: now.toISOString(),
    }).returning('id'));
  }
}
