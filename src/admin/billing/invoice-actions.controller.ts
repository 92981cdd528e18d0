/**
 * /admin/invoices actions (admin and superadmin): a manual invoice drafted
 * for a partner then finalised (confirmation first), a manual payment
 * recorded (idempotency key chosen when the form renders: a double submit
 * records one payment), a credit note by amount and reason (confirmation
 * first). InvoicesService and PaymentsService write and audit; refusals come
 * back as field errors on the page, never a 5xx.
 */
import type { Request, Response } from 'express';
import { computeTotals, MANUAL_METHODS, type Invoice, type PaymentMethod } from '../../billing/index.js';
import { AppError, ERR, ValidationError } from '../../errors/index.js';
import { actorOf } from '../../http/actor.js';
import { flash } from '../../http/flash.js';
import type { AdminDeps } from '../context.js';
import { confirmed, isConfirmation } from '../shared.js';
import type { BillingAdminRepository } from './billing.repository.js';
import { amountField, calendarDay, MANUAL_FORM_FIELDS, MANUAL_LINES, oneLine, parseManualInvoice, typed } from './forms.js';
import type { createInvoicesController } from './invoices.controller.js';
import { billingRenderer, moneyIn } from './render.js';

const E = (k: string): string => `admin-billing:errors.${k}`;
const PAYMENT_FIELDS = ['amount', 'method', 'reference', 'date', 'idempotency_key', 'overpay'];

/** A service refusal as the form's field errors (billing:errors keys), or null for anything else. */
function refusal(err: unknown): Record<string, string> | null {
  if (err instanceof ValidationError) return err.fields;
  if (err instanceof AppError && err.code === ERR.CONFLICT) return { form: E('key_reused') };
  return null;
}

export function createInvoiceActionsController(deps: AdminDeps, reports: BillingAdminRepository, reads: ReturnType<typeof createInvoicesController>) {
  const { invoices, payments } = deps.billing;
  const render = billingRenderer(deps.config);
  const currencies = [deps.config.billing.currency, ...['EUR', 'XOF'].filter((c) => c !== deps.config.billing.currency)];

  const newForm = (req: Request, res: Response, values: Record<string, string>, errors: Record<string, string> = {}, status = 200): void => {
    render(req, res, 'invoice-new', { title: req.t('admin-billing:invoices.new_title'), values, errors, lineCount: MANUAL_LINES, currencies }, status);
  };

  /** Parse the payment form against `inv`; errors keyed by field. */
  const readPayment = (req: Request, inv: Invoice) => {
    const v = typed(req.body, PAYMENT_FIELDS);
    const errors: Record<string, string> = {};
    const amount = amountField(v.amount!, inv.currency, false);
    const due = inv.amountDue - inv.amountPaid;
    if ('error' in amount) errors.amount = amount.error;
    else if (amount.minor > due && v.overpay !== 'yes') errors.amount = E('amount_over_due');
    if (!MANUAL_METHODS.includes(v.method as PaymentMethod)) errors.method = E('method');
    const reference = oneLine(v.reference!, 200);
    if (reference === null) errors.reference = E('reference');
    const date = calendarDay(v.date!);
    if (!date) errors.date = E('date');
    if (!/^[\w-]{8,100}$/.test(v.idempotency_key!)) errors.form = E('stale_form');
    const input = { amount: 'minor' in amount ? amount.minor : 0, method: v.method as PaymentMethod, reference: reference ?? '', date: date ?? '',
      idempotencyKey: v.idempotency_key! };
    return { v, errors, input };
  };

  return {
    newForm: (req: Request, res: Response): void => newForm(req, res, { currency: deps.config.billing.currency }),

    create: async (req: Request, res: Response): Promise<void> => {
      const values = typed(req.body, MANUAL_FORM_FIELDS);
      const parsed = parseManualInvoice(req.body, deps.config.billing.vatRateBp);
      if (!parsed.ok) return newForm(req, res, values, parsed.errors, 422);
      const partner = await reports.partner(parsed.data.partner);
      if (!partner) return newForm(req, res, values, { partner: E('partner') }, 422);
      let id: number;
      try {
        id = await invoices.createManualDraft(partner.id, parsed.data.lines, parsed.data.currency, actorOf(req));
      } catch (err) {
        const fields = refusal(err);
        if (fields) return newForm(req, res, values, fields, 422);
        throw err;
      }
      flash(req, 'success', 'admin-billing:flash.draft_created');
      res.redirect(303, `/admin/invoices/${id}`);
    },

    finalise: async (req: Request, res: Response): Promise<void> => {
      const inv = await reads.load(req);
      if (inv.status !== 'draft') return reads.renderShow(req, res, inv, { errors: { form: E('not_draft') }, form: 'finalise' }, 409);
      const account = await reports.account(inv.accountId);
      const ttc = moneyIn(req)(computeTotals(await invoices.lines(inv.id)).ttc, inv.currency);
      if (!confirmed(req, res, {
        title: 'admin-billing:invoices.finalise_title', message: 'admin-billing:invoices.finalise_message',
        params: { id: inv.id, email: account?.email ?? '', ttc },
        action: `/admin/invoices/${inv.id}/finalise`, back: `/admin/invoices/${inv.id}`, button: 'admin-billing:invoices.finalise',
      })) return;
      try {
        const done = await invoices.finalise(inv.id, actorOf(req));
        flash(req, 'success', 'admin-billing:flash.invoice_finalised', { number: done.number! });
      } catch (err) {
        if (err instanceof AppError && err.code === ERR.CONFLICT) {
          return reads.renderShow(req, res, await reads.load(req), { errors: { form: E('not_draft') }, form: 'finalise' }, 409);
        }
        throw err;
      }
      res.redirect(303, `/admin/invoices/${inv.id}`);
    },

    pay: async (req: Request, res: Response): Promise<void> => {
      const inv = await reads.load(req);
      const { v, errors, input } = readPayment(req, inv);
      // The same form again (a double click) after the first submit paid the invoice: the payment is there, say so.
      const done = await payments.byIdempotencyKey(v.idempotency_key ?? '');
      if (done && done.invoiceId === inv.id) {
        flash(req, 'info', 'admin-billing:flash.payment_repeated');
        return res.redirect(303, `/admin/invoices/${inv.id}`);
      }
      if (Object.keys(errors).length) return reads.renderShow(req, res, inv, { values: v, errors, form: 'payment' }, 422);
      try {
        const r = await payments.recordManual(inv.id, input, actorOf(req));
        const money = moneyIn(req);
        if (r.repeated) flash(req, 'info', 'admin-billing:flash.payment_repeated');
        else if (r.overpayment > 0) flash(req, 'success', 'admin-billing:flash.payment_overpaid', { amount: money(r.overpayment, inv.currency) });
        else flash(req, 'success', 'admin-billing:flash.payment_recorded', { amount: money(input.amount, inv.currency) });
      } catch (err) {
        const fields = refusal(err);
        if (fields) return reads.renderShow(req, res, await reads.load(req), { values: v, errors: fields, form: 'payment' }, 422);
        throw err;
      }
      res.redirect(303, `/admin/invoices/${inv.id}`);
    },

    creditNote: async (req: Request, res: Response): Promise<void> => {
      const inv = await reads.load(req);
      const v = typed(req.body, ['amount', 'reason']);
      const errors: Record<string, string> = {};
      const amount = amountField(v.amount!, inv.currency, false);
      if ('error' in amount) errors.amount = amount.error;
      const reason = oneLine(v.reason!, 500);
      if (!reason) errors.reason = E('reason');
      if (Object.keys(errors).length || !('minor' in amount) || !reason) {
        return reads.renderShow(req, res, inv, { values: v, errors, form: 'credit_note' }, 422);
      }
      const account = await reports.account(inv.accountId);
      if (!isConfirmation(req) && inv.kind === 'invoice' && inv.status !== 'draft' && !confirmed(req, res, {
        title: 'admin-billing:invoices.credit_note_title', message: 'admin-billing:invoices.credit_note_message',
        params: { amount: moneyIn(req)(amount.minor, inv.currency), number: inv.number ?? '', email: account?.email ?? '' },
        action: `/admin/invoices/${inv.id}/credit-note`, back: `/admin/invoices/${inv.id}`, button: 'admin-billing:invoices.credit_note_button', danger: true,
      })) return;
      try {
        const note = await invoices.creditNote(inv.id, { amount: amount.minor, reason }, actorOf(req));
        flash(req, 'success', 'admin-billing:flash.credit_note_issued', { number: note.number! });
      } catch (err) {
        const fields = refusal(err);
        if (fields) return reads.renderShow(req, res, await reads.load(req), { values: v, errors: fields, form: 'credit_note' }, 422);
        throw err;
      }
      res.redirect(303, `/admin/invoices/${inv.id}`);
    },
  };
}
