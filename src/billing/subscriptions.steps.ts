/**
 * The daily job's steps for one subscription (renewals and dunning, the
 * seed's flows 2 and 4). Days count from a subscription's period end (P) or
 * from an unpaid invoice's due date (D):
 *   P-7 `renewal`: the next period's invoice, due on P, finalised and mailed,
 *       with the discount of the promotion code the subscription used when
 *       that code applies to renewals (a downgrade waiting: the mail only, the
 *       switch is at P);
 *   P-3 `reminder` (renewal unpaid), `trial_ending` (trialing);
 *   P   `renew`: the next period starts (free plan: its units), or the
 *       subscription ends (cancel at period end, free trial over), or a
 *       waiting downgrade starts as a new subscription;
 *   D   `due`: invoice overdue, subscription past_due, mail;
 *       (D is the invoice's due date, or the later one staff granted:
 *       subscriptions.staff.ts; steps are keyed by it, so an extension
 *       starts the dunning again from the new date);
 *   D+3 `dunning_3`, D+7 `dunning_7`: mails; D+14 `suspend`: suspended, final
 *       notice; D+30 `cancel`: cancelled, the invoice uncollectible;
 *   pending for BILLING_PENDING_DAYS: `expire`, its invoice cancelled by a
 *       credit note.
 * Each step is claimed by its UNIQUE (subscription, period, step) row as the
 * first write of its own transaction (or savepoint, in the daily job's
 * batches), so it runs once whatever the number of runs or instances; a run after days away does each due step once (reminder
 * mails already overtaken by a later step are not sent).
 */
import { SYSTEM_ACTOR } from '../audit/index.js';
import type { Db } from '../platform/db.js';
import { daysBetween, periodEnd } from './subscriptions.periods.js';
import { namespaceText } from './texts.js';
import type { Plan } from './plans.repository.js';
import type { OpenInvoiceRef, Subscription, SubscriptionsRepository } from './subscriptions.repository.js';
import { freeRef, invoiceMail, priceFor, type PendingMail, type SubscriptionsDeps, type SubscriptionsService } from './subscriptions.service.js';

export interface DueStep {
  period: string;
  step: string;
  invoiceId?: number;
}

/** Per subscription id: its unpaid invoices (oldest first) and its steps taken (`period/step`). */
export interface StepLookups {
  unpaid: Map<number, OpenInvoiceRef[]>;
  taken: Map<number, Set<string>>;
}

/** The dunning steps and their day counted from the due date. */
export const DUNNING: readonly [string, number][] = [['due', 0], ['dunning_3', 3], ['dunning_7', 7], ['suspend', 14], ['cancel', 30]];
const MAIL_ONLY = new Set(['reminder', 'dunning_3', 'dunning_7', 'trial_ending']);

export class SubscriptionSteps {
  constructor(private readonly deps: SubscriptionsDeps, private readonly repo: SubscriptionsRepository, private readonly subs: SubscriptionsService) {}

  /** Subscriptions that can have a step due (not paused, not ended), id order, after `afterId`. */
  candidates(afterId: number, limit: number): Promise<Subscription[]> {
    return this.repo.inStates(['pending', 'trialing', 'active', 'past_due', 'suspended'], afterId, limit);
  }

  /**
   * What {@link due} reads for each subscription, for a page of them in two queries (the daily job's page): their
   * unpaid invoices and the steps already taken. A step found due on a stale read is still claimed once, and a
   * dunning step re-reads its invoice in its transaction (an invoice paid meanwhile makes it do nothing).
   */
  async lookups(ids: readonly number[]): Promise<StepLookups> {
    const [unpaid, taken] = await Promise.all([this.repo.unpaidInvoicesOf(ids), this.repo.stepsOfMany(ids)]);
    return { unpaid, taken };
  }

  /** The open or overdue invoices of each subscription of `ids` (at most 500), with the due dates staff last granted, by subscription id. */
  unpaidOf(ids: readonly number[]): Promise<Map<number, OpenInvoiceRef[]>> {
    return this.repo.unpaidInvoicesOf(ids);
  }

  /** The steps due on `today` for `sub` and not taken yet, in the order they run; `known`: its page's {@link lookups}. */
  async due(sub: Subscription, today: string, known?: StepLookups): Promise<DueStep[]> {
    const out: DueStep[] = [];
    if (sub.state === 'pending') {
      const created = sub.createdAt.toISOString().slice(0, 10);
      if (daysBetween(created, today) >= this.deps.billing.pendingDays) out.push({ period: created, step: 'expire' });
    }
    const P = sub.periodEnd;
    if (P && (sub.state === 'active' || sub.state === 'trialing')) {
      if (daysBetween(today, P) <= 7 && !sub.cancelAtPeriodEnd && (sub.price > 0 || sub.scheduledPlanId)) out.push({ period: P, step: 'renewal' });
      if (daysBetween(today, P) <= 3 && sub.state === 'trialing') out.push({ period: P, step: 'trial_ending' });
      if (daysBetween(today, P) <= 3 && sub.price > 0 && !sub.cancelAtPeriodEnd) out.push({ period: P, step: 'reminder' });
      if (today >= P) out.push({ period: P, step: 'renew' });
    }
    if (['active', 'trialing', 'past_due', 'suspended'].includes(sub.state)) {
      for (const inv of known ? (known.unpaid.get(sub.id) ?? []) : await this.repo.unpaidInvoices(sub.id)) {
        for (const [step, offset] of DUNNING) if (daysBetween(inv.dueDate, today) >= offset) out.push({ period: inv.dueDate, step, invoiceId: inv.id });
      }
    }
    if (!out.length) return out;
    const taken = known ? (known.taken.get(sub.id) ?? new Set<string>()) : await this.repo.stepsOf(sub.id);
    return out.filter((s) => !taken.has(`${s.period}/${s.step}`));
  }

  /**
   * Run step `s` of subscription `id` in its own transaction (module comment), or in a savepoint of `batch` (the
   * daily job's: see {@link beginBatch}); returns the mails to send after commit (none when another run had claimed
   * the step). `quiet`: a later step is due too, skip a reminder's mail. A step that throws rolls back alone.
   */
  async run(id: number, s: DueStep, quiet: boolean, batch?: Db): Promise<PendingMail[]> {
    return (batch ?? this.deps.db).transaction(async (trx) => {
      const repo = this.repo.with(trx);
      if (!(await repo.claimStep(id, s.period, s.step, this.deps.clock.now()))) return [];
      // Steps that issue a document take the chain lock before the account's (InvoicesService's order); a batch holds it.
      if (!batch && (s.step === 'renewal' || s.step === 'renew' || s.step === 'expire')) await this.deps.invoices.lockChainIn(trx);
      if (s.invoiceId) await this.deps.invoices.lockForPayment(trx, s.invoiceId);
      const sub = (await repo.byId(id))!;
      await this.subs.lockAccountIn(trx, sub.accountId);
      const mails: PendingMail[] = [];
      await this.apply(trx, sub, s, mails);
      return quiet ? mails.filter((m) => !MAIL_ONLY.has(m.kind)) : mails;
    });
  }

  /**
   * Open a batch of steps in `trx` (several steps, each in its savepoint, committed together: one disk sync for
   * them all): the chain counter is locked first, so that the batch takes its locks in InvoicesService's order
   * (chain, then accounts) whatever its steps.
   */
  async beginBatch(trx: Db): Promise<void> {
    await this.deps.invoices.lockChainIn(trx);
  }

  private async apply(trx: Db, sub: Subscription, s: DueStep, mails: PendingMail[]): Promise<void> {
    const mail = (kind: string, params: Record<string, string> = {}) => mails.push({ kind, accountId: sub.accountId, params });
    const actor = SYSTEM_ACTOR;
    if (s.invoiceId) {
      const inv = await this.deps.invoices.lockForPayment(trx, s.invoiceId);
      if (!inv || (inv.status !== 'open' && inv.status !== 'overdue')) return;
      // s.period is the due date the dunning counts from (extended by staff, or the invoice's).
      const params = { number: inv.number!, due: s.period, amount: invoiceMail(inv).params.amount! };
      if (s.step === 'due') {
        await this.deps.invoices.markUnpaidIn(trx, inv.id, 'overdue');
        if (sub.state === 'active' || sub.state === 'trialing') await this.subs.moveIn(trx, sub, 'past_due', 'past_due', actor, { invoice: inv.number });
        mail('dunning_0', params);
      } else if (s.step === 'dunning_3' || s.step === 'dunning_7') {
        mail(s.step, params);
      } else if (s.step === 'suspend') {
        mail('dunning_14', params);
        // Staff may have suspended it already (their action mailed it) or reactivated it (it stays active).
        if (sub.state === 'past_due') {
          await this.subs.moveIn(trx, sub, 'suspended', 'suspended', actor, { invoice: inv.number });
          mail('suspended', params);
        }
      } else if (s.step === 'cancel') {
        await this.deps.invoices.markUnpaidIn(trx, inv.id, 'uncollectible');
        await this.subs.moveIn(trx, sub, 'cancelled', 'cancelled', actor, { invoice: inv.number, reason: 'unpaid' });
        mail('cancelled', params);
      }
      return;
    }
    if (s.step === 'expire') return this.expire(trx, sub);
    if (s.step === 'trial_ending') return void mail('trial_ending', { end: sub.periodEnd! });
    if (s.step === 'reminder') {
      const unpaid = (await this.repo.with(trx).unpaidInvoices(sub.id)).find((i) => i.dueDate === sub.periodEnd);
      if (unpaid) mail('reminder', { number: unpaid.number, due: unpaid.dueDate });
      return;
    }
    if (s.step === 'renewal') return this.renewal(trx, sub, s, mails);
    if (s.step === 'renew') return this.renew(trx, sub, mails);
  }

  private async renewal(trx: Db, sub: Subscription, s: DueStep, mails: PendingMail[]): Promise<void> {
    if (sub.scheduledPlanId) {
      const next = await this.repo.with(trx).plan(sub.scheduledPlanId);
      mails.push({ kind: 'renewal_coming', accountId: sub.accountId, params: { plan: next?.nameFr ?? '', plan_en: next?.nameEn ?? '', due: sub.periodEnd! } });
      return;
    }
    const plan = (await this.repo.with(trx).plan(sub.planId))!;
    const locale = (await this.repo.with(trx).contact(sub.accountId))?.locale ?? 'fr';
    // The subscription's snapshot prices the renewal, not the plan's current price (or the new price announced to it).
    const lines = this.subs.linesFor({ ...plan, price: priceFor(sub, sub.periodEnd!), billingCycle: sub.billingCycle }, locale, false);
    // The code the subscription used at checkout, when it applies to renewals (chain counter held: PromotionsService's order).
    const promo = await this.deps.promotions.renewalIn(trx, sub, lines);
    const inv = await this.deps.invoices.issueIn(trx, sub.accountId, promo?.lines ?? lines, { type: 'recurring', currency: sub.currency,
      subscriptionId: sub.id }, SYSTEM_ACTOR, sub.periodEnd!);
    if (promo) await this.deps.promotions.recordIn(trx, promo, inv, sub.id, 'renewal', SYSTEM_ACTOR);
    await this.repo.with(trx).setStepInvoice(sub.id, s.period, s.step, inv.id);
    mails.push({ ...invoiceMail(inv), kind: 'renewal_coming' });
    if (inv.status === 'paid') await this.subs.creditUnitsIn(trx, sub, inv.number!, SYSTEM_ACTOR);
  }

  private async renew(trx: Db, sub: Subscription, mails: PendingMail[]): Promise<void> {
    const P = sub.periodEnd!;
    const mail = (kind: string) => mails.push({ kind, accountId: sub.accountId, params: { end: P } });
    if (sub.cancelAtPeriodEnd) {
      await this.subs.moveIn(trx, sub, 'cancelled', 'cancelled_at_period_end', SYSTEM_ACTOR, { period_end: P });
      return void mail('cancelled');
    }
    if (sub.scheduledPlanId) {
      const plan = (await this.repo.with(trx).plan(sub.scheduledPlanId)) as Plan;
      await this.subs.moveIn(trx, sub, 'cancelled', 'plan_changed', SYSTEM_ACTOR, { plan: plan.slug });
      await this.subs.startIn(trx, sub.accountId, plan, sub.id, SYSTEM_ACTOR, mails, 'active');
      return;
    }
    if (sub.state === 'trialing' && sub.price === 0) {
      await this.subs.moveIn(trx, sub, 'expired', 'trial_ended', SYSTEM_ACTOR, { period_end: P });
      return;
    }
    // A new price announced to this subscription becomes its snapshot price from the period it applies to.
    const priced = sub.nextPrice !== null && priceFor(sub, P) === sub.nextPrice ? { price: sub.nextPrice, nextPrice: null, nextPriceFrom: null } : {};
    const next = { periodStart: P, periodEnd: periodEnd(P, sub.billingCycle), ...priced };
    const unpaid = (await this.repo.with(trx).unpaidInvoices(sub.id)).some((i) => i.dueDate <= P);
    const to = sub.state === 'trialing' ? (unpaid ? 'past_due' : 'active') : sub.state;
    const renewed = await this.subs.moveIn(trx, sub, to, sub.state === 'trialing' ? 'trial_ended' : 'renewed', SYSTEM_ACTOR, { period_start: P }, next);
    if (renewed.price === 0) await this.subs.creditUnitsIn(trx, renewed, freeRef(sub.id, P), SYSTEM_ACTOR);
  }

  private async expire(trx: Db, sub: Subscription): Promise<void> {
    await this.subs.moveIn(trx, sub, 'expired', 'expired', SYSTEM_ACTOR, { days: this.deps.billing.pendingDays });
    for (const inv of await this.repo.with(trx).unpaidInvoices(sub.id)) {
      const full = await this.deps.invoices.lockForPayment(trx, inv.id);
      const reason = namespaceText('subscriptions', full?.locale === 'en' ? 'en' : 'fr', 'lines.expired', { days: String(this.deps.billing.pendingDays) });
      if (full) await this.deps.invoices.creditNoteIn(trx, inv.id, { amount: full.totalHt, reason }, SYSTEM_ACTOR);
    }
  }
}
