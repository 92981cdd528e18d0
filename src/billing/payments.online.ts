/**
 * The gateway side of PaymentsService (it builds this class and hands it its
 * repository: `payments` and `payment_refunds` keep one writer). Gateway-neutral:
 * what a Stripe or PayPal notification means arrives here already read into
 * references, amounts and ids (gateway.ts GatewayAction).
 *
 * Every method is one transaction that locks the invoice row first (a refund:
 * the chain counter first, as every credit note), then reads the payment again
 * under that lock, so notifications delivered several times, late or out of
 * order, concurrently on PostgreSQL, give one effect:
 * - a payment is known by (gateway, reference), unique: a success seen twice
 *   records nothing the second time; a success after a failure wins; a failure
 *   after a success changes nothing (the invoice stays paid);
 * - a refund is known by its gateway refund id, unique: the admin's refund and
 *   the gateway's notification of it give one credit note.
 * Nothing here calls a gateway: callers do that before or after, never inside.
 */
import type { Actor, AuditService } from '../audit/index.js';
import { ConflictError, ERR, NotFoundError, ValidationError } from '../errors/index.js';
import type { Clock } from '../platform/clock.js';
import { isUniqueViolation, type Db } from '../platform/db.js';
import type { GatewayName, GatewayRefund, PaymentMethod } from './gateway.js';
import type { Invoice } from './invoices.repository.js';
import { dayIn, type InvoicesService } from './invoices.service.js';
import { moneyText, type Currency } from './money.js';
import type { Payment, PaymentRefund, PaymentsRepository } from './payments.repository.js';
import { billingLocale, namespaceText } from './texts.js';

/** Money a gateway says it received: its reference, our invoice and payment ids from its metadata (either may be null). */
export interface GatewaySettlement {
  gateway: GatewayName;
  reference: string;
  invoiceId: number | null;
  paymentId: number | null;
  /** Minor units of `currency`, > 0. */
  amount: number;
  currency: Currency;
  method: PaymentMethod;
}

/** A payment a gateway says failed: `code` is its decline or error code. */
export interface GatewayFailure {
  gateway: GatewayName;
  reference: string | null;
  invoiceId: number | null;
  paymentId: number | null;
  code: string;
  message: string;
}

export interface OnlineDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  invoices: InvoicesService;
  timezone: string;
  /** PaymentsService.applyIn: the invoice settled, hooks, overpayment, audit row. */
  apply(trx: Db, inv: Invoice, payment: Payment, paidAt: Date, actor: Actor, after: (() => void)[]): Promise<{ invoice: Invoice }>;
}

const PAYABLE = ['open', 'overdue'];

/**
 * `inv` when partner `accountId` (any with null) can pay it online: an invoice (not a credit note), open or overdue,
 * with something left to pay. @throws NotFoundError (missing, another's); ValidationError {form: billing:errors.not_payable}.
 */
export function assertPayable(inv: Invoice | null, accountId: number | null): Invoice {
  if (!inv || (accountId !== null && inv.accountId !== accountId)) throw new NotFoundError('no such invoice');
  if (inv.kind !== 'invoice' || !PAYABLE.includes(inv.status) || inv.amountDue - inv.amountPaid <= 0) {
    throw new ValidationError({ form: 'billing:errors.not_payable' });
  }
  return inv;
}

export class GatewayPayments {
  constructor(private readonly deps: OnlineDeps, private readonly repo: PaymentsRepository) {}

  private async payableIn(trx: Db, invoiceId: number, accountId: number | null): Promise<Invoice> {
    return assertPayable(await this.deps.invoices.lockForPayment(trx, invoiceId), accountId);
  }

  /**
   * The payment row of a hosted checkout of invoice `invoiceId` by its partner `accountId` (one per invoice and
   * gateway, key `checkout:<gateway>:<invoice>`): created `pending`, or taken again for a new attempt (the attempt
   * number rises: the gateway idempotency key `payment-<id>-attempt-<n>` is new). Audited.
   * @throws NotFoundError (not this partner's invoice); ValidationError {form: not_payable}.
   */
  async startCheckout(invoiceId: number, accountId: number, gateway: GatewayName, actor: Actor): Promise<{ payment: Payment; invoice: Invoice }> {
    return this.deps.db.transaction(async (trx) => {
      const inv = await this.payableIn(trx, invoiceId, accountId);
      const repo = this.repo.with(trx);
      const key = `checkout:${gateway}:${invoiceId}`;
      const now = this.deps.clock.now();
      const owed = inv.amountDue - inv.amountPaid;
      const known = await repo.byKey(key);
      let payment: Payment;
      if (known && known.status !== 'succeeded' && known.status !== 'refunded') {
        await repo.nextAttempt(known.id, 'pending', owed, now);
        payment = (await repo.byId(known.id))!;
      } else {
        payment = await repo.insert({ invoiceId, accountId: inv.accountId, status: 'pending', gateway, gatewayReference: null,
          method: gateway === 'paypal' ? 'paypal' : 'card', amount: owed, currency: inv.currency, receivedOn: null,
          idempotencyKey: known ? `${key}:${now.getTime()}` : key, actorId: actor.id, attempts: 1 }, now);
      }
      await this.deps.audit.record(trx, actor, 'payment.checkout_started', { type: 'invoice', id: invoiceId },
        { number: inv.number, gateway, payment: payment.id, attempt: payment.attempts, amount_text: moneyText(owed, inv.currency) });
      return { payment, invoice: inv };
    });
  }

  /** Remember the hosted page's id on the payment (its notifications may name only the session). */
  async recordCheckoutSession(paymentId: number, session: string): Promise<void> {
    await this.repo.setCheckoutSession(paymentId, session);
  }

  /**
   * Claim the off-session charge of renewal invoice `invoiceId` at dunning day `offset` (key
   * `renewal:<gateway>:<invoice>:<offset>`, unique: once whatever the number of runs): a `processing` payment of
   * what is owed, audited. Null when already claimed or the invoice is not payable any more.
   */
  async claimRenewalCharge(invoiceId: number, offset: number, gateway: GatewayName, actor: Actor): Promise<Payment | null> {
    const key = `renewal:${gateway}:${invoiceId}:${offset}`;
    try {
      return await this.deps.db.transaction(async (trx) => {
        const inv = await this.deps.invoices.lockForPayment(trx, invoiceId);
        if (!inv || inv.kind !== 'invoice' || !PAYABLE.includes(inv.status) || inv.amountDue <= inv.amountPaid) return null;
        const repo = this.repo.with(trx);
        if (await repo.byKey(key)) return null;
        const payment = await repo.insert({ invoiceId, accountId: inv.accountId, status: 'processing', gateway, gatewayReference: null, method: 'card',
          amount: inv.amountDue - inv.amountPaid, currency: inv.currency, receivedOn: null, idempotencyKey: key, actorId: null, attempts: 1 },
        this.deps.clock.now());
        await this.deps.audit.record(trx, actor, 'payment.renewal_charge', { type: 'invoice', id: invoiceId },
          { number: inv.number, gateway, payment: payment.id, offset, amount_text: moneyText(payment.amount, inv.currency) });
        return payment;
      });
    } catch (err) {
      if (isUniqueViolation(err)) return null;
      throw err;
    }
  }

  /**
   * Money received through a gateway (module comment: once per reference). The payment row of our metadata is
   * completed, else a new one is written; then PaymentsService.applyIn. `after` runs once committed (mails).
   * @throws NotFoundError when no invoice can be found; ConflictError CURRENCY_MISMATCH-like CONFLICT when the
   *   currency is not the invoice's.
   */
  async settle(s: GatewaySettlement, actor: Actor): Promise<{ payment: Payment; invoice: Invoice; repeated: boolean }> {
    if (!Number.isSafeInteger(s.amount) || s.amount <= 0) throw new ValidationError({ amount: 'billing:errors.amount_required' });
    const after: (() => void)[] = [];
    try {
      const out = await this.deps.db.transaction((trx) => this.settleIn(trx, s, actor, after));
      for (const done of after) done();
      return out;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const done = await this.repo.byGatewayReference(s.gateway, s.reference);
      if (!done) throw err;
      return { payment: done, invoice: (await this.deps.invoices.byId(done.invoiceId))!, repeated: true };
    }
  }

  private async settleIn(trx: Db, s: GatewaySettlement, actor: Actor, after: (() => void)[]) {
    const repo = this.repo.with(trx);
    const mine = (p: Payment | null): Payment | null => (p && p.gateway === s.gateway ? p : null);
    const first = (await repo.byGatewayReference(s.gateway, s.reference)) ?? mine(s.paymentId ? await repo.byId(s.paymentId) : null);
    const invoiceId = first?.invoiceId ?? s.invoiceId;
    const inv = invoiceId ? await this.deps.invoices.lockForPayment(trx, invoiceId) : null;
    if (!inv) throw new NotFoundError('no invoice for this gateway payment');
    const known = await repo.byGatewayReference(s.gateway, s.reference);
    if (known && (known.status === 'succeeded' || known.status === 'refunded')) return { payment: known, invoice: inv, repeated: true };
    if (inv.currency !== s.currency) throw new ConflictError(`gateway currency ${s.currency} is not the invoice's`, ERR.CONFLICT);
    let row = known ?? mine(s.paymentId ? await repo.byId(s.paymentId, true) : null);
    if (row && (row.invoiceId !== inv.id || ['succeeded', 'refunded'].includes(row.status) || (row.gatewayReference && row.gatewayReference !== s.reference))) {
      row = null;
    }
    const now = this.deps.clock.now();
    const day = dayIn(now, this.deps.timezone);
    let payment: Payment;
    if (row) {
      await repo.markSucceeded(row.id, s.reference, s.amount, day, now);
      payment = (await repo.byId(row.id))!;
    } else {
      payment = await repo.insert({ invoiceId: inv.id, accountId: inv.accountId, status: 'succeeded', gateway: s.gateway, gatewayReference: s.reference,
        method: s.method, amount: s.amount, currency: s.currency, receivedOn: day, idempotencyKey: `${s.gateway}:${s.reference}`.slice(0, 100),
        actorId: null }, now, now);
    }
    const { invoice } = await this.deps.apply(trx, inv, payment, now, actor, after);
    return { payment, invoice, repeated: false };
  }

  /**
   * A gateway payment failed: its row (by reference, else by our payment id) becomes `failed` with the code, unless
   * it succeeded already (a late failure changes nothing). Audited when something changed. Returns the row, or
   * null when none is known.
   */
  async fail(f: GatewayFailure, actor: Actor): Promise<Payment | null> {
    return this.deps.db.transaction(async (trx) => {
      const repo = this.repo.with(trx);
      const mine = (p: Payment | null): Payment | null => (p && p.gateway === f.gateway ? p : null);
      const row = mine(f.reference ? await repo.byGatewayReference(f.gateway, f.reference) : null) ?? mine(f.paymentId ? await repo.byId(f.paymentId) : null);
      if (!row) return null;
      const inv = await this.deps.invoices.lockForPayment(trx, row.invoiceId);
      const now = await repo.byId(row.id, true);
      if (!inv || !now || !['pending', 'processing', 'failed'].includes(now.status)) return now;
      if (now.status === 'failed' && now.gatewayReference && f.reference && now.gatewayReference !== f.reference) return now;
      await repo.markFailed(row.id, f.reference, f.code, f.message, this.deps.clock.now());
      await this.deps.audit.record(trx, actor, 'payment.failed', { type: 'invoice', id: inv.id },
        { number: inv.number, gateway: f.gateway, payment: row.id, code: f.code.slice(0, 64) });
      return (await repo.byId(row.id))!;
    });
  }

  /**
   * Money a gateway gave back on the payment `reference` (module comment: once per refund id): the refund row and
   * its credit note (InvoicesService.refundNoteIn: nothing to the credit balance). A refund that failed at the
   * gateway records nothing. @throws NotFoundError for an unknown payment; ConflictError CONFLICT beyond what was paid.
   */
  async refund(gateway: GatewayName, reference: string, r: GatewayRefund, actor: Actor): Promise<{ refund: PaymentRefund | null; repeated: boolean }> {
    try {
      return await this.deps.db.transaction(async (trx) => {
        await this.deps.invoices.lockChainIn(trx);
        const repo = this.repo.with(trx);
        const known = await repo.refundByGatewayId(gateway, r.refundId);
        if (known) return { refund: known, repeated: true };
        if (r.status === 'failed') return { refund: null, repeated: false };
        const found = await repo.byGatewayReference(gateway, reference);
        if (!found) throw new NotFoundError('no payment for this gateway refund');
        const inv = (await this.deps.invoices.lockForPayment(trx, found.invoiceId))!;
        const payment = (await repo.byId(found.id, true))!;
        if (r.currency !== payment.currency || r.amount <= 0 || r.amount > payment.amount - payment.refundedAmount) {
          throw new ConflictError('refund beyond what the payment left', ERR.CONFLICT);
        }
        const locale = billingLocale(inv.locale);
        const why = r.reason || namespaceText('payments', locale, 'lines.no_reason');
        const reason = namespaceText('payments', locale, 'lines.refund', { reference, reason: why });
        const note = await this.deps.invoices.refundNoteIn(trx, inv.id, r.amount, reason.slice(0, 500), actor);
        const refund = await repo.insertRefund(payment, { gateway, gatewayRefundId: r.refundId, amount: r.amount, currency: r.currency, reason: r.reason,
          creditNoteId: note?.id ?? null }, actor.id, this.deps.clock.now());
        await this.deps.audit.record(trx, actor, 'payment.refunded', { type: 'invoice', id: inv.id }, {
          number: inv.number, gateway, payment: payment.id, refund: r.refundId, credit_note: note?.number ?? null, amount_text: moneyText(r.amount, r.currency),
        });
        return { refund, repeated: false };
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const known = await this.repo.refundByGatewayId(gateway, r.refundId);
      if (!known) throw err;
      return { refund: known, repeated: true };
    }
  }

  /** A dispute opened at the gateway on payment `reference`: an audit row for staff (the money question is settled at the gateway). */
  async disputed(gateway: GatewayName, reference: string, d: { disputeId: string; amount: number; currency: Currency; reason: string }, actor: Actor):
    Promise<Payment | null> {
    const payment = await this.repo.byGatewayReference(gateway, reference);
    if (!payment) return null;
    await this.deps.db.transaction((trx) => this.deps.audit.record(trx, actor, 'payment.disputed', { type: 'invoice', id: payment.invoiceId },
      { gateway, payment: payment.id, dispute: d.disputeId, reason: d.reason.slice(0, 100), amount_text: moneyText(d.amount, d.currency) }));
    return payment;
  }
}
