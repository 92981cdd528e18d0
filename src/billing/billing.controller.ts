/**
 * Controllers of the partner's billing pages (billing.router.ts). Thin: read
 * the path or form, call SubscriptionsService / the billing services, render
 * or redirect (post/redirect/get). A refused choice (a plan no longer
 * offered, another subscription waiting) goes back to the plans page with
 * its reason; a refused promotion code re-renders the summary (422) with its
 * reason and the full price; nothing here answers 500 for bad input.
 */
import type { Request, Response } from 'express';
import { NotFoundError, ValidationError } from '../errors/index.js';
import { actorOf } from '../http/actor.js';
import { flash } from '../http/flash.js';
import { boundedInt, INT4_MAX } from '../http/query.js';
import type { GatewayName, SavedCard } from './gateway.js';
import type { Billing } from './index.js';
import { createPacksController } from './packs.controller.js';
import { formatDay } from './invoice-pdf.js';
import { formatMoney, formatRate, type Currency } from './money.js';
import type { Invoice } from './invoices.repository.js';
import type { Payment } from './payments.repository.js';
import type { SubscriptionsService } from './subscriptions.service.js';

/** What the billing page shows of online payments (src/payments OnlinePaymentsService): the gateways offered, the card kept. */
export interface OnlinePaymentsView {
  /** The gateways configured; with `currency`, those that take it. */
  available(currency?: Currency): GatewayName[];
  savedCard(accountId: number, gateway: GatewayName): Promise<SavedCard | null>;
}

const NO_ONLINE: OnlinePaymentsView = { available: () => [], savedCard: async () => null };

export function createBillingController(subs: SubscriptionsService, billing: Billing, defaultCurrency: Currency, online: OnlinePaymentsView = NO_ONLINE) {
  const renderPlans = async (req: Request, res: Response, status: number, error: string | null): Promise<void> => {
    const [plans, { current, waiting }] = await Promise.all([subs.publicPlans(), subs.current(req.account!.id)]);
    res.status(status).render('billing/plans', { ...BILLING_VIEW_HELPERS, title: req.t('subscriptions:plans.title'), plans, current, waiting, error });
  };
  const planIdOf = (v: unknown): number => boundedInt(v, 1, INT4_MAX) ?? 0;
  const localeOf = (req: Request) => (req.locale === 'en' ? 'en' : 'fr');
  const codeOf = (v: unknown): string => (typeof v === 'string' ? v.trim().slice(0, 64) : '');

  /**
   * The summary of `planId` with promotion code `code` checked ('' = an auto-apply code, if any). `refused`: the code was
   * refused when paying (its reason; the summary then shows the full price and the typed code). A refusal answers 422.
   */
  const renderSummary = async (req: Request, res: Response, planId: number, code: string, refused: string | null = null): Promise<void> => {
    try {
      const preview = await subs.preview(req.account!.id, planId, localeOf(req), refused ? '' : code);
      const codeError = refused ?? (preview.refusal ? `promotions:refusals.${preview.refusal}` : null);
      res.status(codeError ? 422 : 200).render('billing/checkout', {
        ...BILLING_VIEW_HELPERS, title: req.t('subscriptions:checkout.title'), preview, code: code.toUpperCase(), codeError,
      });
    } catch (err) {
      if (err instanceof ValidationError) return renderPlans(req, res, 422, err.fields.plan ?? null);
      throw err;
    }
  };

  return {
    /** The unit pack pages (packs.controller.ts). */
    ...createPacksController(subs, billing, defaultCurrency),

    /** GET /subscription/plans */
    plans: (req: Request, res: Response) => renderPlans(req, res, 200, null),

    /** GET /subscription/checkout/:planId[?code=] — the summary before paying, with the promotion code checked at once. */
    summary: (req: Request, res: Response): Promise<void> => renderSummary(req, res, planIdOf(req.params.planId), codeOf(req.query.code)),

    /**
     * POST /subscription/checkout (plan_id, code): the invoice is issued with the code's discount; the billing page shows how
     * to pay it. A code refused now (used up meanwhile…) re-renders the summary with its reason: never the full price unasked.
     */
    pay: async (req: Request, res: Response): Promise<void> => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const code = codeOf(body.code);
      try {
        const { invoice } = await subs.subscribe(req.account!.id, planIdOf(body.plan_id), actorOf(req), code);
        if (invoice && invoice.status !== 'paid') flash(req, 'success', 'subscriptions:flash.subscribed', { number: invoice.number! });
        else flash(req, 'success', 'subscriptions:flash.started');
        res.redirect(303, '/subscription/billing');
      } catch (err) {
        if (err instanceof ValidationError && err.fields.code) return renderSummary(req, res, planIdOf(body.plan_id), code, err.fields.code);
        if (err instanceof ValidationError) return renderPlans(req, res, 422, err.fields.plan ?? err.fields.form ?? null);
        throw err;
      }
    },

    /** GET /subscription/billing */
    billing: async (req: Request, res: Response): Promise<void> => {
      const id = req.account!.id;
      const { current, waiting } = await subs.current(id);
      const shown = current?.state === 'pending' ? current : waiting;
      const [docs, plan, waitingPlan, units] = await Promise.all([
        billing.invoices.ofAccount(id, 100), current ? subs.plan(current.planId) : null, shown ? subs.plan(shown.planId) : null,
        current ? subs.unitsThisPeriod(current) : 0,
      ]);
      // Every invoice the partner must pay, the waiting subscription's first; each offers the configured gateways and the manual instructions.
      const unpaid = docs.filter((d) => d.kind === 'invoice' && (d.status === 'open' || d.status === 'overdue'))
        .sort((a, b) => Number(b.subscriptionId === shown?.id) - Number(a.subscriptionId === shown?.id) || (a.dueDate ?? '').localeCompare(b.dueDate ?? ''));
      // The payments of the 20 latest invoices (the payments list) and of the unpaid ones (their last decline), each read once.
      const recent = docs.filter((d) => d.kind === 'invoice').slice(0, 20);
      const paymentsOf = new Map(await Promise.all([...new Set([...recent, ...unpaid].map((d) => d.id))]
        .map(async (invoiceId) => [invoiceId, await billing.payments.ofInvoice(invoiceId)] as const)));
      const payments = recent.flatMap((d) => paymentsOf.get(d.id)!).filter((p) => p.status === 'succeeded' || p.status === 'refunded')
        .sort((a, b) => b.id - a.id);
      const currency = current?.currency ?? defaultCurrency;
      const gateways = online.available();
      // Per unpaid invoice: the gateways that take its currency, and its last declined attempt when nothing succeeded since.
      const payWith = Object.fromEntries(unpaid.map((inv) => [inv.id, online.available(inv.currency)]));
      const declined = Object.fromEntries(unpaid.map((inv) => [inv.id, lastDecline(paymentsOf.get(inv.id)!)]).filter(([, d]) => d));
      const live = current && ['trialing', 'active', 'past_due', 'suspended'].includes(current.state) && current.price > 0;
      res.render('billing/billing', {
        ...BILLING_VIEW_HELPERS, title: req.t('subscriptions:billing.title'), current, plan, waiting: shown, waitingPlan, units, docs, payments, unpaid,
        instructions: (await billing.gateway.createPayment({ invoiceNumber: '', amount: 0, currency, idempotencyKey: 'page' })).next,
        credit: await billing.credits.balance(id, currency), currency, gateways, payWith, declined,
        card: live && gateways.includes('stripe') ? { gateway: 'stripe', saved: await online.savedCard(id, 'stripe') } : null,
        notice: returnNotice(req.query, docs),
        nextDue: current?.periodEnd && ['active', 'trialing', 'past_due'].includes(current.state) && !current.cancelAtPeriodEnd ? current.periodEnd : null,
      });
    },

    /** POST /subscription/billing/cancel */
    cancel: async (req: Request, res: Response): Promise<void> => {
      await flagged(req, res, () => subs.cancelAtPeriodEnd(req.account!.id, actorOf(req)), 'subscriptions:flash.cancel_scheduled');
    },

    /** POST /subscription/billing/undo-cancel */
    undoCancel: async (req: Request, res: Response): Promise<void> => {
      await flagged(req, res, () => subs.undoCancel(req.account!.id, actorOf(req)), 'subscriptions:flash.cancel_undone');
    },

    /** GET /subscription/invoices/:id/pdf — the stored bytes, for the invoice's own partner only (404 otherwise). */
    pdf: async (req: Request, res: Response): Promise<void> => {
      const id = boundedInt(req.params.id, 1, INT4_MAX);
      const inv = id ? await billing.invoices.byId(id) : null;
      const pdf = inv && inv.accountId === req.account!.id ? await billing.invoices.pdf(inv.id) : null;
      if (!inv || !pdf) throw new NotFoundError('no such invoice');
      res.attachment(`${inv.number}.pdf`);
      res.type('application/pdf').setHeader('Cache-Control', 'private, no-store');
      res.send(pdf);
    },
  };
}

async function flagged(req: Request, res: Response, act: () => Promise<void>, done: string): Promise<void> {
  try {
    await act();
    flash(req, 'success', done);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    flash(req, 'error', err.fields.form ?? 'subscriptions:errors.not_cancellable');
  }
  res.redirect(303, '/subscription/billing');
}

/**
 * The message of a return from a gateway's hosted page (`?paid=<invoice>`, `?cancelled=<invoice>`, `?card=saved|cancelled`): status
 * only, read from the partner's own documents; the gateway's notification is what pays.
 */
/** Decline codes the billing page names (payments:declines.<code>); any other shows as `other` with its code. */
const NAMED_DECLINES = new Set(['insufficient_funds', 'expired_card', 'do_not_honor', 'card_declined', 'incorrect_number', 'authentication_required',
  'INSTRUMENT_DECLINED']);
/** Hosted pages the payer left unfinished: not declines, nothing to show. */
const ABANDONED = new Set(['checkout_expired', 'ORDER_EXPIRED']);

/** The newest failed gateway attempt of an invoice's payments, unless one is pending, processing or succeeded after it. */
function lastDecline(payments: Payment[]): { key: string; code: string } | null {
  const newest = [...payments].filter((p) => p.gateway !== 'manual').sort((a, b) => b.id - a.id)[0];
  if (!newest || newest.status !== 'failed' || !newest.errorCode || ABANDONED.has(newest.errorCode)) return null;
  const code = newest.errorCode;
  return { key: NAMED_DECLINES.has(code) ? `payments:declines.${code}` : 'payments:declines.other', code };
}

function returnNotice(query: Request['query'], docs: Invoice[]): { type: 'success' | 'info'; key: string; params: Record<string, string> } | null {
  const find = (v: unknown) => docs.find((d) => d.kind === 'invoice' && d.id === boundedInt(v, 1, INT4_MAX));
  const paid = find(query.paid);
  if (paid) {
    return paid.status === 'paid' ? { type: 'success', key: 'payments:return.paid', params: { number: paid.number! } }
      : { type: 'info', key: 'payments:return.confirming', params: { number: paid.number! } };
  }
  const cancelled = find(query.cancelled);
  if (cancelled) return { type: 'info', key: 'payments:return.cancelled', params: { number: cancelled.number! } };
  if (query.card === 'saved') return { type: 'success', key: 'payments:return.card_saved', params: {} };
  if (query.card === 'cancelled') return { type: 'info', key: 'payments:return.card_cancelled', params: {} };
  return null;
}

/** The formatters the billing views use (passed with each render: only src/http/locals.ts sets res.locals). */
export const BILLING_VIEW_HELPERS = { formatMoney, formatRate, formatDay } as const;
