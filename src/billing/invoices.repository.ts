/**
 * The `invoices`, `invoice_lines` and `document_counters` tables (written
 * only through InvoicesService), and the read of a buyer's identity from
 * `accounts`. Amounts come back as numbers (PostgreSQL returns bigint as
 * text); JSON columns come back parsed.
 */
import type { Db } from '../platform/db.js';
import { insertedId, isSqlite } from '../platform/db.js';
import { toDateOrNull } from '../platform/time.js';
import type { Currency, VatPart } from './money.js';

export type InvoiceKind = 'invoice' | 'credit_note';
export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'overdue' | 'cancelled' | 'refunded' | 'uncollectible';
export type InvoiceType = 'one-time' | 'recurring' | 'manual';

export interface InvoiceLine {
  position: number;
  description: string;
  quantity: number;
  unitPrice: number;
  vatRateBp: number;
  discount: number;
  totalHt: number;
}

/** A document's amounts, in minor units of its currency: what finalisation fixes and the invoice then shows. */
export interface InvoiceTotals {
  totalHt: number;
  totalVat: number;
  totalTtc: number;
  vatBreakdown: VatPart[];
  creditApplied: number;
  amountDue: number;
  amountPaid: number;
}

export interface Invoice extends InvoiceTotals {
  id: number;
  kind: InvoiceKind;
  series: string;
  number: string | null;
  status: InvoiceStatus;
  type: InvoiceType;
  accountId: number;
  subscriptionId: number | null;
  creditedInvoiceId: number | null;
  reason: string | null;
  issueDate: string | null;
  dueDate: string | null;
  paidAt: Date | null;
  currency: Currency;
  seller: Record<string, unknown> | null;
  buyer: Record<string, unknown> | null;
  mentions: string[] | null;
  locale: string;
  pdfSha256: string | null;
  prevHash: string | null;
  hash: string | null;
  chainSeq: number | null;
  finalisedAt: Date | null;
}

/** The columns a finalisation writes (every snapshot at once). */
export interface FinalisedFields extends InvoiceTotals {
  number: string;
  status: InvoiceStatus;
  issueDate: string;
  dueDate: string;
  paidAt: Date | null;
  seller: Record<string, unknown>;
  buyer: Record<string, unknown>;
  mentions: string[];
  locale: string;
  pdf: Buffer;
  pdfSha256: string;
  prevHash: string;
  hash: string;
  chainSeq: number;
  finalisedAt: Date;
}

/** The buyer as the accounts table holds it today. */
export interface BuyerRow {
  accountId: number;
  email: string;
  company: string;
  name: string;
  address: string | null;
  country: string;
  vatNumber: string | null;
  locale: string;
  publicRef: string | null;
}

const json = <T>(v: unknown, fallback: T): T => (v === null || v === undefined ? fallback : (JSON.parse(String(v)) as T));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toInvoice(r: Record<string, unknown>): Invoice {
  return {
    id: Number(r.id), kind: r.kind as InvoiceKind, series: String(r.series), number: str(r.number), status: r.status as InvoiceStatus,
    type: r.type as InvoiceType, accountId: Number(r.account_id), subscriptionId: num(r.subscription_id), creditedInvoiceId: num(r.credited_invoice_id),
    reason: str(r.reason), issueDate: str(r.issue_date), dueDate: str(r.due_date), paidAt: toDateOrNull(r.paid_at), currency: r.currency as Currency,
    totalHt: Number(r.total_ht), totalVat: Number(r.total_vat), totalTtc: Number(r.total_ttc), vatBreakdown: json(r.vat_breakdown, []),
    creditApplied: Number(r.credit_applied), amountDue: Number(r.amount_due), amountPaid: Number(r.amount_paid), seller: json(r.seller, null),
    buyer: json(r.buyer, null), mentions: json(r.mentions, null), locale: String(r.locale), pdfSha256: str(r.pdf_sha256), prevHash: str(r.prev_hash),
    hash: str(r.hash), chainSeq: num(r.chain_seq), finalisedAt: toDateOrNull(r.finalised_at),
  };
}

const COLUMNS_BUT_PDF = [
  'id', 'kind', 'series', 'number', 'status', 'type', 'account_id', 'subscription_id', 'credited_invoice_id', 'reason', 'issue_date', 'due_date',
  'paid_at', 'currency', 'total_ht', 'total_vat', 'total_ttc', 'vat_breakdown', 'credit_applied', 'amount_due', 'amount_paid', 'seller', 'buyer',
  'mentions', 'locale', 'pdf_sha256', 'prev_hash', 'hash', 'chain_seq', 'finalised_at',
];

export class InvoicesRepository {
  constructor(private readonly db: Db) {}

  /** The same repository on a transaction. */
  with(trx: Db): InvoicesRepository {
    return new InvoicesRepository(trx);
  }

  /** Insert a draft and its lines; returns its id. */
  async insertDraft(d: { kind: InvoiceKind; series: string; type: InvoiceType; accountId: number; subscriptionId: number | null;
    creditedInvoiceId: number | null; reason: string | null; currency: Currency; locale: string }, lines: InvoiceLine[], now: Date): Promise<number> {
    const id = insertedId(await this.db('invoices').insert({
      kind: d.kind, series: d.series, status: 'draft', type: d.type, account_id: d.accountId, subscription_id: d.subscriptionId,
      credited_invoice_id: d.creditedInvoiceId, reason: d.reason, currency: d.currency, locale: d.locale, created_at: now.toISOString(),
    }).returning('id'));
    await this.insertLines(id, lines);
    return id;
  }

  private async insertLines(invoiceId: number, lines: InvoiceLine[]): Promise<void> {
    if (!lines.length) return;
    await this.db('invoice_lines').insert(lines.map((l) => ({
      invoice_id: invoiceId, position: l.position, description: l.description, quantity: l.quantity, unit_price: l.unitPrice,
      vat_rate_bp: l.vatRateBp, discount: l.discount, total_ht: l.totalHt,
    })));
  }

  /** Replace a draft's lines (the rates and totals fixed at finalisation). The triggers refuse it once finalised. */
  async replaceLines(invoiceId: number, lines: InvoiceLine[]): Promise<void> {
    await this.db('invoice_lines').where({ invoice_id: invoiceId }).delete();
    await this.insertLines(invoiceId, lines);
  }

  /** One document by id, without its PDF; `lock` holds its row for the transaction on PostgreSQL. */
  async byId(id: number, lock = false): Promise<Invoice | null> {
    const q = this.db('invoices').where({ id }).first(COLUMNS_BUT_PDF);
    if (lock && !isSqlite(this.db)) q.forUpdate();
    const row = (await q) as Record<string, unknown> | undefined;
    return row ? toInvoice(row) : null;
  }

  /** The finalised documents of an account, newest first, without their PDF. */
  async ofAccount(accountId: number, limit: number): Promise<Invoice[]> {
    const rows = (await this.db('invoices').where({ account_id: accountId }).whereNot({ status: 'draft' }).orderBy('id', 'desc').limit(limit)
      .select(COLUMNS_BUT_PDF)) as Record<string, unknown>[];
    return rows.map(toInvoice);
  }

  async byNumber(number: string): Promise<Invoice | null> {
    const row = (await this.db('invoices').where({ number }).first(COLUMNS_BUT_PDF)) as Record<string, unknown> | undefined;
    return row ? toInvoice(row) : null;
  }

  async lines(invoiceId: number): Promise<InvoiceLine[]> {
    const rows = (await this.db('invoice_lines').where({ invoice_id: invoiceId }).orderBy('position')) as Record<string, unknown>[];
    return rows.map((r) => ({
      position: Number(r.position), description: String(r.description), quantity: Number(r.quantity), unitPrice: Number(r.unit_price),
      vatRateBp: Number(r.vat_rate_bp), discount: Number(r.discount), totalHt: Number(r.total_ht),
    }));
  }

  /** The stored PDF bytes, or null (a draft, or no such document). */
  async pdf(id: number): Promise<Buffer | null> {
    const row = (await this.db('invoices').where({ id }).first('pdf')) as { pdf: Buffer | null } | undefined;
    return row?.pdf ? Buffer.from(row.pdf) : null;
  }

  /** Sum of the HT of the finalised credit notes citing `invoiceId`. */
  async creditedHt(invoiceId: number): Promise<number> {
    const row = (await this.db('invoices').where({ credited_invoice_id: invoiceId, kind: 'credit_note' }).whereNot({ status: 'draft' })
      .sum({ s: 'total_ht' }).first()) as { s: unknown } | undefined;
    return Number(row?.s ?? 0);
  }

  /**
   * Take the next value of counter `series`, creating the row (starting at 1) when missing.
   * One statement, a write: the increment returns the new value; on SQLite it takes the write
   * lock (two processes cannot both read then write), on PostgreSQL it locks the row until the
   * transaction ends, so values are handed out one at a time, in order. A missing row is
   * inserted (or-ignore, for two first uses at once) and the increment done again.
   */
  async takeNext(series: string): Promise<number> {
    for (;;) {
      const rows = (await this.db('document_counters').where({ series }).increment('next_value', 1).returning('next_value')) as
        ({ next_value: unknown } | number)[];
      const row = rows[0];
      if (row !== undefined) return Number(typeof row === 'object' ? row.next_value : row) - 1;
      await this.db('document_counters').insert({ series, next_value: 1 }).onConflict('series').ignore();
    }
  }

  /** Lock counter `series` (created when missing, see takeNext) without taking a value; returns its next value. */
  async lockCounter(series: string): Promise<number> {
    await this.db('document_counters').insert({ series, next_value: 1 }).onConflict('series').ignore();
    const q = this.db('document_counters').where({ series }).first('next_value');
    if (!isSqlite(this.db)) q.forUpdate();
    return Number(((await q) as { next_value: unknown }).next_value);
  }

  /** The hash of the document at the end of the chain (highest chain_seq), null for none. */
  async lastHash(): Promise<string | null> {
    const row = (await this.db('invoices').whereNotNull('chain_seq').orderBy('chain_seq', 'desc').first('hash')) as { hash: string } | undefined;
    return row?.hash ?? null;
  }

  /** Write a draft's finalisation (number, snapshots, PDF, hashes) in one statement. */
  async finalise(id: number, f: FinalisedFields): Promise<void> {
    await this.db('invoices').where({ id, status: 'draft' }).update({
      number: f.number, status: f.status, issue_date: f.issueDate, due_date: f.dueDate, paid_at: f.paidAt?.toISOString() ?? null,
      total_ht: f.totalHt, total_vat: f.totalVat, total_ttc: f.totalTtc, vat_breakdown: JSON.stringify(f.vatBreakdown),
      credit_applied: f.creditApplied, amount_due: f.amountDue, amount_paid: f.amountPaid, seller: JSON.stringify(f.seller),
      buyer: JSON.stringify(f.buyer), mentions: JSON.stringify(f.mentions), locale: f.locale, pdf: f.pdf, pdf_sha256: f.pdfSha256,
      prev_hash: f.prevHash, hash: f.hash, chain_seq: f.chainSeq, finalised_at: f.finalisedAt.toISOString(),
    });
  }

  /** Record money received against a finalised document: the only columns the triggers let change. */
  async settle(id: number, amountPaid: number, status: InvoiceStatus, paidAt: Date | null): Promise<void> {
    await this.db('invoices').where({ id }).update({ amount_paid: amountPaid, status, paid_at: paidAt?.toISOString() ?? null });
  }

  /** Finalised documents in chain order after `afterSeq`, with their PDF (at most `limit`). */
  async chainPage(afterSeq: number, limit: number): Promise<(Invoice & { pdf: Buffer | null })[]> {
    const rows = (await this.db('invoices').whereNotNull('chain_seq').where('chain_seq', '>', afterSeq).orderBy('chain_seq').limit(limit)
      .select([...COLUMNS_BUT_PDF, 'pdf'])) as Record<string, unknown>[];
    return rows.map((r) => ({ ...toInvoice(r), pdf: r.pdf ? Buffer.from(r.pdf as Buffer) : null }));
  }

  /** The lines of several documents at once, by invoice id. */
  async linesOf(ids: number[]): Promise<Map<number, InvoiceLine[]>> {
    const out = new Map<number, InvoiceLine[]>(ids.map((id) => [id, []]));
    if (!ids.length) return out;
    const rows = (await this.db('invoice_lines').whereIn('invoice_id', ids).orderBy(['invoice_id', 'position'])) as Record<string, unknown>[];
    for (const r of rows) {
      out.get(Number(r.invoice_id))?.push({
        position: Number(r.position), description: String(r.description), quantity: Number(r.quantity), unitPrice: Number(r.unit_price),
        vatRateBp: Number(r.vat_rate_bp), discount: Number(r.discount), totalHt: Number(r.total_ht),
      });
    }
    return out;
  }

  /** The buyer's identity as the account holds it now (read only: accounts belong to the accounts component). */
  async buyer(accountId: number): Promise<BuyerRow | null> {
    const r = (await this.db('accounts').where({ id: accountId })
      .first('id', 'email', 'company', 'name', 'address', 'country', 'vat_number', 'locale', 'public_ref')) as Record<string, unknown> | undefined;
    if (!r) return null;
    return {
      accountId: Number(r.id), email: String(r.email), company: String(r.company ?? ''), name: String(r.name ?? ''), address: str(r.address),
      country: String(r.country ?? ''), vatNumber: str(r.vat_number), locale: String(r.locale ?? 'fr'), publicRef: str(r.public_ref),
    };
  }
}
