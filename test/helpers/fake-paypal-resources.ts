/**
 * The fake PayPal's records and the JSON resources it answers with, shaped as
 * PayPal's documented examples (a capture in an order's purchase unit and in
 * PAYMENT.CAPTURE.* events; a refund in the refund answer and in
 * PAYMENT.CAPTURE.REFUNDED).
 */

export interface FakeMoney { currency_code: string; value: string }

export interface FakeOrder {
  id: string;
  status: 'PAYER_ACTION_REQUIRED' | 'APPROVED' | 'COMPLETED' | 'VOIDED';
  amount: FakeMoney;
  referenceId: string;
  invoiceId: string | undefined;
  customId: string | undefined;
  returnUrl: string;
  cancelUrl: string;
  captureId: string | null;
}

export interface FakeCapture {
  id: string;
  orderId: string;
  status: 'COMPLETED' | 'PENDING' | 'DECLINED' | 'PARTIALLY_REFUNDED' | 'REFUNDED';
  amount: FakeMoney;
  /** Minor units refunded so far. */
  refunded: number;
  invoiceId: string | undefined;
  customId: string | undefined;
}

export interface FakeRefund {
  id: string;
  captureId: string;
  status: 'COMPLETED' | 'PENDING' | 'FAILED';
  amount: FakeMoney;
  noteToPayer: string | undefined;
  invoiceId: string | undefined;
  customId: string | undefined;
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** A capture as PayPal writes it (order answers, PAYMENT.CAPTURE.* resources). */
export function captureResource(base: string, c: FakeCapture): Record<string, unknown> {
  const fee = c.amount.currency_code === 'JPY' ? '10' : '0.35';
  return {
    id: c.id, status: c.status, amount: c.amount, final_capture: true, disbursement_mode: 'INSTANT',
    ...(c.status === 'PENDING' ? { status_details: { reason: 'PENDING_REVIEW' } } : {}),
    ...(c.status === 'DECLINED' ? { status_details: { reason: 'DECLINED_BY_RISK_FRAUD_FILTERS' } } : {}),
    seller_protection: { status: 'ELIGIBLE', dispute_categories: ['ITEM_NOT_RECEIVED', 'UNAUTHORIZED_TRANSACTION'] },
    seller_receivable_breakdown: { gross_amount: c.amount, paypal_fee: { currency_code: c.amount.currency_code, value: fee },
      net_amount: { currency_code: c.amount.currency_code, value: c.amount.value } },
    invoice_id: c.invoiceId, custom_id: c.customId,
    supplementary_data: { related_ids: { order_id: c.orderId } },
    links: [
      { href: `${base}/v2/payments/captures/${c.id}`, rel: 'self', method: 'GET' },
      { href: `${base}/v2/payments/captures/${c.id}/refund`, rel: 'refund', method: 'POST' },
      { href: `${base}/v2/checkout/orders/${c.orderId}`, rel: 'up', method: 'GET' },
    ],
    create_time: now(), update_time: now(),
  };
}

/** A refund as PayPal writes it (refund answer with Prefer: return=representation, PAYMENT.CAPTURE.REFUNDED resource). */
export function refundResource(base: string, r: FakeRefund): Record<string, unknown> {
  return {
    id: r.id, status: r.status, amount: r.amount, note_to_payer: r.noteToPayer, invoice_id: r.invoiceId, custom_id: r.customId,
    seller_payable_breakdown: { gross_amount: r.amount, paypal_fee: { currency_code: r.amount.currency_code, value: '0.00' }, net_amount: r.amount,
      total_refunded_amount: r.amount },
    links: [
      { href: `${base}/v2/payments/refunds/${r.id}`, rel: 'self', method: 'GET' },
      { href: `${base}/v2/payments/captures/${r.captureId}`, rel: 'up', method: 'GET' },
    ],
    create_time: now(), update_time: now(),
  };
}
