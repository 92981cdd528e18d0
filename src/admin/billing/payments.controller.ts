/**
 * /admin/payments (every payment received, search, method filter, date
 * range, CSV) and /admin/credits (the credit entries; admin and superadmin
 * offer credit to a partner with a reason and an optional expiry, after a
 * confirmation: CreditsService.grant writes the entry and its audit row).
 */
import type { Request, Response } from 'express';
import { isCurrency, MANUAL_METHODS, toDecimalString, type CreditKind, type GatewayName, type PaymentMethod, type PaymentStatus } from '../../billing/index.js';
import { ValidationError } from '../../errors/index.js';
import { actorOf } from '../../http/actor.js';
import { sendCsv } from '../../http/csv.js';
import { flash } from '../../http/flash.js';
import type { AdminDeps } from '../context.js';
import { confirmed, pager, parseListQuery, queryString } from '../shared.js';
import type { BillingAdminRepository, PaymentFilter } from './billing.repository.js';
import { amountField, calendarDay, oneLine, typed } from './forms.js';
import { billingRenderer, moneyIn } from './render.js';

const E = (k: string): string => `admin-billing:errors.${k}`;
const METHODS: readonly PaymentMethod[] = [...MANUAL_METHODS, 'card', 'paypal'];
const STATUSES: readonly PaymentStatus[] = ['pending', 'processing', 'succeeded', 'failed', 'refunded'];
const GATEWAYS: readonly GatewayName[] = ['manual', 'stripe', 'paypal'];
const CREDIT_KINDS: readonly (CreditKind | 'applied')[] = ['refund', 'manual', 'promotion', 'adjustment', 'applied'];
const GRANT_FIELDS = ['partner', 'amount', 'currency', 'reason', 'expires_on'];
const PAYMENT_CSV = ['received_on', 'invoice_number', 'partner_email', 'method', 'status', 'amount', 'currency', 'reference', 'recorded_at'];

export function createPaymentsController(deps: AdminDeps, reports: BillingAdminRepository) {
  const render = billingRenderer(deps.config);
  const currencies = [deps.config.billing.currency, ...['EUR', 'XOF'].filter((c) => c !== deps.config.billing.currency)];

  const renderCredits = async (req: Request, res: Response, values: Record<string, string> = {}, errors: Record<string, string> = {}, status = 200) => {
    const q = parseListQuery(req.query as Record<string, unknown>, ['id'], ['kind']);
    const kind = CREDIT_KINDS.find((k) => k === q.params.kind) ?? '';
    if (!kind) delete q.params.kind;
    const [rows, total] = await Promise.all([reports.listCredits(q.q, kind, q.perPage, q.offset), reports.countCredits(q.q, kind)]);
    render(req, res, 'credits', {
      title: req.t('admin-billing:credits.title'), rows, total, query: q, kind, kinds: CREDIT_KINDS, currencies,
      values: { currency: deps.config.billing.currency, ...values }, errors, filtered: Object.keys(q.params).length > 0,
      pg: pager(q, total, '/admin/credits'), qs: (extra: Record<string, string>) => queryString(q.params, extra),
    }, status);
  };

  return {
    payments: async (req: Request, res: Response): Promise<void> => {
      const q = parseListQuery(req.query as Record<string, unknown>, ['id'], ['method', 'status', 'gateway']);
      const method = METHODS.find((m) => m === q.params.method) ?? '';
      const status = STATUSES.find((m) => m === q.params.status) ?? '';
      const gateway = GATEWAYS.find((m) => m === q.params.gateway) ?? '';
      if (!method) delete q.params.method;
      if (!status) delete q.params.status;
      if (!gateway) delete q.params.gateway;
      const filter: PaymentFilter = { q: q.q, method, status, gateway, from: q.from ? q.params.from! : '', to: q.toExclusive ? q.params.to! : '' };
      if (q.csv) {
        const rows = await reports.listPayments(filter, 100_000, 0);
        return sendCsv(req, res, 'payments.csv', PAYMENT_CSV, rows.map((p) => [
          p.receivedOn, p.number, p.email, p.method, p.status, toDecimalString(p.amount, p.currency), p.currency, p.reference ?? '', p.createdAt,
        ]));
      }
      const [rows, total] = await Promise.all([reports.listPayments(filter, q.perPage, q.offset), reports.countPayments(filter)]);
      render(req, res, 'payments', {
        title: req.t('admin-billing:payments.title'), rows, total, query: q, method, methods: METHODS, status, statuses: STATUSES, gateway,
        gateways: GATEWAYS, filtered: Object.keys(q.params).length > 0,
        pg: pager(q, total, '/admin/payments'), qs: (extra: Record<string, string>) => queryString(q.params, extra),
      });
    },

    /** GET /admin/credits; `partner` and `currency` in the query prefill the grant form (the subscription page's link). */
    credits: async (req: Request, res: Response): Promise<void> => {
      const v = typed(req.query, ['partner', 'currency']);
      const prefill: Record<string, string> = {};
      if (oneLine(v.partner!, 254)) prefill.partner = oneLine(v.partner!, 254)!;
      if (isCurrency(v.currency)) prefill.currency = v.currency;
      return renderCredits(req, res, prefill);
    },

    grant: async (req: Request, res: Response): Promise<void> => {
      const v = typed(req.body, GRANT_FIELDS);
      const errors: Record<string, string> = {};
      const currency = v.currency!.trim();
      if (!isCurrency(currency)) errors.currency = E('currency');
      const amount = isCurrency(currency) ? amountField(v.amount!, currency, false) : { error: E('amount_format') };
      if ('error' in amount) errors.amount = amount.error;
      const reason = oneLine(v.reason!, 500);
      if (!reason) errors.reason = E('reason');
      const expiresOn = v.expires_on!.trim() ? calendarDay(v.expires_on!) : '';
      const today = deps.clock.now().toISOString().slice(0, 10);
      if (expiresOn === null || (expiresOn && expiresOn <= today)) errors.expires_on = E('expiry');
      const partner = await reports.partner(v.partner!);
      if (!partner) errors.partner = E('partner');
      if (Object.keys(errors).length || !partner || !('minor' in amount) || !reason || !isCurrency(currency)) return renderCredits(req, res, v, errors, 422);
      if (!confirmed(req, res, {
        title: 'admin-billing:credits.grant_title', message: 'admin-billing:credits.grant_message',
        params: { amount: moneyIn(req)(amount.minor, currency), email: partner.email },
        action: '/admin/credits', back: '/admin/credits', button: 'admin-billing:credits.grant_button',
      })) return;
      try {
        // The credit ends at the end of its last day, UTC.
        await deps.billing.credits.grant({ accountId: partner.id, kind: 'manual', amount: amount.minor, currency, reason,
          expiresAt: expiresOn ? new Date(`${expiresOn}T23:59:59Z`) : null }, actorOf(req));
      } catch (err) {
        if (err instanceof ValidationError) return renderCredits(req, res, v, err.fields, 422);
        throw err;
      }
      flash(req, 'success', 'admin-billing:flash.credit_granted', { amount: moneyIn(req)(amount.minor, currency), email: partner.email });
      res.redirect(303, '/admin/credits');
    },
  };
}
