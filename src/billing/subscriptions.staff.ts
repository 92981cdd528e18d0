/**
 * Staff actions on one subscription (the seed's flow 4, "Gestion impayés",
 * and the admin's pause and cancel). Each is one transaction holding its
 * `subscription_events` row and its audit row `subscription.<event>`
 * (SubscriptionsService.moveIn), the event written even when the state stays:
 *
 * - extend the due date of an unpaid invoice (`due_extended`). A finalised
 *   invoice never changes, so the new day is a `due_date_extensions` row and
 *   the daily job counts the invoice's dunning steps (J0 past_due, J+3, J+7,
 *   J+14 suspended, J+30 cancelled) from it. Steps are keyed by that day, so
 *   the whole dunning starts again from the new date; the steps taken before
 *   stay as history. The new day is after today and after the current due
 *   date, at most {@link MAX_EXTENSION_DAYS} ahead. An overdue invoice is
 *   `open` again, and a past_due or suspended subscription `active` again
 *   when none of its invoices is still past its due date: the state follows
 *   what is due.
 * - suspend now (`suspended`): a past_due subscription only; mailed.
 * - reactivate (`reactivated`): suspended → active as a staff override:
 *   nothing is paid and no date moves, so the dunning of an invoice still
 *   unpaid goes on (J+30 cancels); extend its due date to postpone that.
 * - pause (`paused`) / resume (`resumed`): only an active subscription with
 *   nothing unpaid whose next invoice is not issued yet (before P-7) pauses,
 *   so no invoice is left half-way; the daily job skips paused subscriptions
 *   (no invoice, no dunning). Resuming gives the unused days back: the
 *   period ends as many days after the resume as it had left at the pause.
 * - cancel now (`cancelled`): any live state; invoices still unpaid stay as
 *   they are (record their payment or issue a credit note on /admin/invoices).
 *
 * Refusals: ValidationError with `form` (or the field) → an
 * `admin-subscriptions:errors.*` key; NotFoundError for an unknown id.
 * Lock order as the payments': the invoice first, then the partner's account.
 */
import type { Actor } from '../audit/index.js';
import { NotFoundError, ValidationError } from '../errors/index.js';
import type { Db } from '../platform/db.js';
import { dayIn } from './invoices.service.js';
import { addDays, daysBetween } from './subscriptions.periods.js';
import type { DueExtension, OpenInvoiceRef, Subscription, SubscriptionsRepository, SubscriptionState } from './subscriptions.repository.js';
import type { PendingMail, SubscriptionsDeps, SubscriptionsService } from './subscriptions.service.js';
import { DUNNING } from './subscriptions.steps.js';

/** The furthest a due date may be extended, in days from today. */
export const MAX_EXTENSION_DAYS = 180;
/** The states whose unpaid invoices the daily job dunns (subscriptions.steps.ts). */
const DUNNED: readonly SubscriptionState[] = ['active', 'trialing', 'past_due', 'suspended'];
const LIVE: readonly SubscriptionState[] = ['pending', 'trialing', 'active', 'past_due', 'suspended', 'paused'];
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

const E = (k: string): string => `admin-subscriptions:errors.${k}`;
const refuse = (why: string, field = 'form'): never => {
  throw new ValidationError({ [field]: E(why) });
};

export interface ExtendInput {
  invoiceId: number;
  /** The new due date, YYYY-MM-DD. */
  dueDate: string;
  /** Why (at most 500 characters, one line; may be empty). */
  reason: string;
}

/** What the staff page shows of a subscription's dunning. */
export interface DunningView {
  /** Unpaid invoices, oldest first, with the due date the dunning counts from. */
  unpaid: OpenInvoiceRef[];
  extensions: DueExtension[];
  /** The next dunning step the daily job will run and its day, or null. */
  next: { step: string; day: string; invoice: string } | null;
  /** The first day something is due: an unpaid invoice's due date, else a paid plan's period end; null for none. */
  nextDue: string | null;
}

export class SubscriptionStaff {
  constructor(private readonly deps: SubscriptionsDeps, private readonly repo: SubscriptionsRepository, private readonly subs: SubscriptionsService) {}

  /** The dunning of `sub` as it stands (DunningView). */
  async dunning(sub: Subscription): Promise<DunningView> {
    const [unpaid, extensions, taken] = await Promise.all([this.repo.unpaidInvoices(sub.id), this.repo.extensions(sub.id), this.repo.stepsOf(sub.id)]);
    let next: DunningView['next'] = null;
    if (DUNNED.includes(sub.state)) {
      for (const inv of unpaid) {
        const step = DUNNING.find(([name]) => !taken.has(`${inv.dueDate}/${name}`));
        const day = step ? addDays(inv.dueDate, step[1]) : null;
        if (step && day && (!next || day < next.day)) next = { step: step[0], day, invoice: inv.number };
      }
    }
    const renews = sub.periodEnd && (sub.state === 'active' || sub.state === 'trialing') && !sub.cancelAtPeriodEnd && sub.price > 0 ? [sub.periodEnd] : [];
    const nextDue = [...unpaid.map((i) => i.dueDate), ...renews].sort()[0] ?? null;
    return { unpaid, extensions, next, nextDue };
  }

  /** Extend the due date of unpaid invoice `input.invoiceId` of subscription `id` (module comment). */
  async extendDue(id: number, input: ExtendInput, actor: Actor): Promise<Subscription> {
    const reason = checkReason(input.reason);
    const invoiceId = Number.isSafeInteger(input.invoiceId) && input.invoiceId > 0 ? input.invoiceId : null;
    return this.inTransaction(id, invoiceId, async (trx, sub) => {
      if (!DUNNED.includes(sub.state)) refuse('extend_state');
      const repo = this.repo.with(trx);
      const unpaid = await repo.unpaidInvoices(sub.id);
      const inv = unpaid.find((i) => i.id === invoiceId);
      if (!inv) return refuse('extend_invoice', 'invoice_id');
      const today = this.subs.today();
      if (!isDay(input.dueDate) || input.dueDate <= today || input.dueDate <= inv.dueDate || input.dueDate > addDays(today, MAX_EXTENSION_DAYS)) {
        refuse('extend_date', 'due_date');
      }
      await repo.insertExtension({ subscriptionId: sub.id, invoiceId: inv.id, accountId: sub.accountId, dueDate: input.dueDate, previousDueDate: inv.dueDate,
        reason, actorId: actor.id }, this.deps.clock.now());
      if (inv.status === 'overdue') await this.deps.invoices.markUnpaidIn(trx, inv.id, 'open');
      const stillDue = unpaid.some((i) => i.id !== inv.id && i.dueDate <= today);
      const to = (sub.state === 'past_due' || sub.state === 'suspended') && !stillDue ? 'active' : sub.state;
      return this.subs.moveIn(trx, sub, to, 'due_extended', actor, { invoice: inv.number, due_date: input.dueDate, previous: inv.dueDate, reason });
    });
  }

  /** Suspend past_due subscription `id` now (module comment). */
  async suspend(id: number, reasonText: string, actor: Actor): Promise<Subscription> {
    const reason = checkReason(reasonText);
    return this.inTransaction(id, null, async (trx, sub, mails) => {
      if (sub.state !== 'past_due') refuse('suspend_state');
      const unpaid = (await this.repo.with(trx).unpaidInvoices(sub.id))[0];
      mails.push({ kind: 'suspended', accountId: sub.accountId, params: { number: unpaid?.number ?? '', due: unpaid?.dueDate ?? '' } });
      return this.subs.moveIn(trx, sub, 'suspended', 'suspended', actor, { reason, by: 'staff' });
    });
  }

  /** Staff override: suspended subscription `id` active again (module comment). */
  async reactivate(id: number, reasonText: string, actor: Actor): Promise<Subscription> {
    const reason = checkReason(reasonText);
    return this.inTransaction(id, null, async (trx, sub) => {
      if (sub.state !== 'suspended') refuse('reactivate_state');
      return this.subs.moveIn(trx, sub, 'active', 'reactivated', actor, { reason, by: 'staff' });
    });
  }

  /** Pause (`on`) or resume subscription `id` (module comment). */
  async pause(id: number, on: boolean, reasonText: string, actor: Actor): Promise<Subscription> {
    const reason = checkReason(reasonText);
    return this.inTransaction(id, null, async (trx, sub) => {
      const repo = this.repo.with(trx);
      if (on) {
        if (sub.state !== 'active') refuse('pause_state');
        if ((await repo.unpaidInvoices(sub.id)).length) refuse('pause_unpaid');
        if (sub.periodEnd && (await repo.stepsOf(sub.id)).has(`${sub.periodEnd}/renewal`)) refuse('pause_renewal');
        return this.subs.moveIn(trx, sub, 'paused', 'paused', actor, { reason, period_end: sub.periodEnd });
      }
      if (sub.state !== 'paused') refuse('resume_state');
      const paused = (await repo.events(sub.id)).filter((e) => e.event === 'paused').at(-1);
      const pausedOn = paused ? dayIn(paused.createdAt, this.deps.billing.timezone) : this.subs.today();
      const periodEnd = sub.periodEnd ? addDays(this.subs.today(), Math.max(0, daysBetween(pausedOn, sub.periodEnd))) : null;
      return this.subs.moveIn(trx, sub, 'active', 'resumed', actor, { reason, paused_on: pausedOn, period_end: periodEnd }, { periodEnd });
    });
  }

  /** Cancel subscription `id` now, in any live state (module comment). */
  async cancel(id: number, reasonText: string, actor: Actor): Promise<Subscription> {
    const reason = checkReason(reasonText);
    return this.inTransaction(id, null, async (trx, sub, mails) => {
      if (!LIVE.includes(sub.state)) refuse('cancel_state');
      mails.push({ kind: 'cancelled', accountId: sub.accountId, params: {} });
      return this.subs.moveIn(trx, sub, 'cancelled', 'cancelled', actor, { reason, by: 'staff' });
    });
  }

  /**
   * Run `work` in one transaction on subscription `id` as it is once invoice `invoiceId` (when given) and the
   * partner's account are locked; its mails leave after commit.
   */
  private async inTransaction<T>(id: number, invoiceId: number | null, work: (trx: Db, sub: Subscription, mails: PendingMail[]) => Promise<T>): Promise<T> {
    const mails: PendingMail[] = [];
    const out = await this.deps.db.transaction(async (trx) => {
      const first = Number.isSafeInteger(id) ? await this.repo.with(trx).byId(id) : null;
      if (!first) throw new NotFoundError('no such subscription');
      if (invoiceId) await this.deps.invoices.lockForPayment(trx, invoiceId);
      await this.subs.lockAccountIn(trx, first.accountId);
      return work(trx, (await this.repo.with(trx).byId(id, true))!, mails);
    });
    void this.subs.deliver(mails);
    return out;
  }
}

/** A staff reason: trimmed, one line, at most 500 characters. @throws ValidationError {reason}. */
function checkReason(text: string): string {
  const t = typeof text === 'string' ? text.trim() : '';
  if (t.length > 500 || CONTROL.test(t)) refuse('reason', 'reason');
  return t;
}

function isDay(text: string): boolean {
  const d = typeof text === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T00:00:00Z`) : null;
  return !!d && !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}
