/**
 * Refunds of customers' orders. A customer asks from the order page within
 * SHOP_REFUND_DAYS of payment (audit `order.refund_requested`); past the window
 * the request is refused with the reason shown. Staff approve from
 * /admin/orders/:id: each gateway payment of the invoice is refunded at its
 * gateway first (OnlinePaymentsService.refund: the gateway's refund, then its
 * credit note; key `refund-<payment>-order-<order>`, so a repeated approval
 * refunds once), never inside a transaction; then one transaction gives the
 * credit note of what was paid by hand (given back by staff), closes the
 * order's activation batch, revokes its licenses and marks the order refunded
 * (audit `order.refunded`). Lock order: the invoice chain, the invoice, the order.
 */
import type { Actor, AuditService } from '../audit/index.js';
import type { InvoicesService, Payment, PaymentsService } from '../billing/index.js';
import { NotFoundError, ValidationError } from '../errors/index.js';
import type { ActivationCodesService, LicensesService } from '../licenses/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { Order } from './orders.repository.js';
import type { OrdersService } from './orders.service.js';

const DAY_MS = 86_400_000;

export interface RefundsDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  orders: OrdersService;
  invoices: InvoicesService;
  payments: Pick<PaymentsService, 'ofInvoice'>;
  /** Refund through the payment's gateway (OnlinePaymentsService.refund). */
  gatewayRefund(paymentId: number, amount: number, reason: string, formKey: string, actor: Actor): Promise<unknown>;
  codes: ActivationCodesService;
  licenses: Pick<LicensesService, 'revokeIn'>;
  refundDays: number;
}

export class RefundsService {
  constructor(private readonly deps: RefundsDeps) {}

  /** The last instant a refund of `order` may be asked for, or null (not paid). */
  deadline(order: Order): Date | null {
    return order.paidAt ? new Date(order.paidAt.getTime() + this.deps.refundDays * DAY_MS) : null;
  }

  /** Whether the customer may still ask for the refund of `order` (paid, not asked yet, within the window). */
  open(order: Order): boolean {
    const deadline = this.deadline(order);
    return order.status === 'paid' && !order.refundRequestedAt && deadline !== null && this.deps.clock.now().getTime() <= deadline.getTime();
  }

  /**
   * The customer `accountId` asks for the refund of order `orderId` with `reason`.
   * @throws NotFoundError (not theirs); ValidationError {reason} or {form: shop:refund.not_paid|already_asked|too_late}.
   */
  async request(accountId: number, orderId: number, reason: string, actor: Actor): Promise<void> {
    const order = await this.deps.orders.forAccount(accountId, orderId);
    const why = typeof reason === 'string' ? reason.trim() : '';
    if (why.length < 3 || why.length > 500) throw new ValidationError({ reason: 'shop:refund.reason' });
    const deadline = this.deadline(order);
    if (order.status !== 'paid' || !deadline) throw new ValidationError({ form: 'shop:refund.not_paid' });
    if (order.refundRequestedAt) throw new ValidationError({ form: 'shop:refund.already_asked' });
    if (this.deps.clock.now().getTime() > deadline.getTime()) throw new ValidationError({ form: 'shop:refund.too_late' });
    await this.deps.db.transaction(async (trx) => {
      if (!(await this.deps.orders.requestRefundIn(trx, order.id, why))) throw new ValidationError({ form: 'shop:refund.already_asked' });
      await this.deps.audit.record(trx, actor, 'order.refund_requested', { type: 'order', id: order.id }, { reason: why });
    });
  }

  /**
   * Staff refund order `orderId` in full (module comment). @throws NotFoundError; ValidationError {form: shop:refund.not_paid};
   * what the gateway's refund throws (then nothing else changed).
   */
  async approve(orderId: number, reason: string, actor: Actor): Promise<void> {
    const order = await this.deps.orders.byId(orderId);
    if (!order) throw new NotFoundError('no such order');
    if (order.status !== 'paid') throw new ValidationError({ form: 'shop:refund.not_paid' });
    const why = (reason || order.refundReason || '').trim().slice(0, 500) || 'refund';
    const paid = (await this.deps.payments.ofInvoice(order.invoiceId)).filter((p) => p.status === 'succeeded' && p.amount > p.refundedAmount);
    for (const p of paid.filter((x) => x.gateway !== 'manual')) {
      await this.deps.gatewayRefund(p.id, p.amount - p.refundedAmount, why, `order-${order.id}`, actor);
    }
    await this.deps.db.transaction((trx) => this.closeIn(trx, order, paid.filter((x) => x.gateway === 'manual'), why, actor));
  }

  private async closeIn(trx: Db, order: Order, manual: Payment[], why: string, actor: Actor): Promise<void> {
    await this.deps.invoices.lockChainIn(trx);
    await this.deps.invoices.lockForPayment(trx, order.invoiceId);
    const now = await this.deps.orders.lockIn(trx, order.id);
    if (!now || now.status !== 'paid') return;
    const byHand = manual.reduce((sum, p) => sum + p.amount - p.refundedAmount, 0);
    if (byHand > 0) await this.deps.invoices.refundNoteIn(trx, order.invoiceId, byHand, why, actor);
    const licenses = now.batchId ? await this.deps.codes.closeBatchIn(trx, now.batchId, why, actor) : [];
    const revoked = await this.deps.licenses.revokeIn(trx, licenses, why, actor);
    await this.deps.orders.markRefundedIn(trx, order.id);
    await this.deps.audit.record(trx, actor, 'order.refunded', { type: 'order', id: order.id }, { reason: why, licenses: revoked });
  }
}
