/**
 * /admin/invoices reads: the list (search, status and kind filters, issue
 * date range, pages of 50, the accountant's CSV), one document with its
 * lines, totals, mentions, payments and credit notes, its stored PDF, and
 * the chain verification. The actions are in invoice-actions.controller.ts.
 */
import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import { computeTotals, formatRate, toDecimalString, type Invoice, type InvoiceKind, type InvoiceStatus } from '../../billing/index.js';
import { NotFoundError } from '../../errors/index.js';
import { streamCsv } from '../../http/csv.js';
import type { AdminDeps } from '../context.js';
import { pager, parseListQuery, queryString, routeId } from '../shared.js';
import type { BillingAdminRepository, InvoiceFilter, InvoiceRow } from './billing.repository.js';
import { billingRenderer } from './render.js';

export const STATUSES: readonly InvoiceStatus[] = ['draft', 'open', 'paid', 'overdue', 'cancelled', 'refunded', 'uncollectible'];
export const KINDS: readonly InvoiceKind[] = ['invoice', 'credit_note'];

/** The accountant's columns before and after the per-rate VAT columns. Credit notes' amounts are negative. */
const CSV_HEAD = ['number', 'kind', 'issue_date', 'buyer', 'buyer_email', 'currency', 'total_ht'];
const CSV_TAIL = ['total_vat', 'total_ttc', 'status', 'paid_at'];

function csvRow(r: InvoiceRow, rates: number[]): unknown[] {
  const sign = r.kind === 'credit_note' ? -1 : 1;
  const amount = (n: number): string => toDecimalString(sign * n, r.currency);
  const vat = rates.map((bp) => amount(r.vatBreakdown.find((v) => v.rateBp === bp)?.vat ?? 0));
  return [r.number, r.kind, r.issueDate, r.buyer, r.email, r.currency, amount(r.totalHt), ...vat, amount(r.totalVat), amount(r.totalTtc), r.status,
    r.paidAt ? r.paidAt.toISOString().slice(0, 10) : ''];
}

/** The data of the detail page (views/admin/billing/invoice.ejs); `values`/`errors` of its forms keyed by form. */
export interface ShowState {
  values?: Record<string, string>;
  errors?: Record<string, string>;
  form?: 'payment' | 'credit_note' | 'finalise';
}

export function createInvoicesController(deps: AdminDeps, reports: BillingAdminRepository) {
  const { invoices, payments } = deps.billing;
  const render = billingRenderer(deps.config);

  const load = async (req: Request): Promise<Invoice> => {
    const id = routeId(req.params.id);
    const inv = id === null ? null : await invoices.byId(id);
    if (!inv) throw new NotFoundError('no such invoice');
    return inv;
  };

  /** Render one document; `state` re-shows a form with its errors (status 422/409). */
  const renderShow = async (req: Request, res: Response, inv: Invoice, state: ShowState = {}, status = 200): Promise<void> => {
    const [lines, paid, notes, buyerAccount] = await Promise.all([
      invoices.lines(inv.id), payments.ofInvoice(inv.id), reports.creditNotesOf(inv.id), reports.account(inv.accountId),
    ]);
    const draftTotals = inv.status === 'draft' ? computeTotals(lines) : null;
    const cited = inv.creditedInvoiceId ? await invoices.byId(inv.creditedInvoiceId) : null;
    const values: Record<string, string> = { amount: '', method: 'bank_transfer', reference: inv.number ?? '', date: '', reason: '', ...state.values };
    values.idempotency_key = /^[\w-]{8,100}$/.test(values.idempotency_key ?? '') ? values.idempotency_key! : crypto.randomUUID();
    const title = inv.number ? req.t('admin-billing:invoices.show_title', { kind: req.t(`admin-billing:kinds.${inv.kind}`), number: inv.number })
      : req.t('admin-billing:invoices.draft_title', { id: inv.id });
    render(req, res, 'invoice', {
      // Not `account`: that local is the signed-in staff member the layout reads.
      title, inv, lines, payments: paid, notes, buyerAccount, cited, draftTotals, values, errors: state.errors ?? {}, form: state.form ?? null,
      payable: inv.kind === 'invoice' && (inv.status === 'open' || inv.status === 'overdue'),
      creditable: inv.kind === 'invoice' && inv.status !== 'draft', rate: (bp: number) => formatRate(bp, req.locale === 'en' ? 'en-GB' : 'fr-FR'),
    }, status);
  };

  const filterOf = (req: Request) => {
    const q = parseListQuery(req.query as Record<string, unknown>, ['id'], ['status', 'kind']);
    const status = STATUSES.find((s) => s === q.params.status) ?? '';
    const kind = KINDS.find((k) => k === q.params.kind) ?? '';
    if (!status) delete q.params.status;
    if (!kind) delete q.params.kind;
    const filter: InvoiceFilter = { q: q.q, status, kind, from: q.from ? q.params.from! : '', to: q.toExclusive ? q.params.to! : '' };
    return { q, filter };
  };

  return {
    renderShow,
    load,

    list: async (req: Request, res: Response): Promise<void> => {
      const { q, filter } = filterOf(req);
      if (q.csv) {
        const rates = await reports.vatRates(filter);
        const columns = [...CSV_HEAD, ...rates.map((bp) => `vat_${toDecimalString(bp, 'EUR')}`), ...CSV_TAIL];
        const batches = (async function* () {
          for await (const rows of reports.finalisedInvoices(filter)) yield rows.map((r) => csvRow(r, rates));
        })();
        return streamCsv(req, res, 'invoices.csv', columns, batches);
      }
      const [rows, total] = await Promise.all([reports.listInvoices(filter, q.perPage, q.offset), reports.countInvoices(filter)]);
      render(req, res, 'invoices', {
        title: req.t('admin-billing:invoices.title'), rows, total, query: q, filter, statuses: STATUSES, kinds: KINDS,
        filtered: Object.keys(q.params).length > 0, pg: pager(q, total, '/admin/invoices'), qs: (extra: Record<string, string>) => queryString(q.params, extra),
      });
    },

    show: async (req: Request, res: Response): Promise<void> => renderShow(req, res, await load(req)),

    pdf: async (req: Request, res: Response): Promise<void> => {
      const inv = await load(req);
      const pdf = await invoices.pdf(inv.id);
      if (!pdf || !inv.number) throw new NotFoundError('no PDF for a draft');
      res.type('application/pdf').attachment(`${inv.number}.pdf`).setHeader('Cache-Control', 'private, no-store');
      res.send(pdf);
    },

    verify: async (req: Request, res: Response): Promise<void> => {
      const report = await invoices.verifyChain();
      render(req, res, 'chain', { title: req.t('admin-billing:invoices.chain_title'), report });
    },
  };
}
