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
import type { Billing } from './index.js';
import { createPacksController } from './packs.controller.js';
import { formatDay } from './invoice-pdf.js';
import { formatMoney, formatRate, type Currency } from './money.js';
import type { SubscriptionsService } from './subscriptions.service.js';

export function createBillingController(subs: SubscriptionsService, billing: Billing, defaultCurrency: Currency) {
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
      const payments = (await Promise.all(docs.filter((d) => d.kind === 'invoice').slice(0, 20).map((d) => billing.payments.ofInvoice(d.id)))).flat()
        .sort((a, b) => b.id - a.id);
      const toPay = shown ? docs.find((d) => d.subscriptionId === shown.id && (d.status === 'open' || d.status === 'overdue')) ?? null : null;
      const currency = current?.currency ?? defaultCurrency;
      res.render('billing/billing', {
        ...BILLING_VIEW_HELPERS, title: req.t('subscriptions:billing.title'), current, plan, waiting: shown, waitingPlan, units, docs, payments, toPay,
        instructions: (await billing.gateway.createPayment({ invoiceNumber: toPay?.number ?? '', amount: 0, currency, idempotencyKey: 'page' })).next,
        credit: await billing.credits.balance(id, currency), currency,
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

/** The formatters the billing views use (passed with each render: only src/http/locals.ts sets res.locals). */
export const BILLING_VIEW_HELPERS = { formatMoney, formatRate, formatDay } as const;
