/**
 * The partner's unit pack pages (billing.router.ts): the packs on offer with
 * the purchases waiting for payment (the manual gateway's instructions, the
 * invoice number as reference) and the purchase history; a pack's summary
 * (HT, VAT, TTC, units) whose form carries the idempotency key; the purchase
 * (post/redirect/get). PacksService decides; a refusal (a pack no longer
 * offered, a subscription that does not allow it, a stale form) comes back
 * on the packs page with its reason, never a 500.
 */
import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import { AppError, ERR, ValidationError } from '../errors/index.js';
import { actorOf } from '../http/actor.js';
import { flash } from '../http/flash.js';
import { boundedInt, INT4_MAX } from '../http/query.js';
import type { Billing } from './index.js';
import { formatDay } from './invoice-pdf.js';
import { formatMoney, formatRate, type Currency } from './money.js';
import type { SubscriptionsService } from './subscriptions.service.js';

const HELPERS = { formatMoney, formatRate, formatDay } as const;

export function createPacksController(subs: SubscriptionsService, billing: Billing, defaultCurrency: Currency) {
  const packs = subs.packs;
  const render = async (req: Request, res: Response, status: number, error: string | null): Promise<void> => {
    const id = req.account!.id;
    const [offered, purchases, gate] = await Promise.all([packs.offered(), packs.purchases(id), subs.gate(id)]);
    const waiting = purchases.filter((p) => p.status === 'open' || p.status === 'overdue');
    const pay = await billing.gateway.createPayment({ invoiceNumber: '', amount: 0, currency: defaultCurrency, idempotencyKey: 'page' });
    res.status(status).render('billing/packs', {
      ...HELPERS, title: req.t('packs:title'), packs: offered, purchases, waiting, gate, error,
      instructions: pay.next.kind === 'instructions' ? pay.next.text ?? '' : '',
    });
  };
  const idOf = (v: unknown): number => boundedInt(v, 1, INT4_MAX) ?? 0;

  return {
    /** GET /subscription/packs */
    packs: (req: Request, res: Response) => render(req, res, 200, null),

    /** GET /subscription/packs/:planId — the summary before buying (409 on the packs page when the subscription does not allow it). */
    packSummary: async (req: Request, res: Response): Promise<void> => {
      const gate = await subs.gate(req.account!.id);
      if (gate) return render(req, res, 409, `packs:gate.${gate}`);
      try {
        const preview = await packs.preview(req.account!.id, idOf(req.params.planId), req.locale === 'en' ? 'en' : 'fr');
        res.render('billing/pack-summary', { ...HELPERS, title: req.t('packs:summary.title'), preview, key: crypto.randomUUID() });
      } catch (err) {
        if (err instanceof ValidationError) return render(req, res, 422, err.fields.plan ?? null);
        throw err;
      }
    },

    /** POST /subscription/packs (plan_id, purchase_key): the invoice is issued; the packs page shows how to pay it. */
    buyPack: async (req: Request, res: Response): Promise<void> => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const key = typeof body.purchase_key === 'string' ? body.purchase_key : '';
      try {
        const { invoice, repeated } = await packs.buy(req.account!.id, idOf(body.plan_id), key, actorOf(req));
        const done = repeated ? 'packs:flash.repeated' : invoice.status === 'paid' ? 'packs:flash.credited' : 'packs:flash.ordered';
        flash(req, repeated ? 'info' : 'success', done, { number: invoice.number ?? '' });
        res.redirect(303, '/subscription/packs');
      } catch (err) {
        if (err instanceof ValidationError) return render(req, res, 422, err.fields.plan ?? err.fields.form ?? null);
        if (err instanceof AppError && err.code === ERR.CONFLICT) return render(req, res, 409, 'packs:errors.stale_form');
        throw err;
      }
    },
  };
}
