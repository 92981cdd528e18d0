/**
 * /admin/payments/:id: one payment (gateway, reference linking to the
 * gateway's dashboard, status, decline reason), its refunds and their credit
 * notes; admin and superadmin refund a gateway payment in full or in part
 * with a reason, after a confirmation step (OnlinePaymentsService.refund:
 * the gateway's refund, then the credit note; the form's idempotency key
 * makes a double submit refund once). Support reads.
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { toDecimalString, type Payment } from '../../billing/index.js';
import { AppError, NotFoundError, ValidationError } from '../../errors/index.js';
import { actorOf } from '../../http/actor.js';
import { flash } from '../../http/flash.js';
import { boundedInt, INT4_MAX } from '../../http/query.js';
import type { AdminDeps } from '../context.js';
import { confirmed } from '../shared.js';
import type { BillingAdminRepository } from './billing.repository.js';
import { amountField, oneLine, typed } from './forms.js';
import { billingRenderer, canAct, moneyIn } from './render.js';

const REFUND_FIELDS = ['amount', 'reason', 'idempotency_key'];

/** The gateway's dashboard page of a payment reference (staff follow it to the gateway's own record). */
export function dashboardUrl(p: Pick<Payment, 'gateway' | 'gatewayReference'>, live: { stripe: boolean; paypal: boolean }): string | null {
  if (!p.gatewayReference) return null;
  const ref = encodeURIComponent(p.gatewayReference);
  if (p.gateway === 'stripe') return `https://dashboard.stripe.com/${live.stripe ? '' : 'test/'}payments/${ref}`;
  if (p.gateway === 'paypal') return `https://www.${live.paypal ? '' : 'sandbox.'}paypal.com/activity/payment/${ref}`;
  return null;
}

export function createPaymentController(deps: AdminDeps, reports: BillingAdminRepository) {
  const render = billingRenderer(deps.config);
  const live = { stripe: Boolean(deps.config.stripe?.secretKey.startsWith('sk_live_') || deps.config.stripe?.secretKey.startsWith('rk_live_')),
    paypal: deps.config.paypal?.environment === 'production' };

  const load = async (req: Request): Promise<Payment> => {
    const id = boundedInt(req.params.id, 1, INT4_MAX);
    const payment = id ? await deps.billing.payments.byId(id) : null;
    if (!payment) throw new NotFoundError('no such payment');
    return payment;
  };

  const show = async (req: Request, res: Response, payment: Payment, values: Record<string, string> = {}, errors: Record<string, string> = {},
    status = 200): Promise<void> => {
    const [invoice, refunds, account] = await Promise.all([deps.billing.invoices.byId(payment.invoiceId), deps.billing.payments.refundsOf(payment.id),
      reports.account(payment.accountId)]);
    const notes = new Map((await reports.creditNotesOf(payment.invoiceId)).map((n) => [n.id, n.number]));
    const refundable = canAct(req) && payment.status === 'succeeded' && Boolean(deps.payments.gateways[payment.gateway]) && !!payment.gatewayReference
      && payment.amount > payment.refundedAmount;
    render(req, res, 'payment', {
      title: req.t('payments:admin.title', { id: payment.id }), payment, invoice, account, refunds, notes, refundable,
      dashboard: dashboardUrl(payment, live), errors,
      values: { idempotency_key: randomUUID(), amount: toDecimalString(payment.amount - payment.refundedAmount, payment.currency), ...values },
    }, status);
  };

  return {
    /** GET /admin/payments/:id */
    show: async (req: Request, res: Response): Promise<void> => show(req, res, await load(req)),

    /** POST /admin/payments/:id/refund (amount, reason, idempotency_key; confirmation step) */
    refund: async (req: Request, res: Response): Promise<void> => {
      const payment = await load(req);
      const v = typed(req.body, REFUND_FIELDS);
      const errors: Record<string, string> = {};
      const amount = amountField(v.amount!, payment.currency, false);
      if ('error' in amount) errors.amount = amount.error;
      else if (amount.minor > payment.amount - payment.refundedAmount) errors.amount = 'payments:errors.refund_amount';
      const reason = oneLine(v.reason!, 500);
      if (!reason) errors.reason = 'payments:errors.refund_reason';
      if (!/^[\w-]{8,100}$/.test(v.idempotency_key!)) errors.form = 'admin-billing:errors.stale_form';
      if (Object.keys(errors).length || !('minor' in amount) || !reason) return show(req, res, payment, v, errors, 422);
      const invoice = await deps.billing.invoices.byId(payment.invoiceId);
      if (!confirmed(req, res, {
        title: 'payments:admin.confirm_title', message: 'payments:admin.confirm_message',
        params: { amount: moneyIn(req)(amount.minor, payment.currency), reference: payment.gatewayReference ?? '', number: invoice?.number ?? '' },
        action: `/admin/payments/${payment.id}/refund`, back: `/admin/payments/${payment.id}`, button: 'payments:admin.confirm_button', danger: true,
      })) return;
      try {
        const done = await deps.payments.online.refund(payment.id, amount.minor, reason, v.idempotency_key!, actorOf(req));
        const note = done.creditNoteId ? await deps.billing.invoices.byId(done.creditNoteId) : null;
        flash(req, 'success', 'payments:admin.refunded_flash', { amount: moneyIn(req)(amount.minor, payment.currency), number: note?.number ?? '—' });
      } catch (err) {
        if (err instanceof ValidationError) return show(req, res, await load(req), v, err.fields, 422);
        if (err instanceof NotFoundError) throw err;
        if (!(err instanceof AppError)) deps.logger.error({ err, payment: payment.id }, 'refund not made');
        return show(req, res, await load(req), v, { form: 'payments:errors.refund_refused' }, 409);
      }
      res.redirect(303, `/admin/payments/${payment.id}`);
    },
  };
}
