/**
 * Controllers of the partner's billing pages (billing.router.ts). Thin: read
 * the path or form, call SubscriptionsService / the billing services, render
 * or redirect (post/redirect/get). A refused choice (a plan no longer
 * offered, another subscription waiting) goes back to the plans page with
 * its reason; nothing here answers 500 for bad input.
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

  return {
    /** The unit pack pages (packs.controller.ts). */
    ...createPacksController(subs, billing, defaultCurrency),

    /** GET /subscription/plans */
    plans: (req: Request, res: Response) => renderPlans(req, res, 200, null),

    /** GET /subscription/checkout/:planId — the summary before paying. */
    summary: async (req: Request, res: Response): Promise<void> => {
      try {
        const preview = await subs.preview(req.account!.id, planIdOf(req.params.planId), localeOf(req));
        res.render('billing/checkout', { ...BILLING_VIEW_HELPERS, title: req.t('subscriptions:checkout.title'), preview });
      } catch (err) {
        if (err instanceof ValidationError) return renderPlans(req, res, 422, err.fields.plan ?? null);
        throw err;
      }
    },

    /** POST /subscription/checkout (plan_id): the invoice is issued; the billing page shows how to pay it. */
    pay: async (req: Request, res: Response): Promise<void> => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      try {
        const { invoice } = await subs.subscribe(req.account!.id, planIdOf(body.plan_id), actorOf(req));
        if (invoice && invoice.status !== 'paid') flash(req, 'success', 'subscriptions:flash.subscribed', { number: invoice.number! });
        else flash(req, 'success', 'subscriptions:flash.started');
        res.redirect(303, '/subscription/billing');
      } catch (err) {
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
