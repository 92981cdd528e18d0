/**
 * The PDF of a finalised invoice or credit note, rendered once with pdfkit
 * in the buyer's language and stored with the row; every later read serves
 * those bytes. The document's creation date is its finalisation instant, so
 * rendering the same snapshot again gives the same bytes. CPU only: safe to
 * call inside the finalising transaction (no I/O is awaited).
 * The standard Helvetica font is used (no font file to ship); it encodes
 * Windows-1252, so other characters print as "?".
 */
import { createRequire } from 'node:module';
import type PDFDocumentClass from 'pdfkit';
import type { Invoice, InvoiceLine } from './invoices.repository.js';
import { formatMoney, formatRate } from './money.js';
import { billingText, type BillingLocale } from './texts.js';

/** Windows-1252 characters above 0x7F outside Latin-1, which the standard fonts can print. */
const CP1252_EXTRA = '€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ';

/** `text` with what Helvetica cannot print replaced: narrow no-break spaces (French number grouping) by no-break spaces, others by "?". */
export function printable(text: string): string {
  return text.replace(/\u202f/g, '\u00a0').replace(/[^\n\x20-\x7e\u00a0-\u00ff]/gu, (c) => (CP1252_EXTRA.includes(c) ? c : '?'));
}

/** A calendar day (YYYY-MM-DD) in words of `locale`: "5 décembre 2026", "December 5, 2026". */
export function formatDay(day: string, locale: BillingLocale): string {
  return DAY_FORMATS[locale === 'en' ? 'en' : 'fr'].format(new Date(`${day}T00:00:00Z`));
}

/** Built once: a DateTimeFormat costs more to build than a PDF's dates to format. */
const DAY_FORMATS = {
  fr: new Intl.DateTimeFormat('fr', { dateStyle: 'long', timeZone: 'UTC' }),
  en: new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' }),
} as const;

type Party = Record<string, unknown>;

function partyLines(p: Party | null, locale: BillingLocale, seller: boolean): string[] {
  const t = (k: string) => billingText(locale, `pdf.${k}`);
  if (!p) return [];
  const v = (k: string) => (typeof p[k] === 'string' && p[k] !== '' ? String(p[k]) : null);
  const out: string[] = [];
  if (seller && !v('name')) out.push(t('not_configured'));
  for (const k of seller ? ['name'] : ['company', 'name']) if (v(k)) out.push(v(k)!);
  if (v('address')) out.push(...v('address')!.split(/\r?\n/));
  if (!seller && v('country')) out.push(v('country')!);
  if (v('siret')) out.push(`${t('siret')} ${v('siret')}`);
  if (v('rcs')) out.push(`${t('rcs')} ${v('rcs')}`);
  if (v('capital')) out.push(`${t('capital')} ${v('capital')}`);
  if (v('vatNumber')) out.push(`${t('vat_number')} ${v('vatNumber')}`);
  return out;
}

const requireLazily = createRequire(import.meta.url);
let PDFDocument: typeof PDFDocumentClass | undefined;

/**
 * pdfkit (with fontkit, several MB of heap) is loaded by the first rendering, not at start: a portal that issues
 * no invoice does not carry it. Loaded with require, synchronously: nothing is awaited inside the finalising transaction.
 */
function pdfDocument(): typeof PDFDocumentClass {
  PDFDocument ??= requireLazily('pdfkit') as typeof PDFDocumentClass;
  return PDFDocument;
}

/** Render the document; `inv` carries its final number, dates, totals and snapshots. Resolves to the PDF bytes. */
export function renderInvoicePdf(inv: Invoice, lines: InvoiceLine[], finalisedAt: Date): Promise<Buffer> {
  const locale: BillingLocale = inv.locale === 'en' ? 'en' : 'fr';
  const t = (k: string, params: Record<string, string> = {}) => printable(billingText(locale, `pdf.${k}`, params));
  const money = (minor: number) => printable(formatMoney(minor, inv.currency, locale));
  const doc = new (pdfDocument())({ size: 'A4', margin: 50, info: { Title: `${inv.number}`, CreationDate: finalisedAt, ModDate: finalisedAt } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.font('Helvetica-Bold').fontSize(18).text(`${t(inv.kind === 'credit_note' ? 'credit_note' : 'invoice')} ${t('number')} ${inv.number}`);
  // French puts a space before the colon, English none.
  const colon = locale === 'fr' ? '\u00a0:' : ':';
  doc.font('Helvetica').fontSize(10).moveDown(0.5);
  doc.text(`${t('issue_date')}${colon} ${printable(formatDay(inv.issueDate!, locale))}`);
  if (inv.kind === 'invoice') doc.text(`${t('due_date')}${colon} ${printable(formatDay(inv.dueDate!, locale))}`);
  const top = doc.y + 15;
  doc.font('Helvetica-Bold').text(t('seller'), 50, top).font('Helvetica');
  for (const l of partyLines(inv.seller, locale, true)) doc.text(printable(l), 50, doc.y, { width: 230 });
  const leftEnd = doc.y;
  doc.font('Helvetica-Bold').text(t('buyer'), 320, top).font('Helvetica');
  for (const l of partyLines(inv.buyer, locale, false)) doc.text(printable(l), 320, doc.y, { width: 230 });
  drawLines(doc, lines, Math.max(leftEnd, doc.y) + 20, t, money, locale);
  drawTotals(doc, inv, t, money, locale);
  if (inv.reason) doc.moveDown().font('Helvetica').text(`${t('reason')}${colon} ${printable(inv.reason)}`, 50, doc.y, { width: 495 });
  doc.moveDown().fontSize(8);
  for (const m of inv.mentions ?? []) doc.text(printable(m), 50, doc.y, { width: 495 });
  doc.end();
  return done;
}

type T = (k: string, params?: Record<string, string>) => string;

function drawLines(doc: PDFKit.PDFDocument, lines: InvoiceLine[], y0: number, t: T, money: (m: number) => string, locale: BillingLocale): void {
  const cols = [{ x: 50, w: 215 }, { x: 270, w: 40 }, { x: 315, w: 85 }, { x: 405, w: 45 }, { x: 455, w: 90 }];
  const row = (cells: string[], bold: boolean) => {
    if (doc.y > 740) doc.addPage();
    const y = doc.y;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica');
    let bottom = y;
    cells.forEach((c, i) => {
      doc.text(c, cols[i]!.x, y, { width: cols[i]!.w, align: i === 0 ? 'left' : 'right' });
      bottom = Math.max(bottom, doc.y);
    });
    doc.y = bottom + 4;
  };
  doc.y = y0;
  row([t('description'), t('quantity'), t('unit_price'), t('vat_rate'), t('line_total')], true);
  for (const l of lines) {
    const discount = l.discount ? `\n${t('discount')} -${money(l.discount)}` : '';
    row([printable(l.description) + discount, String(l.quantity), money(l.unitPrice), `${formatRate(l.vatRateBp, locale)} %`, money(l.totalHt)], false);
  }
}

function drawTotals(doc: PDFKit.PDFDocument, inv: Invoice, t: T, money: (m: number) => string, locale: BillingLocale): void {
  const pairs: [string, string, boolean][] = [[t('total_ht'), money(inv.totalHt), false]];
  for (const p of inv.vatBreakdown) pairs.push([t('vat_of_rate', { rate: formatRate(p.rateBp, locale) }), money(p.vat), false]);
  pairs.push([t('total_vat'), money(inv.totalVat), false], [t('total_ttc'), money(inv.totalTtc), true]);
  if (inv.kind === 'invoice') {
    if (inv.creditApplied) pairs.push([t('credit_applied'), `-${money(inv.creditApplied)}`, false]);
    pairs.push([t('amount_due'), money(inv.amountDue), true]);
  } else {
    pairs.push([t('amount_credited'), money(inv.totalTtc), true]);
  }
  doc.moveDown();
  for (const [label, value, bold] of pairs) {
    if (doc.y > 760) doc.addPage();
    const y = doc.y;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').text(label, 300, y, { width: 150, align: 'right' }).text(value, 455, y, { width: 90, align: 'right' });
  }
}
