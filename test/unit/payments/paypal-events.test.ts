import { expect } from 'chai';
import { minorFromPaypal, paypalAccepts, paypalActions, paypalValue, readCustomId, readPayPalEvent } from '../../../src/payments/paypal.events.js';

/** A capture resource as in PayPal's PAYMENT.CAPTURE.COMPLETED example, with our invoice number and ids. */
const capture = (over: Record<string, unknown> = {}) => ({
  id: '27M47624FP291604U', status: 'COMPLETED', amount: { currency_code: 'EUR', value: '12.50' }, final_capture: true,
  invoice_id: 'FA-2026-000007', custom_id: 'invoice=7;payment=9', supplementary_data: { related_ids: { order_id: '5O190127TN364715T' } },
  links: [{ href: 'https://api.paypal.com/v2/checkout/orders/5O190127TN364715T', rel: 'up', method: 'GET' }], ...over,
});

/** A Payments v1 sale as in PayPal's PAYMENT.SALE.COMPLETED example. */
const sale = (over: Record<string, unknown> = {}) => ({
  id: '80021663DE681814L', state: 'completed', amount: { total: '0.48', currency: 'USD' }, payment_mode: 'INSTANT_TRANSFER',
  parent_payment: 'PAY-1PA12106FU478450MKRETS4A', invoice_number: 'FA-2026-000008', custom: '', ...over,
});

describe('PayPal amounts', () => {
  it('writes minor units as PayPal\'s decimal string in the currency\'s unit (XOF has no decimals, EUR two)', () => {
    expect(paypalValue(1250, 'EUR')).to.equal('12.50');
    expect(paypalValue(5, 'EUR')).to.equal('0.05');
    expect(paypalValue(0, 'USD')).to.equal('0.00');
    expect(paypalValue(1500, 'XOF')).to.equal('1500');
    expect(paypalValue(25000, 'XAF')).to.equal('25000');
  });

  it('refuses negative, fractional and unsafe amounts before anything is sent', () => {
    for (const bad of [-1, 1.5, 2 ** 53, Number.NaN, Infinity]) expect(() => paypalValue(bad, 'EUR'), String(bad)).to.throw(RangeError);
  });

  it('reads PayPal\'s values back into minor units, refusing extra decimals and unknown currencies', () => {
    expect(minorFromPaypal('12.50', 'EUR')).to.deep.equal({ amount: 1250, currency: 'EUR' });
    expect(minorFromPaypal('12.5', 'EUR')).to.deep.equal({ amount: 1250, currency: 'EUR' });
    expect(minorFromPaypal('1500', 'XOF')).to.deep.equal({ amount: 1500, currency: 'XOF' });
    expect(minorFromPaypal('-0.01', 'USD')).to.deep.equal({ amount: 1, currency: 'USD' });
    for (const [v, c] of [['12.345', 'EUR'], ['1500.5', 'XOF'], ['1e3', 'EUR'], ['', 'EUR'], ['10.00', 'BTC'], [10, 'EUR']]) {
      expect(minorFromPaypal(v, c), `${v} ${c}`).to.equal(null);
    }
  });

  it('accepts EUR, USD, GBP and CHF but neither CFA franc', () => {
    expect(['EUR', 'USD', 'GBP', 'CHF'].every((c) => paypalAccepts(c as 'EUR'))).to.equal(true);
    expect(paypalAccepts('XOF')).to.equal(false);
    expect(paypalAccepts('XAF')).to.equal(false);
  });

  it('reads only the custom_id the portal writes', () => {
    expect(readCustomId('invoice=7;payment=9')).to.deep.equal({ invoiceId: 7, paymentId: 9 });
    expect(readCustomId('invoice=7')).to.deep.equal({ invoiceId: 7, paymentId: null });
    for (const other of ['7', 'invoice=x', 'invoice=7;payment=9;x', undefined, 7]) {
      expect(readCustomId(other)).to.deep.equal({ invoiceId: null, paymentId: null });
    }
  });
});

describe('PayPal notifications read for billing', () => {
  it('reads PAYMENT.CAPTURE.COMPLETED as money received on the capture, with the order, the invoice and our ids', () => {
    expect(readPayPalEvent({ event_type: 'PAYMENT.CAPTURE.COMPLETED', resource: capture() })).to.deep.equal({
      kind: 'succeeded', reference: '27M47624FP291604U', amount: 1250, currency: 'EUR', orderId: '5O190127TN364715T',
      invoiceNumber: 'FA-2026-000007', invoiceId: 7, paymentId: 9,
    });
  });

  it('reads PAYMENT.CAPTURE.DENIED and DECLINED as a failed payment with PayPal\'s reason', () => {
    const denied = readPayPalEvent({ event_type: 'PAYMENT.CAPTURE.DENIED', resource: capture({ status: 'DECLINED',
      status_details: { reason: 'DECLINED_BY_RISK_FRAUD_FILTERS' } }) });
    expect(denied).to.include({ kind: 'failed', reference: '27M47624FP291604U', code: 'DECLINED_BY_RISK_FRAUD_FILTERS', invoiceId: 7, paymentId: 9 });
    expect(readPayPalEvent({ event_type: 'PAYMENT.CAPTURE.DECLINED', resource: capture({ status: 'DECLINED' }) })).to.include({ kind: 'failed',
      code: 'DECLINED' });
  });

  it('reads PAYMENT.CAPTURE.REFUNDED as a refund of the capture its up link names', () => {
    const refund = { id: '1Y107995YT783435V', status: 'COMPLETED', amount: { value: '2.50', currency_code: 'EUR' }, note_to_payer: 'Late delivery',
      links: [{ href: 'https://api.paypal.com/v2/payments/refunds/1Y107995YT783435V', rel: 'self', method: 'GET' },
        { href: 'https://api.paypal.com/v2/payments/captures/27M47624FP291604U', rel: 'up', method: 'GET' }] };
    expect(readPayPalEvent({ event_type: 'PAYMENT.CAPTURE.REFUNDED', resource: refund })).to.deep.equal({ kind: 'refunded',
      reference: '27M47624FP291604U', refundId: '1Y107995YT783435V', amount: 250, currency: 'EUR', reason: 'Late delivery', status: 'succeeded' });
    expect(readPayPalEvent({ event_type: 'PAYMENT.CAPTURE.REFUNDED', resource: { ...refund, status: 'PENDING' } })).to.include({ status: 'pending' });
    expect(() => readPayPalEvent({ event_type: 'PAYMENT.CAPTURE.REFUNDED', resource: { ...refund, links: [] } })).to.throw(/refunded capture/);
  });

  it('maps the older PAYMENT.SALE.COMPLETED, DENIED and REFUNDED the same way', () => {
    expect(readPayPalEvent({ event_type: 'PAYMENT.SALE.COMPLETED', resource: sale() })).to.deep.equal({ kind: 'succeeded',
      reference: '80021663DE681814L', amount: 48, currency: 'USD', orderId: 'PAY-1PA12106FU478450MKRETS4A', invoiceNumber: 'FA-2026-000008',
      invoiceId: null, paymentId: null });
    expect(readPayPalEvent({ event_type: 'PAYMENT.SALE.DENIED', resource: sale({ state: 'denied', custom: 'invoice=8' }) }))
      .to.include({ kind: 'failed', reference: '80021663DE681814L', invoiceId: 8, code: 'DENIED' });
    const refund = { id: '6YX43824R4443062K', state: 'completed', amount: { total: '-0.48', currency: 'USD' }, sale_id: '80021663DE681814L',
      parent_payment: 'PAY-1PA12106FU478450MKRETS4A' };
    expect(readPayPalEvent({ event_type: 'PAYMENT.SALE.REFUNDED', resource: refund })).to.deep.equal({ kind: 'refunded',
      reference: '80021663DE681814L', refundId: '6YX43824R4443062K', amount: 48, currency: 'USD', reason: '', status: 'succeeded' });
  });

  it('ignores, with a reason, PayPal subscriptions, pending and reversed money, payments of no portal invoice and unknown types', () => {
    const cases: [string, object, string][] = [
      ['BILLING.SUBSCRIPTION.ACTIVATED', { id: 'I-BW452GLLEP1G' }, 'paypal_subscription'],
      ['BILLING.SUBSCRIPTION.CANCELLED', { id: 'I-BW452GLLEP1G' }, 'paypal_subscription'],
      ['BILLING.SUBSCRIPTION.PAYMENT.FAILED', { id: 'I-BW452GLLEP1G' }, 'paypal_subscription'],
      ['PAYMENT.CAPTURE.PENDING', capture({ status: 'PENDING' }), 'not_completed_yet'],
      ['PAYMENT.SALE.PENDING', sale({ state: 'pending' }), 'not_completed_yet'],
      ['PAYMENT.CAPTURE.REVERSED', capture(), 'reversal'],
      ['PAYMENT.SALE.REVERSED', sale(), 'reversal'],
      ['PAYMENT.SALE.COMPLETED', sale({ invoice_number: undefined, billing_agreement_id: 'I-PE7JWXKGVN0R' }), 'paypal_subscription'],
      ['PAYMENT.SALE.COMPLETED', sale({ invoice_number: undefined }), 'not_ours'],
      ['PAYMENT.CAPTURE.COMPLETED', capture({ invoice_id: undefined, custom_id: undefined }), 'not_ours'],
      ['PAYMENT.CAPTURE.DENIED', capture({ invoice_id: undefined, custom_id: 'someone else' }), 'not_ours'],
      ['CHECKOUT.ORDER.APPROVED', { id: '5O190127TN364715T' }, 'unhandled_type'],
      ['', {}, 'unhandled_type'],
    ];
    for (const [type, resource, reason] of cases) {
      expect(readPayPalEvent({ event_type: type, resource }), type).to.deep.equal({ kind: 'ignored', reason });
    }
  });

  it('gives the gateway-neutral actions online payments apply, with PayPal as the method', () => {
    expect(paypalActions(readPayPalEvent({ event_type: 'PAYMENT.CAPTURE.COMPLETED', resource: capture() }))).to.deep.equal([{ kind: 'payment_succeeded',
      reference: '27M47624FP291604U', invoiceId: 7, paymentId: 9, amount: 1250, currency: 'EUR', method: 'paypal' }]);
    expect(paypalActions(readPayPalEvent({ event_type: 'PAYMENT.CAPTURE.DENIED', resource: capture({ status: 'DECLINED' }) }))).to.deep.equal([{
      kind: 'payment_failed', reference: '27M47624FP291604U', invoiceId: 7, paymentId: 9, code: 'DECLINED', message: 'PayPal: PAYMENT.CAPTURE.DENIED' }]);
    const refund = { id: 'R1', status: 'COMPLETED', amount: { value: '12.50', currency_code: 'EUR' },
      links: [{ href: 'https://api.paypal.com/v2/payments/captures/27M47624FP291604U', rel: 'up' }] };
    expect(paypalActions(readPayPalEvent({ event_type: 'PAYMENT.CAPTURE.REFUNDED', resource: refund }))).to.deep.equal([{ kind: 'refunded',
      reference: '27M47624FP291604U', refunds: [{ refundId: 'R1', amount: 1250, currency: 'EUR', reason: '', status: 'succeeded' }] }]);
    expect(paypalActions({ kind: 'ignored', reason: 'not_ours' })).to.deep.equal([{ kind: 'ignored', reason: 'not_ours' }]);
  });

  it('refuses to read a payment event without a valid amount or id', () => {
    expect(() => readPayPalEvent({ event_type: 'PAYMENT.CAPTURE.COMPLETED', resource: capture({ amount: { currency_code: 'EUR', value: '1.234' } }) }))
      .to.throw(/valid amount/);
    expect(() => readPayPalEvent({ event_type: 'PAYMENT.CAPTURE.COMPLETED', resource: capture({ amount: { currency_code: 'EUR', value: '0.00' } }) }))
      .to.throw(/valid amount/);
    expect(() => readPayPalEvent({ event_type: 'PAYMENT.CAPTURE.COMPLETED', resource: capture({ id: undefined }) })).to.throw(/valid id/);
    expect(() => readPayPalEvent({ event_type: 'PAYMENT.SALE.COMPLETED', resource: 'nonsense' })).not.to.throw();
  });
});
