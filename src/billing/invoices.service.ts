/**
 * Invoices and credit notes: the only writer of `invoices`, `invoice_lines`
 * and `document_counters`.
 *
 * `finalise` does everything in ONE transaction, in this lock order:
 * the `chain` counter row, the series counter row, the draft, the buyer's
 * account (credit). Every finalisation takes the chain row first, so they run
 * one at a time (PostgreSQL: SELECT … FOR UPDATE; SQLite: one connection, and
 * the first statement is a write, so the write lock is held from the start).
 * Inside: next number `<prefix>-<year>-<000001>` (the counter never resets,
 * the year is the issue year, a prefix only), snapshots of seller (config) and
 * buyer (account), VAT treatment and totals (money.ts), credit balance
 * applied, mentions, the PDF (CPU only) and its SHA-256, the chain hash
 * (chain.ts), the audit row. Nothing slow (mail, network) is awaited inside.
 */
import type { Actor, AuditService } from '../audit/index.js';
import type { BillingConfig } from '../config/index.js';
import { ConflictError, ERR, NotFoundError, ValidationError } from '../errors/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import { GENESIS_HASH, linkHash, sha256Hex, snapshotOf } from './chain.js';
import type { CreditsService } from './credits.service.js';
import { formatDay, renderInvoicePdf } from './invoice-pdf.js';
import { InvoicesRepository, type Invoice, type InvoiceKind, type InvoiceLine, type InvoiceType } from './invoices.repository.js';
import { mentionsFor, vatTreatment } from './mentions.js';
import { computeTotals, isCurrency, MoneyError, moneyText, type Currency } from './money.js';
import { addDays } from './subscriptions.periods.js';
import { billingLocale, billingText } from './texts.js';

/** A line as a caller gives it: unit price and discount HT in minor units; rate in basis points (default: BILLING_VAT_RATE). */
export interface DraftLine {
  description: string;
  quantity: number;
  unitPrice: number;
  vatRateBp?: number;
  discount?: number;
}

/**
 * A credit note's content: `lines`, or `amount` (HT, minor units) for an invoice with one VAT rate; `reason`.
 * `moneyReturned`: the money was given back already (a gateway refund), so nothing goes to the credit balance.
 */
export interface CreditNoteInput {
  lines?: DraftLine[];
  amount?: number;
  reason: string;
  moneyReturned?: boolean;
}

export interface DraftOptions {
  type?: InvoiceType;
  currency?: Currency;
  subscriptionId?: number | null;
}

/** The first broken link of the chain, or none. */
export type ChainReport = { ok: true; checked: number } | { ok: false; checked: number; number: string | null; chainSeq: number; reason: ChainBreak };
/** `sequence`: a chain_seq missing; `prev_hash`: not the previous link's hash; `pdf`: the PDF's bytes changed; `hash`: the snapshot changed. */
export type ChainBreak = 'sequence' | 'prev_hash' | 'pdf' | 'hash';

export interface InvoicesDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  credits: CreditsService;
  billing: BillingConfig;
}

const MAX_LINES = 100;

/** The calendar day of `instant` in `timeZone`, YYYY-MM-DD. */
export function dayIn(instant: Date, timeZone: string): string {
  let f = DAY_IN.get(timeZone);
  if (!f) {
    if (DAY_IN.size >= 16) DAY_IN.clear();
    DAY_IN.set(timeZone, (f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  }
  return f.format(instant);
}

/** The formatters of dayIn per time zone (the configured zones: a handful). */
const DAY_IN = new Map<string, Intl.DateTimeFormat>();

export class InvoicesService {
  private readonly repo: InvoicesRepository;

  constructor(private readonly deps: InvoicesDeps) {
    this.repo = new InvoicesRepository(deps.db);
  }

  /** One document without its PDF, or null. */
  byId(id: number): Promise<Invoice | null> {
    return this.repo.byId(id);
  }

  lines(id: number): Promise<InvoiceLine[]> {
    return this.repo.lines(id);
  }

  /** The stored PDF: the same bytes on every call; null for a draft or an unknown id. */
  pdf(id: number): Promise<Buffer | null> {
    return this.repo.pdf(id);
  }

  /** Check and shape the lines. @throws ValidationError {lines|line_N} with a billing:errors key. */
  private checkLines(lines: readonly DraftLine[]): InvoiceLine[] {
    if (!Array.isArray(lines) || lines.length < 1 || lines.length > MAX_LINES) throw new ValidationError({ lines: 'billing:errors.lines_count' });
    const out = lines.map((l, i) => {
      const description = typeof l.description === 'string' ? l.description.trim() : '';
      if (!description || description.length > 500) throw new ValidationError({ [`line_${i}`]: 'billing:errors.line_description' });
      return { position: i + 1, description, quantity: l.quantity, unitPrice: l.unitPrice, vatRateBp: l.vatRateBp ?? this.deps.billing.vatRateBp,
        discount: l.discount ?? 0, totalHt: 0 };
    });
    try {
      const totals = computeTotals(out);
      out.forEach((l, i) => { l.totalHt = totals.lines[i]!; });
    } catch (err) {
      if (err instanceof MoneyError) throw new ValidationError({ lines: 'billing:errors.line_invalid' });
      throw err;
    }
    if (out.some((l) => l.quantity < 1)) throw new ValidationError({ lines: 'billing:errors.line_invalid' });
    return out;
  }

  /**
   * A draft invoice for partner `accountId` (no number, editable, no PDF). Returns its id.
   * @throws ValidationError for bad lines or currency; NotFoundError for an unknown account.
   */
  async createDraft(accountId: number, lines: readonly DraftLine[], opts: DraftOptions = {}): Promise<number> {
    return this.deps.db.transaction((trx) => this.insertDraft(trx, 'invoice', accountId, lines, opts, null, null));
  }

  /**
   * Staff draft a manual invoice (type `manual`) for partner `accountId`: the draft and its audit row
   * `invoice.draft_created`, in one transaction. Returns its id; finalise() numbers it.
   * @throws ValidationError for bad lines or currency; NotFoundError for an unknown account.
   */
  async createManualDraft(accountId: number, lines: readonly DraftLine[], currency: Currency, actor: Actor): Promise<number> {
    return this.deps.db.transaction(async (trx) => {
      const id = await this.insertDraft(trx, 'invoice', accountId, lines, { type: 'manual', currency }, null, null);
      await this.deps.audit.record(trx, actor, 'invoice.draft_created', { type: 'invoice', id }, { account_id: accountId, lines: lines.length, currency });
      return id;
    });
  }

  private async insertDraft(trx: Db, kind: InvoiceKind, accountId: number, lines: readonly DraftLine[], opts: DraftOptions,
    credited: number | null, reason: string | null): Promise<number> {
    const currency = opts.currency ?? this.deps.billing.currency;
    if (!isCurrency(currency)) throw new ValidationError({ currency: 'billing:errors.currency_mismatch' });
    const checked = this.checkLines(lines);
    const repo = this.repo.with(trx);
    const buyer = await repo.buyer(accountId);
    if (!buyer) throw new NotFoundError('no such account');
    const series = kind === 'invoice' ? this.deps.billing.invoicePrefix : this.deps.billing.creditNotePrefix;
    return repo.insertDraft({ kind, series, type: opts.type ?? 'one-time', accountId, subscriptionId: opts.subscriptionId ?? null,
      creditedInvoiceId: credited, reason, currency, locale: billingLocale(buyer.locale) }, checked, this.deps.clock.now());
  }

  /**
   * Finalise draft `id` (module comment): returns the finalised document.
   * @throws NotFoundError for an unknown id; ConflictError CONFLICT when it is not a draft any more.
   */
  async finalise(id: number, actor: Actor): Promise<Invoice> {
    return this.deps.db.transaction((trx) => this.finaliseIn(trx, id, actor));
  }

  /** Take the chain counter's lock for transaction `trx` first, as every finalisation does (module comment). */
  async lockChainIn(trx: Db): Promise<void> {
    await this.repo.with(trx).lockCounter('chain');
  }

  /**
   * For the subscriptions and the daily job, inside their transaction: a draft for `accountId` finalised at once
   * (finalise's lock order: the chain row is taken first). `dueDate` (YYYY-MM-DD, not before the issue day)
   * replaces issue day + BILLING_PAYMENT_TERMS_DAYS: a renewal is due the day its period starts.
   * @throws ValidationError for bad lines; NotFoundError for an unknown account.
   */
  async issueIn(trx: Db, accountId: number, lines: readonly DraftLine[], opts: DraftOptions, actor: Actor, dueDate?: string): Promise<Invoice> {
    await this.repo.with(trx).lockCounter('chain');
    const id = await this.insertDraft(trx, 'invoice', accountId, lines, opts, null, null);
    return this.finaliseIn(trx, id, actor, dueDate);
  }

  /**
   * Totals a draft of these lines would get for `accountId` now (VAT treatment of the buyer applied), without
   * writing anything: the checkout's summary. @throws ValidationError for bad lines; NotFoundError.
   */
  async preview(accountId: number, lines: readonly DraftLine[]): Promise<{ totals: ReturnType<typeof computeTotals>; vat: ReturnType<typeof vatTreatment> }> {
    const checked = this.checkLines(lines);
    const buyer = await this.repo.buyer(accountId);
    if (!buyer) throw new NotFoundError('no such account');
    const vat = vatTreatment(this.deps.billing, buyer);
    return { totals: computeTotals(checked.map((l) => ({ ...l, vatRateBp: vat === 'standard' ? l.vatRateBp : 0 }))), vat };
  }

  /** The finalised documents of an account (invoices and credit notes), newest first, at most `limit`. */
  ofAccount(accountId: number, limit = 100): Promise<Invoice[]> {
    return this.repo.ofAccount(accountId, limit);
  }

  /**
   * For the daily job, inside its transaction: an unpaid invoice becomes `overdue` (past its due date) or
   * `uncollectible` (given up; never deleted); `open` again when staff grant it a later due date (the printed one
   * stays). Nothing changes for an invoice that is not open/overdue any more.
   */
  async markUnpaidIn(trx: Db, id: number, status: 'open' | 'overdue' | 'uncollectible'): Promise<void> {
    const inv = await this.repo.with(trx).byId(id, true);
    if (!inv || (inv.status !== 'open' && inv.status !== 'overdue')) return;
    await this.repo.with(trx).settle(id, inv.amountPaid, status, null);
  }

  private async finaliseIn(trx: Db, id: number, actor: Actor, dueOn?: string): Promise<Invoice> {
    const repo = this.repo.with(trx);
    const chainSeq = await repo.takeNext('chain');
    const draft = await repo.byId(id, true);
    if (!draft) throw new NotFoundError('no such invoice');
    if (draft.status !== 'draft') throw new ConflictError('already finalised', ERR.CONFLICT);
    const value = await repo.takeNext(draft.series);
    const now = this.deps.clock.now();
    const issueDate = dayIn(now, this.deps.billing.timezone);
    const number = `${draft.series}-${issueDate.slice(0, 4)}-${String(value).padStart(6, '0')}`;
    const buyer = (await repo.buyer(draft.accountId))!;
    const locale = billingLocale(buyer.locale);
    const noVat = vatTreatment(this.deps.billing, buyer) !== 'standard';
    const drafted = await repo.lines(id);
    const lines = drafted.map((l) => ({ ...l, vatRateBp: noVat ? 0 : l.vatRateBp }));
    const totals = computeTotals(lines);
    // The lines are rewritten only when their VAT rates changed (no French VAT for this buyer).
    if (lines.some((l, i) => l.vatRateBp !== drafted[i]!.vatRateBp)) await repo.replaceLines(id, lines);
    const cited = draft.creditedInvoiceId ? await repo.byId(draft.creditedInvoiceId) : null;
    let creditApplied = 0;
    if (draft.kind === 'invoice') {
      await this.deps.credits.lockIn(trx, draft.accountId);
      creditApplied = await this.deps.credits.applyIn(trx, draft.accountId, draft.currency, totals.ttc, id, number);
    }
    const amountDue = draft.kind === 'invoice' ? totals.ttc - creditApplied : 0;
    const dueDate = dueOn && dueOn > issueDate ? dueOn : addDays(issueDate, this.deps.billing.paymentTermsDays);
    const inv: Invoice = {
      ...draft, number, issueDate, dueDate, locale, chainSeq, totalHt: totals.ht, totalVat: totals.vat, totalTtc: totals.ttc,
      vatBreakdown: totals.vatBreakdown, creditApplied, amountDue, amountPaid: 0, finalisedAt: now,
      status: draft.kind === 'credit_note' || amountDue === 0 ? 'paid' : 'open', paidAt: amountDue === 0 ? now : null,
      seller: { ...this.deps.billing.seller, vatRegime: this.deps.billing.vatRegime },
      buyer: { accountId: buyer.accountId, publicRef: buyer.publicRef, company: buyer.company, name: buyer.name, address: buyer.address,
        country: buyer.country, vatNumber: buyer.vatNumber, email: buyer.email },
      mentions: mentionsFor(this.deps.billing, buyer, draft.kind, formatDay(dueDate, locale), locale,
        cited ? { number: cited.number!, issueDate: formatDay(cited.issueDate!, locale) } : undefined),
    };
    const pdf = await renderInvoicePdf(inv, lines, now);
    const pdfSha256 = sha256Hex(pdf);
    const prevHash = (await repo.lastHash()) ?? GENESIS_HASH;
    const hash = linkHash(prevHash, snapshotOf(inv, lines), pdfSha256);
    await repo.finalise(id, { ...inv, number, issueDate, dueDate, seller: inv.seller!, buyer: inv.buyer!, mentions: inv.mentions!, pdf, pdfSha256,
      prevHash, hash, chainSeq, finalisedAt: now });
    const action = draft.kind === 'invoice' ? 'invoice.finalised' : 'credit_note.issued';
    await this.deps.audit.record(trx, actor, action, { type: 'invoice', id }, {
      number, ttc: totals.ttc, currency: draft.currency, credit_applied: creditApplied,
      ttc_text: moneyText(totals.ttc, draft.currency), credit_text: moneyText(creditApplied, draft.currency),
    });
    return { ...inv, pdfSha256, prevHash, hash };
  }

  /**
   * Issue a finalised credit note (AV series) on finalised invoice `invoiceId`, citing its number and date.
   * Give `lines`, or `amount` (HT, minor units) for an invoice with one VAT rate. The credit note's TTC first
   * settles what is still owed on the invoice (fully credited and unpaid: `cancelled`), the rest becomes credit
   * balance (kind `refund`); a paid invoice credited in full becomes `refunded`. One transaction.
   * @throws NotFoundError; ValidationError {form|amount|reason|lines}.
   */
  async creditNote(invoiceId: number, input: CreditNoteInput, actor: Actor): Promise<Invoice> {
    return this.deps.db.transaction((trx) => this.creditNoteIn(trx, invoiceId, input, actor));
  }

  /** {@link creditNote} inside the caller's transaction (a prorated upgrade). Same errors. */
  async creditNoteIn(trx: Db, invoiceId: number, input: CreditNoteInput, actor: Actor): Promise<Invoice> {
    const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
    if (!reason || reason.length > 500) throw new ValidationError({ reason: 'billing:errors.reason_required' });
    const repo = this.repo.with(trx);
    // The chain row first, as in finaliseIn: credit notes of one invoice are checked one at a time.
    await repo.lockCounter('chain');
    const original = await repo.byId(invoiceId, true);
    if (!original) throw new NotFoundError('no such invoice');
    if (original.kind !== 'invoice' || original.status === 'draft') throw new ValidationError({ form: 'billing:errors.not_creditable' });
    const lines = input.lines ?? [this.amountLine(original, input.amount, reason)];
    const opts: DraftOptions = { currency: original.currency, type: 'manual' };
    const draftId = await this.insertDraft(trx, 'credit_note', original.accountId, lines, opts, invoiceId, reason);
    const draftLines = await repo.lines(draftId);
    if ((await repo.creditedHt(invoiceId)) + computeTotals(draftLines).ht > original.totalHt) {
      throw new ValidationError({ amount: 'billing:errors.credit_exceeds' });
    }
    const note = await this.finaliseIn(trx, draftId, actor);
    await this.settleByCreditNote(trx, original, note, actor, input.moneyReturned === true);
    return note;
  }

  /**
   * For PaymentsService, inside its transaction: the credit note of money a gateway gave back (`ttc`, minor units)
   * on invoice `invoiceId`: its HT is the refund's share of the invoice's HT (what is left of it when the refund
   * ends the invoice's TTC), nothing goes to the credit balance (the money went back to the card). Null when the
   * invoice has been credited in full already. Same errors as {@link creditNote}.
   */
  async refundNoteIn(trx: Db, invoiceId: number, ttc: number, reason: string, actor: Actor): Promise<Invoice | null> {
    await this.lockChainIn(trx);
    const repo = this.repo.with(trx);
    const inv = await repo.byId(invoiceId, true);
    if (!inv) throw new NotFoundError('no such invoice');
    const leftHt = inv.totalHt - (await repo.creditedHt(invoiceId));
    if (leftHt <= 0 || inv.totalTtc <= 0) return null;
    const leftTtc = Math.round((leftHt * inv.totalTtc) / inv.totalHt);
    const ht = ttc >= leftTtc ? leftHt : Math.max(1, Math.min(leftHt, Math.round((ttc * inv.totalHt) / inv.totalTtc)));
    return this.creditNoteIn(trx, invoiceId, { amount: ht, reason, moneyReturned: true }, actor);
  }

  private amountLine(original: Invoice, amount: number | undefined, reason: string): DraftLine {
    if (!Number.isSafeInteger(amount) || amount! <= 0) throw new ValidationError({ amount: 'billing:errors.amount_required' });
    if (original.vatBreakdown.length !== 1) throw new ValidationError({ lines: 'billing:errors.multiple_rates' });
    const locale = billingLocale(original.locale);
    const params = { number: original.number!, date: formatDay(original.issueDate!, locale), reason };
    const description = billingText(locale, 'lines.credit_of', params).slice(0, 500);
    return { description, quantity: 1, unitPrice: amount!, vatRateBp: original.vatBreakdown[0]!.rateBp };
  }

  private async settleByCreditNote(trx: Db, original: Invoice, note: Invoice, actor: Actor, moneyReturned: boolean): Promise<void> {
    const repo = this.repo.with(trx);
    const owed = original.status === 'open' || original.status === 'overdue' ? original.amountDue - original.amountPaid : 0;
    const settles = Math.min(owed, note.totalTtc);
    const fully = (await repo.creditedHt(original.id)) >= original.totalHt;
    if (settles > 0) {
      const paid = original.amountPaid + settles;
      const status = paid >= original.amountDue ? (fully ? 'cancelled' : 'paid') : original.status;
      await repo.settle(original.id, paid, status, status === 'paid' ? this.deps.clock.now() : null);
    } else if (fully && original.status === 'paid') {
      await repo.settle(original.id, original.amountPaid, 'refunded', original.paidAt);
    }
    const rest = note.totalTtc - settles;
    if (rest > 0 && !moneyReturned) {
      await this.deps.credits.lockIn(trx, original.accountId);
      await this.deps.credits.grantIn(trx, { accountId: original.accountId, kind: 'refund', amount: rest, currency: original.currency,
        reference: note.number, reason: billingText(billingLocale(original.locale), 'lines.credit_note_refund', { number: note.number! }) }, actor.id);
    }
  }

  /**
   * For PaymentsService, inside its transaction: the invoice with its row locked (PostgreSQL), or null.
   */
  lockForPayment(trx: Db, id: number): Promise<Invoice | null> {
    return this.repo.with(trx).byId(id, true);
  }

  /**
   * For PaymentsService, inside its transaction: record `amount` received (capped by the caller at what is owed);
   * the invoice becomes `paid` (paid_at = `paidAt`) once amount_paid reaches amount_due.
   */
  async recordPaymentIn(trx: Db, inv: Invoice, amount: number, paidAt: Date): Promise<Invoice> {
    const amountPaid = inv.amountPaid + amount;
    const paid = amountPaid >= inv.amountDue;
    await this.repo.with(trx).settle(inv.id, amountPaid, paid ? 'paid' : inv.status, paid ? paidAt : null);
    return { ...inv, amountPaid, status: paid ? 'paid' : inv.status, paidAt: paid ? paidAt : null };
  }

  /**
   * Walk the chain in chain_seq order (pages of 200) and recompute each link: sequence without gap from 1,
   * prev_hash, the PDF's SHA-256, the hash. Returns the first broken link (its number and why) or ok.
   */
  async verifyChain(): Promise<ChainReport> {
    let prev = GENESIS_HASH;
    let seq = 0;
    for (;;) {
      const page = await this.repo.chainPage(seq, 200);
      if (!page.length) return { ok: true, checked: seq };
      const lines = await this.repo.linesOf(page.map((d) => d.id));
      for (const d of page) {
        const broken = (reason: ChainBreak): ChainReport => ({ ok: false, checked: seq, number: d.number, chainSeq: d.chainSeq!, reason });
        if (d.chainSeq !== seq + 1) return broken('sequence');
        if (d.prevHash !== prev) return broken('prev_hash');
        if (!d.pdf || sha256Hex(d.pdf) !== d.pdfSha256) return broken('pdf');
        if (linkHash(prev, snapshotOf(d, lines.get(d.id) ?? []), d.pdfSha256) !== d.hash) return broken('hash');
        prev = d.hash;
        seq = d.chainSeq;
      }
    }
  }
}
