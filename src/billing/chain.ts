/**
 * Tamper evidence: every finalised invoice and credit note is a link of one
 * chain, in `chain_seq` order. A link's hash is
 *   SHA-256( prev_hash ‖ canonical JSON of the document's snapshot ‖ pdf_sha256 )
 * as lower-case hex, where `prev_hash` is the previous link's hash (64 zeros
 * for the first) and the canonical JSON has its object keys sorted, no
 * spaces (RFC 8785's ordering; our values are strings, integers, null).
 * Changing any snapshot column, a line, or the PDF of one document breaks
 * its link; deleting or reordering breaks the next one.
 */
import crypto from 'node:crypto';
import type { Invoice, InvoiceLine } from './invoices.repository.js';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every depth, no whitespace. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** What the hash covers: every column the triggers freeze, but the PDF (covered by its hash) and the chain columns themselves. */
export function snapshotOf(inv: Invoice, lines: InvoiceLine[]): Record<string, unknown> {
  return {
    kind: inv.kind, series: inv.series, number: inv.number, type: inv.type, account_id: inv.accountId, subscription_id: inv.subscriptionId,
    credited_invoice_id: inv.creditedInvoiceId, reason: inv.reason, issue_date: inv.issueDate, due_date: inv.dueDate, currency: inv.currency,
    total_ht: inv.totalHt, total_vat: inv.totalVat, total_ttc: inv.totalTtc, vat_breakdown: inv.vatBreakdown, credit_applied: inv.creditApplied,
    amount_due: inv.amountDue, seller: inv.seller, buyer: inv.buyer, mentions: inv.mentions, locale: inv.locale, chain_seq: inv.chainSeq,
    lines: lines.map((l) => ({ ...l })),
  };
}

export function sha256Hex(data: Buffer | string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** The link hash of a document (module comment). */
export function linkHash(prevHash: string, snapshot: Record<string, unknown>, pdfSha256: string): string {
  return sha256Hex(`${prevHash}${canonicalJson(snapshot)}${pdfSha256}`);
}
