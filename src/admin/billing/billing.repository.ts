/**
 * What the billing admin pages read (nothing here writes: plans, invoices,
 * payments and credit go through the src/billing services): filtered pages
 * of invoices and credit notes, of payments and of credit entries, with the
 * partner's e-mail and company, and the partner named in a form.
 */
import type { Invoice, InvoiceKind, InvoiceStatus, InvoiceTotals, VatPart } from '../../billing/index.js';
import type { Currency, CreditKind, GatewayName, NewCreditEntry, PaymentMethod, PaymentStatus } from '../../billing/index.js';
import type { Db } from '../../platform/db.js';
import { toDateOrNull } from '../../platform/time.js';
import { likePattern } from '../shared.js';

export interface InvoiceFilter {
  /** A piece of the number, of the partner's e-mail or company ('' = none). */
  q: string;
  status: '' | InvoiceStatus;
  kind: '' | InvoiceKind;
  /** Issue dates, YYYY-MM-DD, inclusive ('' = open). */
  from: string;
  to: string;
}

/** An invoice or credit note as the list and the CSV show it: its own columns (not the credit applied) and its partner. */
export type InvoiceRow = Pick<Invoice, 'id' | 'kind' | 'number' | 'status' | 'issueDate' | 'dueDate' | 'paidAt' | 'currency' | 'accountId'>
  & Omit<InvoiceTotals, 'creditApplied'> & InvoiceRowPartner;

interface InvoiceRowPartner {
  email: string;
  /** The buyer as snapshotted at finalisation (company, else name), else the account's company today. */
  buyer: string;
}

export interface PaymentFilter {
  q: string;
  method: '' | PaymentMethod;
  status: '' | PaymentStatus;
  gateway: '' | GatewayName;
  from: string;
  to: string;
}

export interface PaymentRow {
  id: number;
  invoiceId: number;
  number: string | null;
  email: string;
  company: string;
  method: PaymentMethod;
  status: string;
  amount: number;
  currency: Currency;
  reference: string | null;
  receivedOn: string | null;
  createdAt: Date | null;
}

/** A credit entry as its columns hold it, with its partner and the number of the invoice it went to. */
export type CreditRow = Pick<NewCreditEntry, 'accountId' | 'kind' | 'amount' | 'currency' | 'expiresAt' | 'reference' | 'reason'> & CreditRowExtra;

interface CreditRowExtra {
  id: number;
  email: string;
  company: string;
  number: string | null;
  createdAt: Date | null;
}

type Row = Record<string, unknown>;
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function buyerName(r: Row): string {
  try {
    const b = r.buyer ? (JSON.parse(String(r.buyer)) as { company?: string; name?: string }) : null;
    if (b) return b.company || b.name || String(r.email);
  } catch { /* an unreadable snapshot shows the account instead */ }
  return String(r.company || r.email);
}

function toInvoiceRow(r: Row): InvoiceRow {
  return {
    id: Number(r.id), kind: r.kind as InvoiceKind, number: str(r.number), status: r.status as InvoiceStatus, issueDate: str(r.issue_date),
    dueDate: str(r.due_date), paidAt: toDateOrNull(r.paid_at), currency: r.currency as Currency, totalHt: Number(r.total_ht), totalVat: Number(r.total_vat),
    totalTtc: Number(r.total_ttc), amountDue: Number(r.amount_due), amountPaid: Number(r.amount_paid),
    vatBreakdown: JSON.parse(String(r.vat_breakdown ?? '[]')) as VatPart[], accountId: Number(r.account_id), email: String(r.email), buyer: buyerName(r),
  };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export class BillingAdminRepository {
  constructor(private readonly db: Db) {}

  private invoices(f: InvoiceFilter) {
    const q = this.db('invoices as i').join('accounts as a', 'a.id', 'i.account_id');
    if (f.q) {
      const p = likePattern(f.q);
      q.where((w) => w.whereRaw("lower(i.number) like ? escape '\\'", [p]).orWhereRaw("lower(a.email) like ? escape '\\'", [p])
        .orWhereRaw("lower(a.company) like ? escape '\\'", [p]));
    }
    if (f.status) q.where('i.status', f.status);
    if (f.kind) q.where('i.kind', f.kind);
    if (DAY.test(f.from)) q.where('i.issue_date', '>=', f.from);
    if (DAY.test(f.to)) q.where('i.issue_date', '<=', f.to);
    return q;
  }

  async countInvoices(f: InvoiceFilter): Promise<number> {
    const [row] = (await this.invoices(f).count({ n: '*' })) as { n: unknown }[];
    return Number(row?.n ?? 0);
  }

  /** A page of documents, newest first (drafts, which have no chain rank, by id). */
  async listInvoices(f: InvoiceFilter, limit: number, offset: number): Promise<InvoiceRow[]> {
    const rows = (await this.invoices(f).orderBy('i.id', 'desc').limit(limit).offset(offset).select(
      'i.id', 'i.kind', 'i.number', 'i.status', 'i.issue_date', 'i.due_date', 'i.paid_at', 'i.currency', 'i.total_ht', 'i.total_vat', 'i.total_ttc',
      'i.amount_due', 'i.amount_paid', 'i.vat_breakdown', 'i.account_id', 'i.buyer', 'a.email', 'a.company',
    )) as Row[];
    return rows.map(toInvoiceRow);
  }

  /** Finalised documents matching `f`, in number order (the accountant's export), `batch` at a time. */
  async *finalisedInvoices(f: InvoiceFilter, batch = 1000): AsyncGenerator<InvoiceRow[]> {
    for (let after = 0; ;) {
      const rows = (await this.invoices(f).whereNotNull('i.chain_seq').where('i.chain_seq', '>', after).orderBy('i.chain_seq').limit(batch).select(
        'i.id', 'i.kind', 'i.number', 'i.status', 'i.issue_date', 'i.due_date', 'i.paid_at', 'i.currency', 'i.total_ht', 'i.total_vat', 'i.total_ttc',
        'i.amount_due', 'i.amount_paid', 'i.vat_breakdown', 'i.account_id', 'i.buyer', 'i.chain_seq', 'a.email', 'a.company',
      )) as Row[];
      if (!rows.length) return;
      after = Number(rows[rows.length - 1]!.chain_seq);
      yield rows.map(toInvoiceRow);
    }
  }

  /** The distinct VAT rates (basis points) of the finalised documents matching `f`: the CSV's VAT columns. */
  async vatRates(f: InvoiceFilter): Promise<number[]> {
    const rates = new Set<number>();
    for await (const rows of this.finalisedInvoices(f)) for (const r of rows) for (const v of r.vatBreakdown) rates.add(v.rateBp);
    return [...rates].sort((a, b) => a - b);
  }

  /** The credit notes citing invoice `id`. */
  async creditNotesOf(id: number): Promise<Pick<Invoice, 'id' | 'number' | 'issueDate' | 'totalHt' | 'totalTtc' | 'currency' | 'reason'>[]> {
    const rows = (await this.db('invoices').where({ credited_invoice_id: id, kind: 'credit_note' }).orderBy('id')
      .select('id', 'number', 'issue_date', 'total_ht', 'total_ttc', 'currency', 'reason')) as Row[];
    return rows.map((r) => ({ id: Number(r.id), number: str(r.number), issueDate: str(r.issue_date), totalHt: Number(r.total_ht),
      totalTtc: Number(r.total_ttc), currency: r.currency as Currency, reason: str(r.reason) }));
  }

  /** The e-mail and company of account `id`. */
  async account(id: number): Promise<{ id: number; email: string; company: string; role: string } | null> {
    const r = (await this.db('accounts').where({ id }).first('id', 'email', 'company', 'role')) as Row | undefined;
    return r ? { id: Number(r.id), email: String(r.email), company: String(r.company ?? ''), role: String(r.role) } : null;
  }

  /** The partner named by an account id, an e-mail (any case) or a PTN reference; null when none. */
  async partner(text: string): Promise<{ id: number; email: string; company: string } | null> {
    const t = text.trim();
    if (!t) return null;
    const q = this.db('accounts').where({ role: 'partner' });
    if (/^\d{1,9}$/.test(t)) q.where('id', Number(t));
    else q.where((w) => w.whereRaw('lower(email) = ?', [t.toLowerCase()]).orWhere('public_ref', t.toUpperCase()));
    const r = (await q.first('id', 'email', 'company')) as Row | undefined;
    return r ? { id: Number(r.id), email: String(r.email), company: String(r.company ?? '') } : null;
  }

  private payments(f: PaymentFilter) {
    const q = this.db('payments as p').join('invoices as i', 'i.id', 'p.invoice_id').join('accounts as a', 'a.id', 'p.account_id');
    if (f.q) {
      const p = likePattern(f.q);
      q.where((w) => w.whereRaw("lower(i.number) like ? escape '\\'", [p]).orWhereRaw("lower(a.email) like ? escape '\\'", [p])
        .orWhereRaw("lower(p.gateway_reference) like ? escape '\\'", [p]));
    }
    if (f.method) q.where('p.method', f.method);
    if (f.status) q.where('p.status', f.status);
    if (f.gateway) q.where('p.gateway', f.gateway);
    if (DAY.test(f.from)) q.where('p.received_on', '>=', f.from);
    if (DAY.test(f.to)) q.where('p.received_on', '<=', f.to);
    return q;
  }

  async countPayments(f: PaymentFilter): Promise<number> {
    const [row] = (await this.payments(f).count({ n: '*' })) as { n: unknown }[];
    return Number(row?.n ?? 0);
  }

  /** A page of payments, newest first. */
  async listPayments(f: PaymentFilter, limit: number, offset: number): Promise<PaymentRow[]> {
    const rows = (await this.payments(f).orderBy('p.id', 'desc').limit(limit).offset(offset).select(
      'p.id', 'p.invoice_id', 'i.number', 'a.email', 'a.company', 'p.method', 'p.status', 'p.amount', 'p.currency', 'p.gateway_reference', 'p.received_on',
      'p.created_at',
    )) as Row[];
    return rows.map((r) => ({
      id: Number(r.id), invoiceId: Number(r.invoice_id), number: str(r.number), email: String(r.email), company: String(r.company ?? ''),
      method: r.method as PaymentMethod, status: String(r.status), amount: Number(r.amount), currency: r.currency as Currency,
      reference: str(r.gateway_reference), receivedOn: str(r.received_on), createdAt: toDateOrNull(r.created_at),
    }));
  }

  private credits(q: string, kind: string) {
    const b = this.db('credit_entries as c').join('accounts as a', 'a.id', 'c.account_id').leftJoin('invoices as i', 'i.id', 'c.invoice_id');
    if (q) {
      const p = likePattern(q);
      b.where((w) => w.whereRaw("lower(a.email) like ? escape '\\'", [p]).orWhereRaw("lower(a.company) like ? escape '\\'", [p])
        .orWhereRaw("lower(c.reference) like ? escape '\\'", [p]));
    }
    if (kind) b.where('c.kind', kind);
    return b;
  }

  async countCredits(q: string, kind: string): Promise<number> {
    const [row] = (await this.credits(q, kind).count({ n: '*' })) as { n: unknown }[];
    return Number(row?.n ?? 0);
  }

  /** A page of credit entries (lots and their uses), newest first. */
  async listCredits(q: string, kind: string, limit: number, offset: number): Promise<CreditRow[]> {
    const rows = (await this.credits(q, kind).orderBy('c.id', 'desc').limit(limit).offset(offset).select(
      'c.id', 'c.account_id', 'a.email', 'a.company', 'c.kind', 'c.amount', 'c.currency', 'c.expires_at', 'c.reference', 'c.reason', 'i.number', 'c.created_at',
    )) as Row[];
    return rows.map((r) => ({
      id: Number(r.id), accountId: Number(r.account_id), email: String(r.email), company: String(r.company ?? ''), kind: r.kind as CreditKind,
      amount: Number(r.amount), currency: r.currency as Currency, expiresAt: toDateOrNull(r.expires_at), reference: str(r.reference),
      reason: String(r.reason ?? ''), number: str(r.number), createdAt: toDateOrNull(r.created_at),
    }));
  }
}
