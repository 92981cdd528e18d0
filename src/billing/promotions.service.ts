/**
 * Promotion codes: the only writer of `promotions`, `promotion_plans` and
 * `promotion_redemptions`. Staff changes are one transaction each with their
 * audit row (`promotion.created`, `promotion.updated`, `promotion.activated`,
 * `promotion.deactivated`).
 *
 * A code is checked against, in this order (the first that fails is the
 * refusal reason): unknown, inactive, not_started, expired (days in
 * BILLING_TIMEZONE, both inclusive), not_for_plan (plan list, currency, a
 * plan with trial days or nothing to pay, a renewal-only code on nothing to
 * renew), exhausted (max_uses), already_used (max_uses_per_customer),
 * new_customers_only (the account has had an invoice), below_minimum (HT
 * before discount under min_amount). Uses are the checkout redemptions;
 * renewals do not count.
 *
 * THE DISCOUNT (money.ts rule step 2): computed once on the HT of the
 * invoice's lines before VAT — a percentage is percentOf(HT, basis points),
 * rounded half away from zero to the minor unit; a fixed amount is taken
 * whole, both capped at the HT — then taken off the lines in order, each line
 * at most its own HT (the `discount` of the line), so VAT is computed on the
 * discounted base and the PDF shows "Discount" under the line.
 *
 * The use is recorded in the transaction that finalises the invoice
 * ({@link PromotionsService.applyIn} then {@link PromotionsService.recordIn}):
 * the caller holds the chain counter (InvoicesService's lock order), then the
 * promotion row is locked (PostgreSQL: SELECT … FOR UPDATE; SQLite: the
 * transaction holds the write lock) and the uses left are counted again, so N
 * simultaneous checkouts on a code with k uses left give exactly k discounts;
 * the others are refused `exhausted` and write nothing.
 */
import type { Actor, AuditService } from '../audit/index.js';
import { NotFoundError, ValidationError } from '../errors/index.js';
import type { Clock } from '../platform/clock.js';
import { isUniqueViolation, type Db } from '../platform/db.js';
import type { Invoice } from './invoices.repository.js';
import type { DraftLine } from './invoices.service.js';
import { dayIn } from './invoices.service.js';
import { isCurrency, moneyText, percentOf } from './money.js';
import type { Plan } from './plans.repository.js';
import {
  PromotionsRepository, type Promotion, type PromotionFields, type PromotionKind, type PromotionScope, type RedemptionKind,
} from './promotions.repository.js';

export const PROMOTION_KINDS: readonly PromotionKind[] = ['percentage', 'fixed'];
export const PROMOTION_SCOPES: readonly PromotionScope[] = ['first', 'renewals', 'both'];
export const REFUSALS = [
  'unknown', 'inactive', 'not_started', 'expired', 'not_for_plan', 'exhausted', 'already_used', 'new_customers_only', 'below_minimum',
] as const;
/** Why a code gives no discount (module comment); the text is `promotions:refusals.<reason>`. */
export type RefusalReason = (typeof REFUSALS)[number];

/** A code that applies: the discount (minor units of the plan's currency) and the lines with it taken off. */
export interface AppliedPromotion {
  promotion: Promotion;
  discount: number;
  /** false: a renewal-only code taken at checkout (no discount now, its renewals get it). */
  appliesNow: boolean;
  lines: DraftLine[];
}

export type CheckResult = ({ ok: true } & AppliedPromotion) | { ok: false; reason: RefusalReason };

/** The plan as a check needs it. */
export type PromotionPlan = Pick<Plan, 'id' | 'currency' | 'trialDays'>;

const E = (k: string): string => `admin-promotions:errors.${k}`;
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
export const CODE_PATTERN = /^[A-Z0-9_-]{3,32}$/;
const DAY = /^(20\d\d|2100)-\d{2}-\d{2}$/;
const MAX_COUNT = 1_000_000_000;

/** The code as stored: trimmed, upper-case (codes are unique whatever the case). */
export function normaliseCode(text: unknown): string {
  return typeof text === 'string' ? text.trim().toUpperCase() : '';
}

function realDay(d: string): boolean {
  if (!DAY.test(d)) return false;
  const t = new Date(`${d}T00:00:00Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === d;
}

const count = (n: unknown): boolean => n === null || (Number.isSafeInteger(n) && (n as number) >= 1 && (n as number) <= MAX_COUNT);

/**
 * The field errors of `p` (field → admin-promotions:errors key), empty when valid: code [A-Z0-9_-]{3,32}; name 1..120 without
 * control characters; percentage 1..10000 basis points (0 < v ≤ 100 %); fixed 1..2^53−1 minor units with a currency; known
 * currency; limits null or 1..10^9; real days 2000..2100 with ends_on ≥ starts_on; min_amount 0..2^53−1 (a currency when > 0).
 * Plan ids are checked against the plans table by create/update.
 */
export function promotionErrors(p: PromotionFields): Record<string, string> {
  const e: Record<string, string> = {};
  if (typeof p.code !== 'string' || !CODE_PATTERN.test(p.code)) e.code = E('code');
  if (typeof p.name !== 'string' || !p.name.trim() || p.name.length > 120 || CONTROL.test(p.name)) e.name = E('name');
  if (!PROMOTION_KINDS.includes(p.kind)) e.kind = E('kind');
  if (p.currency !== null && !isCurrency(p.currency)) e.currency = E('currency');
  if (p.kind === 'percentage' && (!Number.isSafeInteger(p.value) || p.value < 1 || p.value > 10000)) e.value = E('percentage');
  if (p.kind === 'fixed') {
    if (!Number.isSafeInteger(p.value) || p.value < 1) e.value = E('fixed');
    if (p.currency === null) e.currency = E('currency_required');
  }
  if (!count(p.maxUses)) e.max_uses = E('count');
  if (!count(p.maxUsesPerCustomer)) e.max_uses_per_customer = E('count');
  if (!PROMOTION_SCOPES.includes(p.appliesTo)) e.applies_to = E('applies_to');
  if (p.startsOn !== null && !realDay(p.startsOn)) e.starts_on = E('day');
  if (p.endsOn !== null && !realDay(p.endsOn)) e.ends_on = E('day');
  else if (p.endsOn !== null && p.startsOn !== null && !e.starts_on && p.endsOn < p.startsOn) e.ends_on = E('ends_before');
  if (!Number.isSafeInteger(p.minAmount) || p.minAmount < 0) e.min_amount = E('min_amount');
  else if (p.minAmount > 0 && p.currency === null) e.currency = E('currency_required');
  if (!Array.isArray(p.planIds) || p.planIds.length > 100 || p.planIds.some((id) => !Number.isSafeInteger(id) || id < 1)) e.plan_ids = E('plans');
  return e;
}

/** The discount of `p` on `amountHt` minor units (module comment), 0..amountHt. */
export function discountOf(p: Pick<Promotion, 'kind' | 'value'>, amountHt: number): number {
  const d = p.kind === 'percentage' ? percentOf(amountHt, p.value) : p.value;
  return Math.max(0, Math.min(d, amountHt));
}

/** `lines` with `discount` taken off them in order, each line at most its own HT (module comment). */
export function discountLines(lines: readonly DraftLine[], discount: number): DraftLine[] {
  let left = discount;
  return lines.map((l) => {
    const own = l.discount ?? 0;
    const take = Math.min(left, l.quantity * l.unitPrice - own);
    left -= take;
    return take > 0 ? { ...l, discount: own + take } : { ...l };
  });
}

const htOf = (lines: readonly DraftLine[]): number => lines.reduce((s, l) => s + l.quantity * l.unitPrice - (l.discount ?? 0), 0);

export class PromotionsService {
  private readonly repo: PromotionsRepository;

  constructor(private readonly db: Db, private readonly clock: Clock, private readonly audit: AuditService, private readonly timezone: string) {
    this.repo = new PromotionsRepository(db);
  }

  byId(id: number): Promise<Promotion | null> {
    return this.repo.byId(id);
  }

  private async checkFields(repo: PromotionsRepository, p: PromotionFields): Promise<void> {
    const errors = promotionErrors(p);
    if (!errors.plan_ids && (await repo.existingPlans(p.planIds)).length !== new Set(p.planIds).size) errors.plan_ids = E('plans');
    if (Object.keys(errors).length) throw new ValidationError(errors);
  }

  /** Create a promotion; returns its id. @throws ValidationError (field → key; `code: code_taken` when the code exists). */
  async create(p: PromotionFields, actor: Actor): Promise<number> {
    const fields = { ...p, planIds: [...new Set(p.planIds)] };
    try {
      return await this.db.transaction(async (trx) => {
        const repo = this.repo.with(trx);
        await this.checkFields(repo, fields);
        if (await repo.codeTaken(fields.code)) throw new ValidationError({ code: E('code_taken') });
        const id = await repo.insert(fields, this.clock.now());
        await this.audit.record(trx, actor, 'promotion.created', { type: 'promotion', id }, { code: fields.code, ...auditOf(fields) });
        return id;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ValidationError({ code: E('code_taken') });
      throw err;
    }
  }

  /** Change every field of promotion `id` but its code (redemptions and mails name it). @throws NotFoundError; ValidationError. */
  async update(id: number, p: Omit<PromotionFields, 'code'>, actor: Actor): Promise<void> {
    await this.db.transaction(async (trx) => {
      const repo = this.repo.with(trx);
      const before = await repo.byId(id, true);
      if (!before) throw new NotFoundError('no such promotion');
      const next: PromotionFields = { ...p, code: before.code, planIds: [...new Set(p.planIds)] };
      await this.checkFields(repo, next);
      await repo.update(id, next, this.clock.now());
      const changed = (Object.keys(next) as (keyof PromotionFields)[]).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(next[k]));
      await this.audit.record(trx, actor, 'promotion.updated', { type: 'promotion', id }, { code: before.code, changed: changed.join(', ') || '-',
        ...auditOf(next) });
    });
  }

  /** Offer the code again or stop it (renewals of subscriptions that used it stop too). @throws NotFoundError. */
  async setActive(id: number, active: boolean, actor: Actor): Promise<void> {
    await this.db.transaction(async (trx) => {
      const repo = this.repo.with(trx);
      const p = await repo.byId(id, true);
      if (!p) throw new NotFoundError('no such promotion');
      await repo.setActive(id, active, this.clock.now());
      await this.audit.record(trx, actor, active ? 'promotion.activated' : 'promotion.deactivated', { type: 'promotion', id }, { code: p.code });
    });
  }

  /**
   * Check `code` for `accountId` on plan `planId` with `amountHt` (HT before discount, minor units of the plan's currency), for
   * the checkout (`first`) or a renewal. Reads only: the summary page. A plan that does not exist is `not_for_plan`.
   */
  async check(code: string, accountId: number, planId: number, amountHt: number, first: boolean): Promise<CheckResult> {
    const plan = Number.isSafeInteger(planId) ? await this.repo.plan(planId) : null;
    const typed = normaliseCode(code);
    const p = CODE_PATTERN.test(typed) ? await this.repo.byCode(typed) : null;
    if (!p) return { ok: false, reason: 'unknown' };
    if (!plan) return { ok: false, reason: 'not_for_plan' };
    return this.evaluate(this.repo, p, accountId, plan, [{ description: '-', quantity: 1, unitPrice: amountHt }], first);
  }

  /**
   * The checkout summary: `code` typed (its result), or none (the best auto-apply code that applies, or null). Reads only.
   * `first` false: the order renews something (a shop license renewal): codes for renewals apply, uses are not counted.
   * The shop passes plan id 0: codes limited to plans do not apply to its products.
   */
  async forCheckout(accountId: number, plan: PromotionPlan, lines: DraftLine[], code: string, first = true): Promise<CheckResult | null> {
    return this.choose(this.repo, normaliseCode(code), accountId, plan, lines, false, first);
  }

  /**
   * In the checkout's transaction, after the chain counter (module comment): the code `code` (typed; '' = the best auto-apply
   * code, or none) locked and checked again. Returns what to apply, or null (no code).
   * @throws ValidationError {code: promotions:refusals.<reason>} when a typed code is refused (nothing is to be written).
   */
  async applyIn(trx: Db, code: string, accountId: number, plan: PromotionPlan, lines: DraftLine[], first = true): Promise<AppliedPromotion | null> {
    const r = await this.choose(this.repo.with(trx), normaliseCode(code), accountId, plan, lines, true, first);
    if (r && !r.ok) throw new ValidationError({ code: `promotions:refusals.${r.reason}` });
    return r;
  }

  private async choose(repo: PromotionsRepository, code: string, accountId: number, plan: PromotionPlan, lines: DraftLine[], lock = false,
    first = true): Promise<CheckResult | null> {
    if (code) {
      const p = CODE_PATTERN.test(code) ? await repo.byCode(code, lock) : null;
      return p ? this.evaluate(repo, p, accountId, plan, lines, first) : { ok: false, reason: 'unknown' };
    }
    let best: AppliedPromotion | null = null;
    for (const p of await repo.autoApplied(lock)) {
      const r = await this.evaluate(repo, p, accountId, plan, lines, first);
      if (r.ok && r.appliesNow && (!best || r.discount > best.discount)) best = r;
    }
    return best ? { ok: true, ...best } : null;
  }

  /**
   * In a renewal invoice's transaction (chain counter held): the code subscription `sub` used at checkout, when it applies to
   * renewals and still passes its checks (active, dates, plan, minimum; uses are not counted again), locked; else null.
   */
  async renewalIn(trx: Db, sub: { id: number; accountId: number; planId: number; currency: Plan['currency'] }, lines: DraftLine[]):
    Promise<AppliedPromotion | null> {
    const repo = this.repo.with(trx);
    const id = await repo.promotionOfSubscription(sub.id);
    const p = id ? await repo.byId(id, true) : null;
    if (!p) return null;
    const r = await this.evaluate(repo, p, sub.accountId, { id: sub.planId, currency: sub.currency, trialDays: 0 }, lines, false);
    return r.ok && r.discount > 0 ? r : null;
  }

  /**
   * Record the use of `applied` by finalised `invoice` (of subscription `subscriptionId`), with its audit row `promotion.applied`,
   * in the finalising transaction. The UNIQUE invoice_id refuses a second code on one invoice.
   */
  async recordIn(trx: Db, applied: AppliedPromotion, invoice: Invoice, subscriptionId: number | null, kind: RedemptionKind, actor: Actor): Promise<void> {
    const p = applied.promotion;
    await this.repo.with(trx).insertRedemption({ promotionId: p.id, accountId: invoice.accountId, invoiceId: invoice.id, subscriptionId, kind,
      discount: applied.discount, currency: invoice.currency }, this.clock.now());
    await this.audit.record(trx, actor, 'promotion.applied', { type: 'promotion', id: p.id }, {
      code: p.code, invoice: invoice.number, kind, account: invoice.accountId, discount: applied.discount, currency: invoice.currency,
      discount_text: moneyText(applied.discount, invoice.currency),
    });
  }

  private async evaluate(repo: PromotionsRepository, p: Promotion, accountId: number, plan: PromotionPlan, lines: DraftLine[], first: boolean):
    Promise<CheckResult> {
    const today = dayIn(this.clock.now(), this.timezone);
    const ht = htOf(lines);
    const refuse = (reason: RefusalReason): CheckResult => ({ ok: false, reason });
    if (!p.isActive) return refuse('inactive');
    if (p.startsOn && today < p.startsOn) return refuse('not_started');
    if (p.endsOn && today > p.endsOn) return refuse('expired');
    if ((p.planIds.length && !p.planIds.includes(plan.id)) || (p.currency && p.currency !== plan.currency)) return refuse('not_for_plan');
    if (first ? plan.trialDays > 0 || ht <= 0 : p.appliesTo === 'first') return refuse('not_for_plan');
    if (first && p.maxUses !== null && (await repo.uses(p.id)) >= p.maxUses) return refuse('exhausted');
    if (first && p.maxUsesPerCustomer !== null && (await repo.uses(p.id, accountId)) >= p.maxUsesPerCustomer) return refuse('already_used');
    if (first && p.newCustomersOnly && (await repo.hasInvoice(accountId))) return refuse('new_customers_only');
    if (ht < p.minAmount) return refuse('below_minimum');
    const appliesNow = !first || p.appliesTo !== 'renewals';
    const discount = appliesNow ? discountOf(p, ht) : 0;
    return { ok: true, promotion: p, discount, appliesNow, lines: discountLines(lines, discount) };
  }
}

/** The audit details of a promotion's terms (amounts as text with their currency). */
function auditOf(p: PromotionFields): Record<string, string | number | null> {
  const value = p.kind === 'percentage' ? `${p.value / 100} %` : p.currency ? moneyText(p.value, p.currency) : String(p.value);
  return { name: p.name, kind: p.kind, value, applies_to: p.appliesTo, max_uses: p.maxUses, starts_on: p.startsOn, ends_on: p.endsOn,
    active: p.isActive ? 1 : 0, auto_apply: p.autoApply ? 1 : 0, plans: p.planIds.join(',') || 'all' };
}
