/**
 * Payments: the only writer of `payments`. A payment recorded by staff
 * (manual gateway) settles an open invoice in ONE transaction: the invoice
 * row locked, the payment row, the invoice's amount_paid and status
 * (InvoicesService), an overpayment's excess as credit balance
 * (CreditsService, kind `adjustment`), the audit row `payment.recorded`.
 * The idempotency key is unique: submitting the same form twice records one
 * payment and returns it again.
 */
import type { Actor, AuditService } from '../audit/index.js';
import { ConflictError, ERR, NotFoundError, ValidationError } from '../errors/index.js';
import type { Clock } from '../platform/clock.js';
import { isUniqueViolation, type Db } from '../platform/db.js';
import type { CreditsService } from './credits.service.js';
import type { GatewayName, GatewayRefund, PaymentMethod } from './gateway.js';
import type { Currency } from './money.js';
import type { Invoice } from './invoices.repository.js';
import { dayIn, type InvoicesService } from './invoices.service.js';
import { GatewayPayments, type GatewayFailure, type GatewaySettlement } from './payments.online.js';
import { PaymentsRepository, type Payment, type PaymentRefund } from './payments.repository.js';
import { moneyText } from './money.js';
import { billingLocale, billingText } from './texts.js';

/** The methods staff may record by hand. */
export const MANUAL_METHODS: readonly PaymentMethod[] = ['bank_transfer', 'mobile_money', 'cash', 'cheque'];

export interface ManualPaymentInput {
  /** Minor units of the invoice's currency, > 0. */
  amount: number;
  method: PaymentMethod;
  /** The transfer or cheque reference, at most 200 characters (may be empty). */
  reference: string;
  /** The day the money arrived, YYYY-MM-DD: not before the invoice's issue date, not after today. */
  date: string;
  /** 8 to 100 characters, chosen when the form is shown. */
  idempotencyKey: string;
}

export interface PaymentResult {
  payment: Payment;
  invoice: Invoice;
  /** Minor units that went to the credit balance (0 unless overpaid). */
  overpayment: number;
  /** True when this key had already recorded the payment (nothing new written). */
  repeated: boolean;
}

/**
 * What another part of billing does when a payment makes an invoice `paid`: called inside the payment's
 * transaction (the subscription becomes active, its units are credited), it may return what to do once that
 * transaction has committed (mails). Registered with PaymentsService.onInvoicePaid, so payments need not
 * import subscriptions.
 */
export interface InvoicePaidHook {
  invoicePaidIn(trx: Db, invoice: Invoice, actor: Actor): Promise<(() => void) | void>;
}

export interface PaymentsDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  invoices: InvoicesService;
  credits: CreditsService;
  timezone: string;
}

export class PaymentsService {
  private readonly repo: PaymentsRepository;
  private readonly paidHooks: InvoicePaidHook[] = [];
  private readonly online: GatewayPayments;

  constructor(private readonly deps: PaymentsDeps) {
    this.repo = new PaymentsRepository(deps.db);
    this.online = new GatewayPayments({ ...deps, apply: (...a) => this.applyIn(...a) }, this.repo);
  }

  /** One payment, or null. */
  byId(id: number): Promise<Payment | null> {
    return this.repo.byId(id);
  }

  /** The refunds recorded on payment `id`, oldest first. */
  refundsOf(id: number): Promise<PaymentRefund[]> {
    return this.repo.refundsOf(id);
  }

  /** Gateway payments still pending or processing since before `before` (the reconciliation's list), oldest first. */
  waitingSince(before: Date, limit = 500): Promise<Payment[]> {
    return this.repo.waitingSince(before, limit);
  }

  /** The payment a gateway knows as `reference`, or null. */
  byGatewayReference(gateway: GatewayName, reference: string): Promise<Payment | null> {
    return this.repo.byGatewayReference(gateway, reference);
  }

  /** A partner starts paying invoice `invoiceId` on a gateway's hosted page (payments.online.ts startCheckout). */
  startCheckout(invoiceId: number, accountId: number, gateway: GatewayName, actor: Actor): Promise<{ payment: Payment; invoice: Invoice }> {
    return this.online.startCheckout(invoiceId, accountId, gateway, actor);
  }

  /** The hosted page's id, kept on the payment. */
  recordCheckoutSession(paymentId: number, session: string): Promise<void> {
    return this.online.recordCheckoutSession(paymentId, session);
  }

  /** Claim a renewal's off-session charge at dunning day `offset`, once (payments.online.ts claimRenewalCharge). */
  claimRenewalCharge(invoiceId: number, offset: number, gateway: GatewayName, actor: Actor): Promise<Payment | null> {
    return this.online.claimRenewalCharge(invoiceId, offset, gateway, actor);
  }

  /**
   * Money received through a gateway, idempotent by (gateway, reference), in one transaction with the invoice-paid
   * hooks (payments.online.ts settle).
   */
  settleFromGateway(s: GatewaySettlement, actor: Actor): Promise<{ payment: Payment; invoice: Invoice; repeated: boolean }> {
    return this.online.settle(s, actor);
  }

  /** A gateway payment failed; a success already recorded stays (payments.online.ts fail). */
  failFromGateway(f: GatewayFailure, actor: Actor): Promise<Payment | null> {
    return this.online.fail(f, actor);
  }

  /** Money given back through a gateway: one credit note per refund id (payments.online.ts refund). */
  refundFromGateway(gateway: GatewayName, reference: string, r: GatewayRefund, actor: Actor): Promise<{ refund: PaymentRefund | null; repeated: boolean }> {
    return this.online.refund(gateway, reference, r, actor);
  }

  /** A dispute opened at the gateway: audited for staff. */
  disputedAtGateway(gateway: GatewayName, reference: string, d: { disputeId: string; amount: number; currency: Currency; reason: string }, actor: Actor):
    Promise<Payment | null> {
    return this.online.disputed(gateway, reference, d, actor);
  }

  /** Run `hook` in the transaction of every payment that makes an invoice paid (see InvoicePaidHook). */
  onInvoicePaid(hook: InvoicePaidHook): void {
    this.paidHooks.push(hook);
  }

  /** The payments of an invoice, oldest first. */
  ofInvoice(invoiceId: number): Promise<Payment[]> {
    return this.repo.ofInvoice(invoiceId);
  }

  private check(input: ManualPaymentInput): void {
    if (!Number.isSafeInteger(input.amount) || input.amount <= 0) throw new ValidationError({ amount: 'billing:errors.amount_required' });
    if (!MANUAL_METHODS.includes(input.method)) throw new ValidationError({ method: 'billing:errors.method_invalid' });
    if (typeof input.reference !== 'string' || input.reference.length > 200) throw new ValidationError({ reference: 'billing:errors.reference_too_long' });
    if (typeof input.idempotencyKey !== 'string' || !/^[\w-]{8,100}$/.test(input.idempotencyKey)) {
      throw new ValidationError({ form: 'billing:errors.idempotency_key' });
    }
    const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input.date);
    const valid = d && new Date(`${input.date}T00:00:00Z`).toISOString().slice(0, 10) === input.date;
    if (!valid || input.date > dayIn(this.deps.clock.now(), this.deps.timezone)) throw new ValidationError({ date: 'billing:errors.date_invalid' });
  }

  /**
   * Record money received for invoice `invoiceId` (module comment). Partial payments add up; the invoice is
   * `paid` when amount_paid reaches amount_due; what exceeds it becomes credit balance.
   * @throws ValidationError {amount|method|reference|date|form}; NotFoundError; ConflictError CONFLICT when the
   *   key was used for another invoice.
   */
  async recordManual(invoiceId: number, input: ManualPaymentInput, actor: Actor): Promise<PaymentResult> {
    this.check(input);
    try {
      const after: (() => void)[] = [];
      const result = await this.deps.db.transaction((trx) => this.recordIn(trx, invoiceId, input, actor, after));
      for (const done of after) done();
      return result;
    } catch (err) {
      // A concurrent submit of the same key on PostgreSQL: the other transaction recorded it.
      if (!isUniqueViolation(err)) throw err;
      const done = await this.repo.byKey(input.idempotencyKey);
      if (!done) throw err;
      return this.repeated(done, invoiceId);
    }
  }

  /**
   * The payment already recorded under `idempotencyKey` (a form submitted again), or null. A form checks it before
   * its own checks against the invoice: once the first submit paid the invoice, "more than what is due" would
   * otherwise refuse the repeat that recordManual answers as `repeated`.
   */
  async byIdempotencyKey(idempotencyKey: string): Promise<Payment | null> {
    return /^[\w-]{8,100}$/.test(idempotencyKey) ? this.repo.byKey(idempotencyKey) : null;
  }

  private async repeated(done: Payment, invoiceId: number): Promise<PaymentResult> {
    if (done.invoiceId !== invoiceId) throw new ConflictError('idempotency key used for another invoice', ERR.CONFLICT);
    return { payment: done, invoice: (await this.deps.invoices.byId(invoiceId))!, overpayment: 0, repeated: true };
  }

  private async recordIn(trx: Db, invoiceId: number, input: ManualPaymentInput, actor: Actor, after: (() => void)[]): Promise<PaymentResult> {
    const repo = this.repo.with(trx);
    const inv = await this.deps.invoices.lockForPayment(trx, invoiceId);
    if (!inv) throw new NotFoundError('no such invoice');
    const done = await repo.byKey(input.idempotencyKey);
    if (done) {
      if (done.invoiceId !== invoiceId) throw new ConflictError('idempotency key used for another invoice', ERR.CONFLICT);
      return { payment: done, invoice: inv, overpayment: 0, repeated: true };
    }
    if (inv.kind !== 'invoice' || (inv.status !== 'open' && inv.status !== 'overdue')) throw new ValidationError({ form: 'billing:errors.not_payable' });
    if (input.date < inv.issueDate!) throw new ValidationError({ date: 'billing:errors.date_invalid' });
    const now = this.deps.clock.now();
    const payment = await repo.insertSucceeded({
      invoiceId, accountId: inv.accountId, status: 'succeeded', gateway: 'manual', gatewayReference: input.reference.trim() || null, method: input.method,
      amount: input.amount, currency: inv.currency, receivedOn: input.date, idempotencyKey: input.idempotencyKey, actorId: actor.id,
    }, now);
    const { invoice, overpayment } = await this.applyIn(trx, inv, payment, new Date(`${input.date}T00:00:00Z`), actor, after);
    return { payment, invoice, overpayment, repeated: false };
  }

  /**
   * The effects of money received (`payment`, already written) on invoice `inv` (locked by the caller), inside `trx`:
   * what is still owed is settled (paid → the invoice-paid hooks run), the rest becomes credit balance, the audit row
   * `payment.recorded`. Used by the manual and the gateway paths.
   */
  async applyIn(trx: Db, inv: Invoice, payment: Payment, paidAt: Date, actor: Actor, after: (() => void)[]):
    Promise<{ invoice: Invoice; overpayment: number }> {
    const owed = Math.max(0, inv.amountDue - inv.amountPaid);
    const settles = ['open', 'overdue', 'uncollectible'].includes(inv.status) ? Math.min(owed, payment.amount) : 0;
    const invoice = settles > 0 ? await this.deps.invoices.recordPaymentIn(trx, inv, settles, paidAt) : inv;
    if (settles > 0 && invoice.status === 'paid') {
      for (const hook of this.paidHooks) {
        const done = await hook.invoicePaidIn(trx, invoice, actor);
        if (done) after.push(done);
      }
    }
    const overpayment = payment.amount - settles;
    if (overpayment > 0) {
      const reason = billingText(billingLocale(inv.locale), 'lines.overpayment', { reference: String(payment.id), number: inv.number! });
      await this.deps.credits.lockIn(trx, inv.accountId);
      await this.deps.credits.grantIn(trx, { accountId: inv.accountId, kind: 'adjustment', amount: overpayment, currency: inv.currency,
        reference: `pay:${payment.id}`, reason }, actor.id);
    }
    await this.deps.audit.record(trx, actor, 'payment.recorded', { type: 'invoice', id: inv.id }, {
      number: inv.number, amount: payment.amount, currency: inv.currency, method: payment.method, gateway: payment.gateway, overpayment,
      status: invoice.status, amount_text: moneyText(payment.amount, inv.currency), overpayment_text: moneyText(overpayment, inv.currency),
    });
    return { invoice, overpayment };
  }
}
