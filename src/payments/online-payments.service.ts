/**
 * Online payments: what the portal asks of a gateway and what it does with
 * the answers, gateway-neutral (the gateways implement OnlineGateway). The
 * only writer of `gateway_customers`; payments, refunds and credit notes are
 * written by the billing services it calls.
 *
 * Rule: a gateway is never awaited inside a database transaction. Each flow
 * is: a short transaction that records the intent (a payment row, a claim),
 * then the gateway call with an idempotency key derived from that row
 * (`payment-<id>-attempt-<n>`, `refund-<payment>-<form key>`, `customer-<account>`),
 * then a short transaction that records the answer. A crash between the two
 * leaves a row the gateway's notification, or a repeated call with the same
 * key, completes.
 */
import { SYSTEM_ACTOR, type Actor, type AuditService } from '../audit/index.js';
import {
  assertPayable, daysBetween, isHardDecline, type ChargeOutcome, type Currency, type GatewayAction, type GatewayName, type InvoicesService, type OnlineGateway,
  type Payment, type PaymentsService, type SavedCard,
} from '../billing/index.js';
import { ConflictError, ERR, NotFoundError, ValidationError } from '../errors/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import { GatewayCustomersRepository } from './gateway-customers.repository.js';

/** How long a gateway payment may wait for its notification before the reconciliation asks the gateway (2 hours). */
export const RECONCILE_AFTER_SECONDS = 7200;

/** Days after a renewal's due date on which its saved card is charged (J0, then soft-decline retries). */
export const RENEWAL_CHARGE_DAYS: readonly number[] = [0, 1, 3, 7, 13];

/**
 * Where a hosted checkout sends the payer back (site paths): `back` after paying (`?paid=<invoice>`) or giving up
 * (`?cancelled=<invoice>`), `returnTo` for a gateway that completes the payment on return (PayPal).
 */
export interface CheckoutPages {
  back: string;
  returnTo: string;
}

/** An unpaid invoice of a subscription as the daily job passes it: `dueDate` is the one staff last granted, else the printed one. */
export interface DueInvoice {
  id: number;
  number: string;
  dueDate: string;
}

export interface OnlinePaymentsDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  payments: PaymentsService;
  invoices: InvoicesService;
  gateways: Partial<Record<GatewayName, OnlineGateway>>;
  /** E-mail, name and language of an account (SubscriptionsService.contactOf). */
  contactOf(accountId: number): Promise<{ email: string; name: string; locale: 'fr' | 'en' } | null>;
  baseUrl: string;
  logger?: Logger;
}

export class OnlinePaymentsService {
  private readonly customers: GatewayCustomersRepository;

  constructor(private readonly deps: OnlinePaymentsDeps) {
    this.customers = new GatewayCustomersRepository(deps.db);
  }

  /** The online gateways configured, in the order the pay page offers them; with `currency`, those that take it. */
  available(currency?: Currency): GatewayName[] {
    return (['stripe', 'paypal'] as const).filter((g) => this.deps.gateways[g] && (!currency || this.deps.gateways[g].accepts(currency)));
  }

  private gateway(name: GatewayName): OnlineGateway {
    const g = this.deps.gateways[name];
    if (!g) throw new NotFoundError(`gateway ${name} is not configured`);
    return g;
  }

  /** The card a partner keeps at `gateway` for renewals, or null. */
  async savedCard(accountId: number, gateway: GatewayName): Promise<SavedCard | null> {
    return (await this.customers.ofAccount(accountId, gateway))?.card ?? null;
  }

  /** The partner's customer at the gateway, created once (idempotency key `customer-<account>`). */
  private async customerFor(g: OnlineGateway, accountId: number): Promise<string> {
    const known = await this.customers.ofAccount(accountId, g.name);
    if (known) return known.customerRef;
    const contact = await this.deps.contactOf(accountId);
    if (!contact) throw new NotFoundError('no such account');
    const ref = await g.createCustomer({ accountId, email: contact.email, name: contact.name, idempotencyKey: `customer-${accountId}` });
    await this.customers.insert(accountId, g.name, ref, this.deps.clock.now());
    return (await this.customers.ofAccount(accountId, g.name))!.customerRef;
  }

  /**
   * A partner pays invoice `invoiceId` on `gateway`'s hosted page: returns the URL to send them to. The invoice is
   * paid by the gateway's notification, never by the redirect back; a gateway that `completesOnReturn` (PayPal)
   * sends the payer back to `pages.returnTo` (a partner: /subscription/invoices/<id>/return/<gateway>), where
   * completeReturn captures.
   * @throws NotFoundError (unknown gateway, not the partner's invoice); ValidationError {form: not_payable}.
   */
  async payInvoice(gateway: GatewayName, invoiceId: number, accountId: number, locale: 'fr' | 'en', actor: Actor,
    pages: CheckoutPages = { back: '/subscription/billing', returnTo: `/subscription/invoices/${invoiceId}/return/${gateway}` }): Promise<string> {
    const g = this.gateway(gateway);
    // Checked before the gateway is asked for a customer (checked again, locked, when the payment row is written).
    assertPayable(await this.deps.invoices.byId(invoiceId), accountId);
    const customerRef = await this.customerFor(g, accountId);
    const { payment, invoice } = await this.deps.payments.startCheckout(invoiceId, accountId, gateway, actor);
    const lines = await this.deps.invoices.lines(invoice.id);
    const back = `${this.deps.baseUrl}${pages.back}`;
    const res = await g.createPayment({
      invoiceNumber: invoice.number!, amount: payment.amount, currency: payment.currency, idempotencyKey: `payment-${payment.id}-attempt-${payment.attempts}`,
      returnUrl: g.completesOnReturn ? `${this.deps.baseUrl}${pages.returnTo}` : `${back}?paid=${invoice.id}`,
      cancelUrl: `${back}?cancelled=${invoice.id}`, invoiceId: invoice.id, paymentId: payment.id,
      description: lines.map((l) => l.description).join(' · '), customerRef, keepCard: invoice.subscriptionId !== null, locale,
    });
    if (res.next.kind !== 'redirect') throw new Error(`gateway ${gateway} gave no page to pay on`);
    if (res.gatewayReference) await this.deps.payments.recordCheckoutSession(payment.id, res.gatewayReference);
    return res.next.url;
  }

  /** A partner replaces the card kept for renewals on the gateway's hosted page (setup, no charge): returns its URL. */
  async replaceCard(gateway: GatewayName, accountId: number, currency: Payment['currency'], locale: 'fr' | 'en', nonce: string): Promise<string> {
    const g = this.gateway(gateway);
    const customerRef = await this.customerFor(g, accountId);
    const back = `${this.deps.baseUrl}/subscription/billing`;
    return g.setupCard({ customerRef, accountId, currency, successUrl: `${back}?card=saved`, cancelUrl: `${back}?card=cancelled`, locale,
      idempotencyKey: `setup-${accountId}-${nonce}` });
  }

  /**
   * The daily job, before a subscription's dunning steps (BillingRun's RenewalCharger): each unpaid renewal invoice
   * of `sub` (`unpaid`: the subscription's open or overdue invoices with the due date staff last granted, else the
   * printed one; YYYY-MM-DD) due by `today` is charged off-session on the saved card at J0, J+1, J+3, J+7, J+13 — once per day
   * (PaymentsService.claimRenewalCharge), not after a success or a payment under way, never after a hard decline.
   * A decline leaves the invoice unpaid: the dunning mails go on. Errors reaching the gateway are logged, the
   * claimed payment stays `processing` (its notification settles it).
   */
  async chargeDue(sub: { id: number; accountId: number }, today: string, unpaid: readonly DueInvoice[]): Promise<void> {
    const due = unpaid.flatMap((inv) => {
      const offset = inv.dueDate <= today ? [...RENEWAL_CHARGE_DAYS].reverse().find((d) => d <= daysBetween(inv.dueDate, today)) : undefined;
      return offset === undefined ? [] : [{ ...inv, offset }];
    });
    if (due.length === 0) return;
    const cards = (await Promise.all(this.available().map(async (name) => ({ name, card: await this.savedCard(sub.accountId, name) }))))
      .filter((c): c is { name: GatewayName; card: SavedCard } => c.card !== null);
    if (cards.length === 0) return;
    for (const inv of due) {
      const past = await this.deps.payments.ofInvoice(inv.id);
      for (const { name, card } of cards) {
        const mine = past.filter((p) => p.gateway === name);
        if (mine.some((p) => p.status === 'processing' || p.status === 'succeeded')) continue;
        if (mine.some((p) => p.status === 'failed' && isHardDecline(p.errorCode))) continue;
        await this.charge(name, card, inv.id, inv.number, inv.offset);
      }
    }
  }

  private async charge(name: GatewayName, card: SavedCard, invoiceId: number, number: string, offset: number): Promise<void> {
    const payment = await this.deps.payments.claimRenewalCharge(invoiceId, offset, name, SYSTEM_ACTOR);
    if (!payment) return;
    let out;
    try {
      out = await this.gateway(name).chargeOffSession({ card, invoiceId, paymentId: payment.id, amount: payment.amount, currency: payment.currency,
        description: number, idempotencyKey: `payment-${payment.id}-attempt-${payment.attempts}` });
    } catch (err) {
      this.deps.logger?.error({ err, payment: payment.id, gateway: name }, 'renewal charge not sent');
      return;
    }
    if (out.status === 'succeeded') {
      await this.deps.payments.settleFromGateway({ gateway: name, reference: out.reference, invoiceId, paymentId: payment.id, amount: out.amount,
        currency: out.currency, method: 'card' }, SYSTEM_ACTOR);
    } else if (out.status === 'failed') {
      await this.deps.payments.failFromGateway({ gateway: name, reference: out.reference, invoiceId, paymentId: payment.id, code: out.code,
        message: out.message }, SYSTEM_ACTOR);
    }
  }

  /**
   * The reconciliation (the daily job, before its steps): every gateway payment still pending on its hosted page
   * or processing for more than RECONCILE_AFTER_SECONDS is looked up at its gateway and settled or failed as the
   * gateway says (the notification that should have told us never came); one still open stays. Errors reaching a
   * gateway are logged and the payment left for the next run. Returns how many were settled or failed.
   */
  async reconcile(): Promise<number> {
    const before = new Date(this.deps.clock.now().getTime() - RECONCILE_AFTER_SECONDS * 1000);
    let done = 0;
    for (const p of await this.deps.payments.waitingSince(before)) {
      const g = this.deps.gateways[p.gateway];
      if (!g) continue;
      try {
        const out = await g.lookup({ reference: p.gatewayReference, checkoutSession: p.checkoutSession });
        await this.apply(p, out);
        if (out.status === 'succeeded' || out.status === 'failed') done += 1;
      } catch (err) {
        this.deps.logger?.error({ err, payment: p.id, gateway: p.gateway }, 'payment not reconciled');
      }
    }
    return done;
  }

  /**
   * The payer comes back from `gateway`'s hosted page with its checkout `token` (PayPal's order id) for invoice
   * `invoiceId`: when the gateway `completesOnReturn`, the payment is completed there (PayPal: the approved order is
   * captured, `capture-<order>`: a reload captures nothing more) and settled at once; the notification that follows
   * finds it recorded. Returns where the payment stands: `paid`, `processing` (the gateway still checks it), `open`
   * (not approved: the payer gave up) or `failed` with the gateway's code.
   * @throws NotFoundError when the token is not a checkout of the partner's invoice; Error when the gateway cannot be reached.
   */
  async completeReturn(gateway: GatewayName, invoiceId: number, accountId: number, token: string):
    Promise<{ status: 'paid' | 'processing' | 'open' } | { status: 'failed'; code: string }> {
    const g = this.gateway(gateway);
    const invoice = await this.deps.invoices.byId(invoiceId);
    const p = invoice?.accountId === accountId && g.completesOnReturn
      ? (await this.deps.payments.ofInvoice(invoiceId)).find((x) => x.gateway === gateway && x.checkoutSession === token) : undefined;
    if (!p) throw new NotFoundError('no such checkout');
    if (p.status === 'succeeded' || p.status === 'refunded') return { status: 'paid' };
    const out = await g.lookup({ reference: p.gatewayReference, checkoutSession: token });
    await this.apply(p, out);
    if (out.status === 'succeeded') return { status: 'paid' };
    return out.status === 'failed' ? { status: 'failed', code: out.code } : { status: out.status };
  }

  /** Record what the gateway says of payment `p` now: settled, failed, or nothing (still open or processing). */
  private async apply(p: Payment, out: ChargeOutcome | { status: 'open' }): Promise<void> {
    if (out.status === 'succeeded') {
      await this.deps.payments.settleFromGateway({ gateway: p.gateway, reference: out.reference, invoiceId: p.invoiceId, paymentId: p.id,
        amount: out.amount, currency: out.currency, method: p.method }, SYSTEM_ACTOR);
    } else if (out.status === 'failed') {
      await this.deps.payments.failFromGateway({ gateway: p.gateway, reference: out.reference, invoiceId: p.invoiceId, paymentId: p.id, code: out.code,
        message: out.message }, SYSTEM_ACTOR);
    }
  }

  /**
   * Staff refund `amount` (minor units) of gateway payment `paymentId` with `reason`: the gateway's refund (key
   * `refund-<payment>-<formKey>`: a double submit refunds once), then its credit note (PaymentsService.refundFromGateway;
   * the gateway's own notification of the same refund finds it recorded).
   * @throws NotFoundError; ValidationError {amount|form}.
   */
  async refund(paymentId: number, amount: number, reason: string, formKey: string, actor: Actor): Promise<{ creditNoteId: number | null }> {
    const payment = await this.deps.payments.byId(paymentId);
    if (!payment) throw new NotFoundError('no such payment');
    const g = this.deps.gateways[payment.gateway];
    if (!g || !payment.gatewayReference || (payment.status !== 'succeeded')) throw new ValidationError({ form: 'payments:errors.not_refundable' });
    if (!Number.isSafeInteger(amount) || amount <= 0 || amount > payment.amount - payment.refundedAmount) {
      throw new ValidationError({ amount: 'payments:errors.refund_amount' });
    }
    const res = await g.refund(payment.gatewayReference, amount, payment.currency, `refund-${payment.id}-${formKey}`, reason);
    if (!res.gatewayReference || res.status === 'failed') throw new ConflictError('the gateway refused the refund', ERR.CONFLICT);
    const { refund } = await this.deps.payments.refundFromGateway(payment.gateway, payment.gatewayReference, { refundId: res.gatewayReference, amount,
      currency: payment.currency, reason, status: res.status === 'refunded' ? 'succeeded' : 'pending' }, actor);
    return { creditNoteId: refund?.creditNoteId ?? null };
  }

  /** ActionHandler of InboundEventsService: apply what a notification means; the reason when it is ignored. */
  async handle(gateway: GatewayName, actions: GatewayAction[]): Promise<string | null> {
    let ignored: string | null = null;
    for (const a of actions) {
      if (a.kind === 'ignored') ignored = a.reason;
      else if (a.kind === 'payment_succeeded') await this.deps.payments.settleFromGateway({ ...a, gateway }, SYSTEM_ACTOR);
      else if (a.kind === 'payment_failed') await this.deps.payments.failFromGateway({ ...a, gateway }, SYSTEM_ACTOR);
      else if (a.kind === 'refunded') {
        for (const r of a.refunds) await this.deps.payments.refundFromGateway(gateway, a.reference, r, SYSTEM_ACTOR);
      } else if (a.kind === 'disputed') await this.deps.payments.disputedAtGateway(gateway, a.reference, a, SYSTEM_ACTOR);
      else if (a.kind === 'card_saved') await this.saveCard(gateway, a.card);
    }
    return ignored;
  }

  /** Keep `card` for renewals of the partner who is this customer (audited); nothing when the customer is not ours. */
  private async saveCard(gateway: GatewayName, card: SavedCard): Promise<void> {
    await this.deps.db.transaction(async (trx) => {
      const repo = this.customers.with(trx);
      const customer = await repo.byCustomer(gateway, card.customerRef);
      if (!customer || customer.card?.paymentMethodRef === card.paymentMethodRef) return;
      await repo.setCard(gateway, card, this.deps.clock.now());
      await this.deps.audit.record(trx, SYSTEM_ACTOR, 'payment.card_saved', { type: 'account', id: customer.accountId }, { gateway, card: card.label ?? '' });
    });
  }
}
