/**
 * Subscriptions: the only writer of `subscriptions`, `subscription_events`,
 * `billing_steps` and `due_date_extensions` (staff actions:
 * subscriptions.staff.ts); unit packs are bought through {@link packs}. States: pending, trialing, active, past_due,
 * suspended, paused, cancelled, expired; cancelled and expired are final
 * (a new subscription links the previous one). Every transition is a
 * `subscription_events` row and an audit row `subscription.<event>`, written
 * with the state in one transaction ({@link SubscriptionsService.moveIn}).
 *
 * Lock order inside a transaction: the chain counter (when an invoice or a
 * credit note is issued; InvoicesService's order), then the partner's account
 * (PostgreSQL row lock; on SQLite a write, so the write lock is held from
 * the start), then rows. Payments enter through {@link invoicePaidIn} with
 * the invoice locked first; the daily job's steps (subscriptions.steps.ts)
 * claim their step row first. Mails leave after commit.
 */
import type { Actor, AuditService } from '../audit/index.js';
import type { BillingConfig } from '../config/index.js';
import { ConflictError, ERR, NotFoundError, ValidationError } from '../errors/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import type { CreditsService } from './credits.service.js';
import type { Invoice } from './invoices.repository.js';
import { dayIn, type DraftLine, type DraftOptions, type InvoicesService } from './invoices.service.js';
import type { VatTreatment } from './mentions.js';
import { formatDay } from './invoice-pdf.js';
import { formatMoney } from './money.js';
import type { InvoicePaidHook } from './payments.service.js';
import { addDays, daysBetween, periodEnd } from './subscriptions.periods.js';
import type { Plan } from './plans.repository.js';
import type { AppliedPromotion, PromotionsService, RefusalReason } from './promotions.service.js';
import type { PlanPriceHook } from './plans.service.js';
import {
  FINAL_STATES, SubscriptionsRepository, type Subscription, type SubscriptionChange, type SubscriptionState,
} from './subscriptions.repository.js';
import { SubscriptionStaff, type DunningView, type ExtendInput } from './subscriptions.staff.js';
import { SubscriptionSteps } from './subscriptions.steps.js';
import { PacksService } from './packs.service.js';
import { namespaceText, type BillingLocale } from './texts.js';

/** The partner's unit ledger as subscriptions need it (LedgerService of src/recharge implements it). */
export interface UnitLedger {
  creditIn(trx: Db, accountId: number, units: number, reason: string, reference: string, actor: Actor): Promise<boolean>;
}

/** A mail to send once the transaction that decided it has committed (subscriptions.mails.ts renders it). */
export interface PendingMail {
  kind: string;
  accountId: number;
  params: Record<string, string>;
  /** Attach this invoice's PDF. */
  invoiceId?: number;
}

export interface MailSender {
  send(mail: PendingMail): Promise<void>;
}

export interface SubscriptionsDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  invoices: InvoicesService;
  credits: CreditsService;
  /** Promotion codes: the checkout's (typed or auto-applied) and the renewals' of the subscription that used one. */
  promotions: PromotionsService;
  billing: BillingConfig;
  ledger: UnitLedger;
  mails: MailSender;
  logger?: Logger;
}

/** Why a partner may not recharge now (null: may). */
export type GateReason = 'none' | 'pending' | 'suspended' | 'paused' | 'cancelled' | 'expired';
export const RECHARGE_STATES: readonly SubscriptionState[] = ['trialing', 'active', 'past_due'];
const LIVE: readonly SubscriptionState[] = ['pending', 'trialing', 'active', 'past_due', 'suspended', 'paused'];

/** The transitions allowed (DESIGN: a real billing system's); an event that keeps the state is allowed on any live one. */
const ALLOWED: Record<SubscriptionState, readonly SubscriptionState[]> = {
  pending: ['active', 'trialing', 'expired', 'cancelled'],
  trialing: ['active', 'past_due', 'expired', 'cancelled', 'paused'],
  active: ['past_due', 'cancelled', 'paused'],
  past_due: ['active', 'suspended', 'cancelled'],
  suspended: ['active', 'cancelled'],
  paused: ['active', 'cancelled'],
  cancelled: [],
  expired: [],
};

/** Days between the mail announcing a plan's new price and the first period it prices (a month's notice, common practice). */
export const PRICE_NOTICE_DAYS = 30;

/**
 * The price (minor units, the subscription's currency) of `sub`'s period starting on `periodStart` (YYYY-MM-DD):
 * its `nextPrice` from `nextPriceFrom` on, its snapshot price before.
 */
export function priceFor(sub: Pick<Subscription, 'price' | 'nextPrice' | 'nextPriceFrom'>, periodStart: string): number {
  return sub.nextPrice !== null && sub.nextPriceFrom !== null && periodStart >= sub.nextPriceFrom ? sub.nextPrice : sub.price;
}

/**
 * A checkout's summary: the lines (with the promotion's discount), totals after discount (minor units), the first due date,
 * the units credited per paid period; the promotion code applied (typed or auto-applied) or the reason the typed one is refused.
 */
export interface CheckoutPreview {
  plan: Plan;
  lines: DraftLine[];
  /** The code as typed, upper-case ('' = none typed). */
  code: string;
  promotion: { code: string; name: string; discount: number; appliesNow: boolean; auto: boolean } | null;
  refusal: RefusalReason | null;
  /** HT before the discount. */
  gross: number;
  ht: number;
  vatBreakdown: { rateBp: number; base: number; vat: number }[];
  ttc: number;
  vat: VatTreatment;
  firstDueDate: string | null;
  units: number;
}

export class SubscriptionsService implements InvoicePaidHook, PlanPriceHook {
  private readonly repo: SubscriptionsRepository;
  /** The daily job's steps (billing-run.ts drives them). */
  readonly steps: SubscriptionSteps;
  /** Staff actions (subscriptions.staff.ts); the methods below are their entry points. */
  private readonly staff: SubscriptionStaff;
  /** Unit packs: bought by partners who may recharge, credited once when paid (packs.service.ts). */
  readonly packs: PacksService;

  constructor(private readonly deps: SubscriptionsDeps) {
    this.repo = new SubscriptionsRepository(deps.db);
    this.steps = new SubscriptionSteps(deps, this.repo, this);
    this.staff = new SubscriptionStaff(deps, this.repo, this);
    this.packs = new PacksService(deps, this);
  }

  /** Today in the billing time zone (YYYY-MM-DD). */
  today(): string {
    return dayIn(this.deps.clock.now(), this.deps.billing.timezone);
  }

  /** Active public subscription plans in display order (the pricing page, the partner's choice; no unit pack). */
  publicPlans(): Promise<Plan[]> {
    return this.repo.publicPlans();
  }

  plan(id: number): Promise<Plan | null> {
    return this.repo.plan(id);
  }

  byId(id: number): Promise<Subscription | null> {
    return this.repo.byId(id);
  }

  /** The account's subscriptions, newest first. */
  history(accountId: number): Promise<Subscription[]> {
    return this.repo.ofAccount(accountId);
  }

  events(subscriptionId: number) {
    return this.repo.events(subscriptionId);
  }

  /**
   * The subscription that decides what the partner may do (`current`: the newest live one that is not pending,
   * else the newest live one, else the newest ended one) and a newer one waiting for its first payment.
   */
  async current(accountId: number): Promise<{ current: Subscription | null; waiting: Subscription | null }> {
    return pick(await this.repo.ofAccount(accountId));
  }

  /** Whether `accountId` may recharge (module comment of RECHARGE_STATES): null, or the reason why not. */
  async gate(accountId: number): Promise<GateReason | null> {
    return this.gateIn(this.deps.db, accountId);
  }

  /**
   * {@link gate} read inside the caller's transaction `trx` (RechargeService.confirm asks under the partner's lock,
   * so a subscription suspended a moment before the confirmation stops it: nothing is debited, no key file).
   */
  async gateIn(trx: Db, accountId: number): Promise<GateReason | null> {
    const { current } = pick(await this.repo.with(trx).ofAccount(accountId));
    if (!current) return 'none';
    return RECHARGE_STATES.includes(current.state) ? null : (current.state as GateReason);
  }

  /** E-mail address, language and name of an account, for the mails. */
  contactOf(accountId: number): Promise<{ email: string; locale: 'fr' | 'en'; name: string } | null> {
    return this.repo.contact(accountId);
  }

  /** Units credited for the current period of `sub` (its paid invoices' numbers, or its free period's reference). */
  async unitsThisPeriod(sub: Subscription): Promise<number> {
    const refs = (await this.deps.invoices.ofAccount(sub.accountId, 200))
      .filter((i) => i.subscriptionId === sub.id && i.kind === 'invoice' && i.number && (!sub.periodStart || i.issueDate! >= addDays(sub.periodStart, -31)))
      .map((i) => i.number!);
    if (sub.periodStart) refs.push(freeRef(sub.id, sub.periodStart));
    return this.repo.unitsCredited(sub.accountId, refs);
  }

  /** The invoice lines of `plan` in `locale` (first period; the setup fee on the first invoice only). */
  linesFor(plan: Plan, locale: BillingLocale, first: boolean): DraftLine[] {
    const name = locale === 'en' ? plan.nameEn : plan.nameFr;
    const text = (key: string): string => namespaceText('subscriptions', locale, key, { plan: name });
    const lines: DraftLine[] = [{ description: text(`lines.${plan.billingCycle}`), quantity: 1, unitPrice: plan.price }];
    if (first && plan.setupFee > 0) lines.push({ description: text('lines.setup'), quantity: 1, unitPrice: plan.setupFee });
    return lines;
  }

  /**
   * The summary before paying for `planId`. @throws ValidationError {plan} when the plan is not offered (inactive,
   * not public, unknown: also a plan removed while the page was open).
   */
  async preview(accountId: number, planId: number, locale: BillingLocale, code = ''): Promise<CheckoutPreview> {
    const plan = await this.offered(planId);
    const full = this.linesFor(plan, locale, true);
    const checked = await this.deps.promotions.forCheckout(accountId, plan, full, code);
    const applied = checked?.ok ? checked : null;
    const lines = applied ? applied.lines : full;
    const { totals, vat } = await this.deps.invoices.preview(accountId, lines);
    const paid = totals.ttc > 0 && plan.trialDays === 0;
    const firstDueDate = paid ? addDays(this.today(), this.deps.billing.paymentTermsDays) : plan.trialDays > 0 ? addDays(this.today(), plan.trialDays) : null;
    const promotion = applied ? { code: applied.promotion.code, name: applied.promotion.name, discount: applied.discount, appliesNow: applied.appliesNow,
      auto: !code.trim() } : null;
    return { plan, lines, code: code.trim().toUpperCase(), promotion, refusal: checked && !checked.ok ? checked.reason : null,
      gross: totals.ht + (applied?.discount ?? 0), ht: totals.ht, vatBreakdown: totals.vatBreakdown, ttc: totals.ttc, vat, firstDueDate,
      units: plan.limits.units_per_period ?? 0 };
  }

  private async offered(planId: number): Promise<Plan> {
    const plan = Number.isSafeInteger(planId) ? await this.repo.plan(planId) : null;
    if (!plan || !plan.isActive || !plan.isPublic || plan.billingCycle === 'one-time') {
      throw new ValidationError({ plan: 'subscriptions:errors.plan_unavailable' });
    }
    return plan;
  }

  /**
   * Subscribe `accountId` to `planId` (the partner's "pay"): a paid plan gives a `pending` subscription and its
   * finalised invoice (paid later: {@link invoicePaidIn}); a plan with trial days starts `trialing`; a free plan
   * `active` with its units. Choosing again the plan already waiting returns it (a double submit). A partner on a
   * paid plan changes plan instead ({@link changePlan}). Audited; mails after commit. `code`: the promotion code typed ('' = the
   * best auto-apply code, if any), used on the invoice in this transaction (PromotionsService).
   * @throws ValidationError {plan}: not offered, already the current plan, another subscription waiting for payment;
   *   {code: promotions:refusals.<reason>}: the typed code is refused now (nothing is written).
   */
  async subscribe(accountId: number, planId: number, actor: Actor, code = ''): Promise<{ subscription: Subscription; invoice: Invoice | null }> {
    const plan = await this.offered(planId);
    const mails: PendingMail[] = [];
    const out = await this.deps.db.transaction(async (trx) => {
      await this.deps.invoices.lockChainIn(trx);
      const repo = await this.lockAccountIn(trx, accountId);
      const { current, waiting } = pick(await repo.ofAccount(accountId));
      const pending = waiting ?? (current?.state === 'pending' ? current : null);
      if (pending) {
        if (pending.planId !== plan.id) throw new ValidationError({ plan: 'subscriptions:errors.pending_exists' });
        const unpaid = (await repo.unpaidInvoices(pending.id))[0];
        return { subscription: pending, invoice: unpaid ? await this.deps.invoices.lockForPayment(trx, unpaid.id) : null };
      }
      if (current && LIVE.includes(current.state) && current.planId === plan.id) throw new ValidationError({ plan: 'subscriptions:errors.already_subscribed' });
      if (current && LIVE.includes(current.state) && current.price > 0 && current.state !== 'pending') {
        return this.changePlanIn(trx, current, plan, actor, mails, code);
      }
      return this.startIn(trx, accountId, plan, current?.id ?? null, actor, mails, undefined, code);
    });
    this.deliverLater(mails);
    return out;
  }

  /** A new subscription to `plan` (see subscribe), linked to `previousId`; `code` (subscribe's) only from a checkout. */
  async startIn(trx: Db, accountId: number, plan: Plan, previousId: number | null, actor: Actor, mails: PendingMail[], state?: SubscriptionState,
    code?: string): Promise<{ subscription: Subscription; invoice: Invoice | null }> {
    const repo = this.repo.with(trx);
    const today = this.today();
    const trial = plan.trialDays > 0;
    const free = plan.price === 0 && plan.setupFee === 0;
    // No invoice now (a trial, a free plan): a typed code is refused, as the summary showed.
    if ((trial || free) && code?.trim()) throw new ValidationError({ code: 'promotions:refusals.not_for_plan' });
    const initial: SubscriptionState = state ?? (trial ? 'trialing' : free ? 'active' : 'pending');
    const start = initial === 'pending' ? null : today;
    const end = start ? (trial ? addDays(start, plan.trialDays) : periodEnd(start, plan.billingCycle)) : null;
    const id = await repo.insert({
      accountId, planId: plan.id, state: initial, price: plan.price, currency: plan.currency, billingCycle: plan.billingCycle, limits: plan.limits,
      periodStart: start, periodEnd: end, trialEndsAt: trial ? new Date(`${end}T00:00:00Z`) : null, previousSubscriptionId: previousId,
    }, this.deps.clock.now());
    const sub = (await repo.byId(id))!;
    await this.recordIn(trx, sub, null, initial, 'created', actor, { plan: plan.slug, previous: previousId });
    let invoice: Invoice | null = null;
    if (!trial && !free) {
      const locale = (await repo.contact(accountId))?.locale ?? 'fr';
      invoice = await this.issueFirstIn(trx, sub, plan, locale, actor, mails, code);
      if (invoice.status === 'paid') await this.paidIn(trx, invoice, actor, mails);
    } else if (free) {
      await this.creditUnitsIn(trx, sub, freeRef(id, today), actor);
      await this.endPreviousIn(trx, sub, actor);
      mails.push({ kind: 'welcome', accountId, params: { plan: planName(plan, 'fr'), plan_en: planName(plan, 'en') } });
    } else {
      await this.endPreviousIn(trx, sub, actor);
    }
    return { subscription: (await repo.byId(id))!, invoice };
  }

  /** The first invoice of `sub` with the checkout's promotion code (see subscribe) used on it; its mails. */
  private async issueFirstIn(trx: Db, sub: Subscription, plan: Plan, locale: BillingLocale, actor: Actor, mails: PendingMail[], code?: string):
    Promise<Invoice> {
    const lines = this.linesFor(plan, locale, true);
    const applied = code === undefined ? null : await this.deps.promotions.applyIn(trx, code, sub.accountId, plan, lines);
    const options: DraftOptions = { type: 'recurring', currency: plan.currency, subscriptionId: sub.id };
    const invoice = await this.deps.invoices.issueIn(trx, sub.accountId, applied?.lines ?? lines, options, actor);
    mails.push(invoiceMail(invoice));
    if (applied) {
      await this.deps.promotions.recordIn(trx, applied, invoice, sub.id, 'first', actor);
      mails.push(promotionMail(applied, invoice));
    }
    return invoice;
  }

  /**
   * Change the plan of the partner's current paid subscription to `planId`. An upgrade (a higher price per month)
   * applies now: a credit note gives back the unused part of the current period (days left / days of the
   * period, of the paid invoice's HT), the current subscription ends (`cancelled`, event plan_changed) and a new
   * one starts `active` today with its invoice (the credit balance is applied to it). A downgrade waits for the
   * end of the period (event downgrade_scheduled; the daily job switches). @throws ValidationError {plan}.
   */
  async changePlan(accountId: number, planId: number, actor: Actor): Promise<Subscription> {
    const plan = await this.offered(planId);
    const mails: PendingMail[] = [];
    const out = await this.deps.db.transaction(async (trx) => {
      await this.deps.invoices.lockChainIn(trx);
      const repo = await this.lockAccountIn(trx, accountId);
      const { current } = pick(await repo.ofAccount(accountId));
      if (!current || !['active', 'trialing'].includes(current.state) || current.price === 0) {
        throw new ValidationError({ plan: 'subscriptions:errors.no_change' });
      }
      if (current.planId === plan.id) throw new ValidationError({ plan: 'subscriptions:errors.already_subscribed' });
      return (await this.changePlanIn(trx, current, plan, actor, mails)).subscription;
    });
    this.deliverLater(mails);
    return out;
  }

  private async changePlanIn(
    trx: Db, current: Subscription, plan: Plan, actor: Actor, mails: PendingMail[], code?: string,
  ): Promise<{ subscription: Subscription; invoice: Invoice | null }> {
    if (monthly(plan.price, plan.billingCycle) <= monthly(current.price, current.billingCycle)) {
      // A downgrade issues no invoice now: a typed code has nothing to apply to (said, not dropped silently).
      if (code?.trim()) throw new ValidationError({ code: 'promotions:refusals.not_for_plan' });
      await this.recordIn(trx, current, current.state, current.state, 'downgrade_scheduled', actor, { plan: plan.slug }, { scheduledPlanId: plan.id });
      return { subscription: (await this.repo.with(trx).byId(current.id))!, invoice: null };
    }
    const today = this.today();
    const paidId = await this.repo.with(trx).lastPaidInvoiceId(current.id);
    if (paidId && current.periodStart && current.periodEnd && today < current.periodEnd) {
      const paid = (await this.deps.invoices.lockForPayment(trx, paidId))!;
      const left = daysBetween(today, current.periodEnd) / Math.max(1, daysBetween(current.periodStart, current.periodEnd));
      const amount = Math.round(paid.totalHt * left);
      const locale = paid.locale === 'en' ? 'en' : 'fr';
      const reason = namespaceText('subscriptions', locale, 'lines.prorata', { plan: planName(plan, locale) });
      if (amount > 0) await this.deps.invoices.creditNoteIn(trx, paidId, { amount, reason }, actor);
    }
    await this.recordIn(trx, current, current.state, 'cancelled', 'plan_changed', actor, { plan: plan.slug });
    return this.startIn(trx, current.accountId, plan, current.id, actor, mails, 'active', code);
  }

  /** Cancel at the end of the period (undoable until then). @throws ValidationError {form} when there is nothing to cancel. */
  async cancelAtPeriodEnd(accountId: number, actor: Actor): Promise<void> {
    await this.flagCancel(accountId, true, actor);
  }

  /** Undo {@link cancelAtPeriodEnd} before the period ends. @throws ValidationError {form}. */
  async undoCancel(accountId: number, actor: Actor): Promise<void> {
    await this.flagCancel(accountId, false, actor);
  }

  private async flagCancel(accountId: number, on: boolean, actor: Actor): Promise<void> {
    await this.deps.db.transaction(async (trx) => {
      const repo = await this.lockAccountIn(trx, accountId);
      const { current } = pick(await repo.ofAccount(accountId));
      if (!current || !current.periodEnd || !['trialing', 'active', 'past_due'].includes(current.state) || current.cancelAtPeriodEnd === on) {
        throw new ValidationError({ form: on ? 'subscriptions:errors.not_cancellable' : 'subscriptions:errors.not_cancelled' });
      }
      await this.recordIn(trx, current, current.state, current.state, on ? 'cancel_scheduled' : 'cancel_undone', actor, { period_end: current.periodEnd },
        { cancelAtPeriodEnd: on });
    });
  }

  /** Staff: cancel subscription `id` now (subscriptions.staff.ts). @throws NotFoundError; ValidationError {form} when it has ended. */
  cancelNow(id: number, actor: Actor, reason = ''): Promise<Subscription> {
    return this.staff.cancel(id, reason, actor);
  }

  /** Staff: pause (no invoice while paused) or resume subscription `id` (subscriptions.staff.ts). @throws NotFoundError; ValidationError. */
  pause(id: number, on: boolean, actor: Actor, reason = ''): Promise<Subscription> {
    return this.staff.pause(id, on, reason, actor);
  }

  /**
   * Staff: extend the due date of an unpaid invoice of subscription `id`; the dunning starts again from it
   * (subscriptions.staff.ts). @throws NotFoundError; ValidationError {form|invoice_id|due_date|reason}.
   */
  extendDue(id: number, input: ExtendInput, actor: Actor): Promise<Subscription> {
    return this.staff.extendDue(id, input, actor);
  }

  /** Staff: suspend past_due subscription `id` now. @throws NotFoundError; ValidationError {form|reason}. */
  suspendNow(id: number, actor: Actor, reason = ''): Promise<Subscription> {
    return this.staff.suspend(id, reason, actor);
  }

  /** Staff override: suspended subscription `id` active again, its dunning unchanged. @throws NotFoundError; ValidationError. */
  reactivate(id: number, actor: Actor, reason = ''): Promise<Subscription> {
    return this.staff.reactivate(id, reason, actor);
  }

  /** Unpaid invoices, extensions granted and the next dunning step of `sub` (staff pages). */
  dunning(sub: Subscription): Promise<DunningView> {
    return this.staff.dunning(sub);
  }

  /** Staff or a migration's successor: give `accountId` an active `legacy` subscription when it has none (idempotent). */
  async startLegacy(accountId: number, actor: Actor): Promise<void> {
    await this.deps.db.transaction(async (trx) => {
      const repo = await this.lockAccountIn(trx, accountId);
      if ((await repo.ofAccount(accountId)).some((s) => LIVE.includes(s.state))) return;
      const plan = await repo.planBySlug('legacy');
      if (!plan) throw new NotFoundError('no legacy plan');
      const id = await repo.insert({ accountId, planId: plan.id, state: 'active', price: 0, currency: plan.currency, billingCycle: plan.billingCycle,
        limits: plan.limits, periodStart: this.today(), periodEnd: null, trialEndsAt: null, previousSubscriptionId: null }, this.deps.clock.now());
      await this.recordIn(trx, (await repo.byId(id))!, null, 'active', 'created', actor, { plan: 'legacy' });
    });
  }

  /**
   * PlanPriceHook (PlansService.update inside its transaction, when the admin applies a plan's new price to renewals):
   * each running subscription of `plan` (trialing, active, past_due, suspended, paused) in the plan's currency and
   * cycle gets `next_price` = the plan's price from the first period starting PRICE_NOTICE_DAYS after today (back to
   * none when the plan returns to the subscription's price), with a `price_change_scheduled` event and audit row;
   * the partners are mailed the old and new prices and the date, after commit (the returned callback).
   */
  async planPriceChangedIn(trx: Db, plan: Plan, actor: Actor): Promise<{ scheduled: number; deliver: () => void }> {
    const mails: PendingMail[] = [];
    const from = addDays(this.today(), PRICE_NOTICE_DAYS);
    let scheduled = 0;
    for (const sub of await this.repo.with(trx).onPlan(plan.id, ['trialing', 'active', 'past_due', 'suspended', 'paused'])) {
      if (sub.currency !== plan.currency || sub.billingCycle !== plan.billingCycle) continue;
      const next = plan.price === sub.price ? null : plan.price;
      if (next === sub.nextPrice) continue;
      await this.lockAccountIn(trx, sub.accountId);
      const when = next === null ? null : from;
      await this.recordIn(trx, sub, sub.state, sub.state, 'price_change_scheduled', actor, { price: sub.price, next_price: next, from: when },
        { nextPrice: next, nextPriceFrom: when });
      if (next === null) continue;
      scheduled += 1;
      mails.push({ kind: 'price_change', accountId: sub.accountId, params: {
        plan: planName(plan, 'fr'), plan_en: planName(plan, 'en'),
        old: formatMoney(sub.price, sub.currency, 'fr'), old_en: formatMoney(sub.price, sub.currency, 'en'),
        new: formatMoney(next, sub.currency, 'fr'), new_en: formatMoney(next, sub.currency, 'en'), from: formatDay(from, 'fr'), from_en: formatDay(from, 'en'),
      } });
    }
    return { scheduled, deliver: () => this.deliverLater(mails) };
  }

  /** Lock the partner's subscriptions for this transaction (module comment); returns the repository on `trx`. */
  async lockAccountIn(trx: Db, accountId: number): Promise<SubscriptionsRepository> {
    const repo = this.repo.with(trx);
    await repo.lockAccount(accountId);
    return repo;
  }

  /**
   * Move `sub` to state `to` with event `event` (ConflictError CONFLICT for a transition the table does not allow),
   * writing the event row and the audit row in `trx`. Returns the subscription as it is now.
   */
  async moveIn(trx: Db, sub: Subscription, to: SubscriptionState, event: string, actor: Actor, details: Record<string, string | number | null> = {},
    change: SubscriptionChange = {}): Promise<Subscription> {
    if (to !== sub.state && !ALLOWED[sub.state].includes(to)) throw new ConflictError(`subscription ${sub.state} cannot become ${to}`, ERR.CONFLICT);
    if (to === sub.state && FINAL_STATES.includes(sub.state)) throw new ConflictError('subscription ended', ERR.CONFLICT);
    return this.recordIn(trx, sub, sub.state, to, event, actor, details, change);
  }

  private async recordIn(trx: Db, sub: Subscription, from: SubscriptionState | null, to: SubscriptionState, event: string, actor: Actor,
    details: Record<string, string | number | null> = {}, change: SubscriptionChange = {}): Promise<Subscription> {
    const now = this.deps.clock.now();
    const c: SubscriptionChange = { ...change, state: to, ...(FINAL_STATES.includes(to) && from !== to ? { endedAt: now } : {}) };
    const repo = this.repo.with(trx);
    await repo.update(sub.id, c, now);
    await repo.insertEvent({ subscriptionId: sub.id, accountId: sub.accountId, event, fromState: from, toState: to, details, actorId: actor.id }, now);
    await this.deps.audit.record(trx, actor, `subscription.${event}`, { type: 'subscription', id: sub.id },
      { account: sub.accountId, from: from ?? '', to, ...details });
    return { ...sub, ...c } as Subscription;
  }

  /**
   * InvoicePaidHook (PaymentsService, inside the payment's transaction): an invoice of a subscription is paid:
   * its plan's units_per_period are credited to the partner's unit ledger with the invoice number as reference
   * (once: the ledger refuses a reference twice), and a pending, past_due or suspended subscription becomes
   * active (a pending one starts its first period today and ends the subscription it replaces).
   */
  async invoicePaidIn(trx: Db, invoice: Invoice, actor: Actor): Promise<(() => void) | void> {
    if (!invoice.subscriptionId || invoice.kind !== 'invoice') return;
    const mails: PendingMail[] = [];
    await this.lockAccountIn(trx, invoice.accountId);
    await this.paidIn(trx, invoice, actor, mails);
    return () => this.deliverLater(mails);
  }

  private async paidIn(trx: Db, invoice: Invoice, actor: Actor, mails: PendingMail[]): Promise<void> {
    const repo = this.repo.with(trx);
    let sub = await repo.byId(invoice.subscriptionId!, true);
    if (!sub || FINAL_STATES.includes(sub.state)) return;
    const params = { number: invoice.number!, amount: formatMoney(invoice.amountDue, invoice.currency, invoice.locale) };
    mails.push({ kind: 'payment_received', accountId: sub.accountId, params });
    if (sub.state === 'pending') {
      const today = this.today();
      const period = { periodStart: today, periodEnd: periodEnd(today, sub.billingCycle) };
      sub = await this.moveIn(trx, sub, 'active', 'activated', actor, { invoice: invoice.number }, period);
      await this.endPreviousIn(trx, sub, actor);
      mails.push({ kind: 'welcome', accountId: sub.accountId, params: {} });
    } else if (sub.state === 'past_due' || sub.state === 'suspended') {
      sub = await this.moveIn(trx, sub, 'active', 'reactivated', actor, { invoice: invoice.number });
    }
    await this.creditUnitsIn(trx, sub, invoice.number!, actor);
  }

  /** Credit the plan's units_per_period once for `reference` (an invoice number, or a free period's reference). */
  async creditUnitsIn(trx: Db, sub: Subscription, reference: string, actor: Actor): Promise<void> {
    const units = Number(sub.limits.units_per_period ?? 0);
    if (!Number.isInteger(units) || units < 1) return;
    await this.deps.ledger.creditIn(trx, sub.accountId, units, `subscription ${reference}`, reference, actor);
  }

  /** When `sub` starts, the live subscription it replaces (legacy, a free plan) ends. */
  private async endPreviousIn(trx: Db, sub: Subscription, actor: Actor): Promise<void> {
    if (!sub.previousSubscriptionId) return;
    const prev = await this.repo.with(trx).byId(sub.previousSubscriptionId);
    if (prev && !FINAL_STATES.includes(prev.state)) await this.moveIn(trx, prev, 'cancelled', 'replaced', actor, { by: sub.id });
  }

  /** Send mails now, one after the other; a failure is logged, never thrown (the facts are committed). */
  async deliver(mails: PendingMail[]): Promise<void> {
    for (const m of mails) {
      await this.deps.mails.send(m).catch((err: unknown) => this.deps.logger?.error({ err, kind: m.kind }, 'subscription mail not sent'));
    }
  }

  private deliverLater(mails: PendingMail[]): void {
    void this.deliver(mails);
  }
}

/** The reference of a free period's units (no invoice number to use). */
export function freeRef(subscriptionId: number, day: string): string {
  return `sub:${subscriptionId}:${day}`;
}

export function invoiceMail(invoice: Invoice): PendingMail {
  return { kind: 'invoice_issued', accountId: invoice.accountId, invoiceId: invoice.id,
    params: { number: invoice.number!, amount: formatMoney(invoice.amountDue, invoice.currency, invoice.locale), due: invoice.dueDate ?? '' } };
}

/** The "promotion code applied" mail (promotions namespace) of a code used on `invoice` (`applied_later`: a renewal-only code). */
export function promotionMail(applied: AppliedPromotion, invoice: Invoice): PendingMail {
  return { kind: applied.appliesNow ? 'promotions:applied' : 'promotions:applied_later', accountId: invoice.accountId, params: {
    code: applied.promotion.code, number: invoice.number!, discount: formatMoney(applied.discount, invoice.currency, invoice.locale),
    amount: formatMoney(invoice.amountDue, invoice.currency, invoice.locale) } };
}

function planName(plan: Plan, locale: BillingLocale): string {
  return locale === 'en' ? plan.nameEn : plan.nameFr;
}

/** A price per month, to tell an upgrade from a downgrade. */
function monthly(price: number, cycle: string): number {
  return cycle === 'year' ? price / 12 : price;
}

function pick(subs: Subscription[]): { current: Subscription | null; waiting: Subscription | null } {
  const live = subs.filter((s) => LIVE.includes(s.state));
  const running = live.find((s) => s.state !== 'pending') ?? null;
  const waiting = live.find((s) => s.state === 'pending') ?? null;
  return { current: running ?? waiting ?? subs[0] ?? null, waiting: running ? waiting : null };
}
