import { expect } from 'chai';
import { inspect } from 'node:util';
import { WebhookRefused } from '../../../src/billing/index.js';
import { PayPalError } from '../../../src/payments/paypal.client.js';
import { PayPalGateway, type PayPalPaymentRequest } from '../../../src/payments/paypal.gateway.js';
import type { PayPalConfig } from '../../../src/config/index.js';
import { startFakePayPal, type FakePayPal } from '../../helpers/fake-paypal.js';

const CREDS = { clientId: 'AYSq3RDGsmBLJE-otTkBtM-jBRd1TCQwFf9RGfwddNXWz0uFU9ztymylOhRS',
  clientSecret: 'EGnHDxD_qRPdaLdZz8iCr8N7_MzF-YHPTkjs6NKYQvQSBngp4PTTVWkPZRbL', webhookId: '1JE4291016473214C' };

describe('PayPalGateway against a local PayPal', () => {
  let fake: FakePayPal;
  let gw: PayPalGateway;
  const config = (over: Partial<PayPalConfig> = {}): PayPalConfig => ({ ...CREDS, environment: 'sandbox', apiBase: fake.url, ...over });
  const invoice = (over: Partial<PayPalPaymentRequest> = {}): PayPalPaymentRequest => ({ invoiceNumber: 'FA-2026-000007', amount: 1250, currency: 'EUR',
    idempotencyKey: 'payment-9-attempt-1', returnUrl: 'https://portal.example/subscription/billing/paypal/return', invoiceId: 7, paymentId: 9,
    cancelUrl: 'https://portal.example/subscription/billing', description: 'Abonnement Pro', locale: 'fr', ...over });
  /** An order created and approved by its payer: the state in which the payer comes back. */
  const approvedOrder = async (over: Partial<PayPalPaymentRequest> = {}) => {
    const created = await gw.createPayment(invoice(over));
    fake.approve(created.orderId);
    return created.orderId;
  };

  beforeEach(async () => {
    fake = await startFakePayPal(CREDS);
    gw = new PayPalGateway(config());
  });
  afterEach(() => fake.close());

  describe('createPayment', () => {
    it('creates an order of the invoice and sends the payer to PayPal\'s approve page', async () => {
      const p = await gw.createPayment(invoice());
      expect(p).to.include({ status: 'pending', gatewayReference: p.orderId });
      expect(p.next).to.deep.equal({ kind: 'redirect', url: `${fake.url}/checkoutnow?token=${p.orderId}` });
      expect(fake.orders.get(p.orderId)).to.include({ referenceId: 'FA-2026-000007', invoiceId: 'FA-2026-000007', customId: 'invoice=7;payment=9',
        returnUrl: invoice().returnUrl, cancelUrl: invoice().cancelUrl });
      expect(fake.orders.get(p.orderId)!.amount).to.deep.equal({ currency_code: 'EUR', value: '12.50' });
      expect(fake.calls.find((c) => c.path === '/v2/checkout/orders')).to.include({ requestId: 'payment-9-attempt-1', auth: 'bearer' });
    });

    it('gives the same order for the same idempotency key (a double submit), a new one for a new attempt', async () => {
      const a = await gw.createPayment(invoice());
      const b = await gw.createPayment(invoice());
      const c = await gw.createPayment(invoice({ idempotencyKey: 'payment-9-attempt-2' }));
      expect(b.orderId).to.equal(a.orderId);
      expect(c.orderId).not.to.equal(a.orderId);
      expect(fake.orders.size).to.equal(2);
    });

    it('refuses XOF and XAF invoices, zero amounts and a missing return address without calling PayPal', async () => {
      for (const bad of [{ currency: 'XOF' as const, amount: 1500 }, { currency: 'XAF' as const }, { amount: 0 }, { returnUrl: undefined }]) {
        let err: unknown;
        try { await gw.createPayment(invoice(bad)); } catch (e) { err = e; }
        expect(err, JSON.stringify(bad)).to.be.instanceOf(RangeError);
      }
      expect(fake.calls).to.have.length(0);
    });
  });

  describe('capture on the payer\'s return', () => {
    it('captures an approved order: succeeded, with the capture id as reference, its amount and our ids', async () => {
      const orderId = await approvedOrder();
      const c = await gw.capture(orderId, 1250, 'EUR');
      expect(c).to.include({ status: 'succeeded', orderId, orderStatus: 'COMPLETED', amount: 1250, currency: 'EUR', invoiceId: 7, paymentId: 9 });
      expect(c.gatewayReference).to.equal(fake.orders.get(orderId)!.captureId).and.not.equal(orderId);
      expect(fake.calls.find((x) => x.path.endsWith('/capture'))).to.include({ requestId: `capture-${orderId}` });
    });

    it('a reload of the return page captures nothing more and reads the same capture', async () => {
      const orderId = await approvedOrder();
      const first = await gw.capture(orderId);
      const again = await gw.capture(orderId);
      fake.replaysOff();
      const afterReplayExpiry = await gw.capture(orderId);
      expect(again.gatewayReference).to.equal(first.gatewayReference);
      expect(afterReplayExpiry).to.include({ status: 'succeeded', gatewayReference: first.gatewayReference });
      expect(fake.captures.size).to.equal(1);
    });

    it('leaves an order the payer did not approve pending (ORDER_NOT_APPROVED)', async () => {
      const p = await gw.createPayment(invoice());
      expect(await gw.capture(p.orderId)).to.include({ status: 'pending', gatewayReference: p.orderId, code: 'ORDER_NOT_APPROVED' });
    });

    it('reads a pending capture as processing and a declined one as failed, with PayPal\'s reason', async () => {
      fake.captureOutcome = 'PENDING';
      expect(await gw.capture(await approvedOrder())).to.include({ status: 'processing', code: 'PENDING_REVIEW' });
      fake.captureOutcome = 'DECLINED';
      expect(await gw.capture(await approvedOrder({ idempotencyKey: 'k2' }))).to.include({ status: 'failed', code: 'DECLINED_BY_RISK_FRAUD_FILTERS' });
      fake.captureOutcome = 'INSTRUMENT_DECLINED';
      expect(await gw.capture(await approvedOrder({ idempotencyKey: 'k3' }))).to.include({ status: 'failed', code: 'INSTRUMENT_DECLINED' });
    });

    it('reads an order: approved but never captured (the payer closed the tab) is pending with PayPal\'s status', async () => {
      const orderId = await approvedOrder();
      expect(await gw.order(orderId)).to.include({ status: 'pending', orderStatus: 'APPROVED', gatewayReference: orderId });
      await gw.capture(orderId);
      expect(await gw.order(orderId)).to.include({ status: 'succeeded', orderStatus: 'COMPLETED', amount: 1250 });
    });

    it('looks a checkout up as the reconciliation does: open before approval, captured once approved, failed once PayPal dropped it', async () => {
      const created = await gw.createPayment(invoice({ idempotencyKey: 'look-1' }));
      const session = { reference: null, checkoutSession: created.orderId };
      expect(await gw.lookup(session)).to.deep.equal({ status: 'open' });
      fake.approve(created.orderId);
      const paid = await gw.lookup(session);
      expect(paid).to.include({ status: 'succeeded', amount: 1250, currency: 'EUR' });
      expect(await gw.lookup(session)).to.deep.equal(paid);
      expect(fake.calls.filter((c) => c.path.endsWith(`/${created.orderId}/capture`))).to.have.length(1);
      fake.orders.delete(created.orderId);
      expect(await gw.lookup(session)).to.include({ status: 'failed', code: 'ORDER_EXPIRED', reference: null });
      expect(await gw.lookup({ reference: 'ABC', checkoutSession: null })).to.deep.equal({ status: 'open' });
    });

    it('refuses an id that is not PayPal\'s before any call', async () => {
      for (const id of ['../../v1/oauth2/token', 'a b', '']) {
        let err: unknown;
        try { await gw.capture(id); } catch (e) { err = e; }
        expect(err, id).to.be.instanceOf(RangeError);
      }
      expect(fake.calls).to.have.length(0);
    });
  });

  describe('refund', () => {
    it('refunds part of a capture then the rest, each once whatever the retries, and refuses more', async () => {
      const { gatewayReference: captureId } = await gw.capture(await approvedOrder());
      const part = await gw.refund(captureId!, 250, 'EUR', 'refund-9-1', 'Geste commercial');
      const retried = await gw.refund(captureId!, 250, 'EUR', 'refund-9-1', 'Geste commercial');
      expect(part).to.include({ status: 'refunded', gatewayReference: retried.gatewayReference });
      expect(fake.refunds.get(part.gatewayReference!)).to.deep.include({ amount: { currency_code: 'EUR', value: '2.50' }, noteToPayer: 'Geste commercial' });
      expect(fake.captures.get(captureId!)).to.include({ status: 'PARTIALLY_REFUNDED', refunded: 250 });
      const rest = await gw.refund(captureId!, 1000, 'EUR', 'refund-9-2');
      expect(rest.status).to.equal('refunded');
      expect(fake.captures.get(captureId!)).to.include({ status: 'REFUNDED', refunded: 1250 });
      let err: unknown;
      try { await gw.refund(captureId!, 1, 'EUR', 'refund-9-3'); } catch (e) { err = e; }
      expect(err).to.be.instanceOf(PayPalError).and.include({ httpStatus: 422, issue: 'CAPTURE_FULLY_REFUNDED' });
      expect(fake.refunds.size).to.equal(2);
    });
  });

  describe('webhooks', () => {
    const paidCapture = async () => (await gw.capture(await approvedOrder())).gatewayReference!;
    /** Verify a delivery, then read the stored event, as the inbound pipeline does. */
    const receive = async (d: { body: Buffer; headers: Record<string, string> }) => gw.interpret(await gw.parseWebhook(d.body, d.headers));

    it('checks a delivery with PayPal for the configured webhook id, then reads the capture completed', async () => {
      const captureId = await paidCapture();
      const event = fake.captureEvent(captureId);
      const d = fake.signedDelivery(event);
      expect(await gw.parseWebhook(d.body, d.headers)).to.deep.equal({ eventId: event.id, type: 'PAYMENT.CAPTURE.COMPLETED', payload: d.body.toString() });
      expect(await receive(d)).to.deep.equal([{ kind: 'payment_succeeded', reference: captureId, invoiceId: 7, paymentId: 9, amount: 1250,
        currency: 'EUR', method: 'paypal' }]);
      expect(fake.calls.filter((c) => c.path === '/v1/notifications/verify-webhook-signature').map((c) => c.auth)).to.deep.equal(['bearer', 'bearer']);
    });

    it('passes the body to PayPal byte for byte: a delivery spaced otherwise than JSON.stringify still verifies', async () => {
      const event = fake.captureEvent(await paidCapture());
      const d = fake.signedDelivery(event, { space: 2 });
      expect(await gw.parseWebhook(d.body, d.headers)).to.include({ eventId: event.id });
    });

    it('reads a denied capture as failed and a refund as refunded on the capture, by reading the stored event only', async () => {
      fake.captureOutcome = 'DECLINED';
      const declined = await paidCapture();
      const denied = fake.signedDelivery(fake.captureEvent(declined, 'PAYMENT.CAPTURE.DENIED'));
      expect(await receive(denied)).to.deep.equal([{ kind: 'payment_failed', reference: declined, invoiceId: 7, paymentId: 9,
        code: 'DECLINED_BY_RISK_FRAUD_FILTERS', message: 'PayPal: PAYMENT.CAPTURE.DENIED' }]);
      fake.captureOutcome = 'COMPLETED';
      const captureId = (await gw.capture(await approvedOrder({ idempotencyKey: 'k2' }))).gatewayReference!;
      const refund = await gw.refund(captureId, 300, 'EUR', 'refund-1', 'Geste commercial');
      const d = fake.signedDelivery(fake.refundEvent(refund.gatewayReference!));
      const calls = fake.calls.length;
      const stored = await gw.parseWebhook(d.body, d.headers);
      expect(await gw.interpret(stored)).to.deep.equal([{ kind: 'refunded', reference: captureId, refunds: [{ refundId: refund.gatewayReference,
        amount: 300, currency: 'EUR', reason: 'Geste commercial', status: 'succeeded' }] }]);
      expect(fake.calls.length).to.equal(calls + 1);
    });

    it('reads what billing ignores as ignored with a reason once verified', async () => {
      const cases: [string, string][] = [['BILLING.SUBSCRIPTION.ACTIVATED', 'paypal_subscription'], ['PAYMENT.CAPTURE.PENDING', 'not_completed_yet'],
        ['CHECKOUT.ORDER.APPROVED', 'unhandled_type']];
      for (const [type, reason] of cases) {
        const d = fake.signedDelivery(fake.event(type, { id: 'I-BW452GLLEP1G', status: 'ACTIVE' }, 'subscription'));
        expect(await receive(d), type).to.deep.equal([{ kind: 'ignored', reason }]);
      }
    });

    it('refuses a forged signature, another webhook\'s delivery and a body altered after signing', async () => {
      const event = fake.captureEvent(await paidCapture());
      const forged = fake.signedDelivery(event, { forge: true });
      await expectRefused(gw.parseWebhook(forged.body, forged.headers));
      const other = fake.signedDelivery(event, { webhookId: '9XL90610J3647323C' });
      await expectRefused(gw.parseWebhook(other.body, other.headers));
      const d = fake.signedDelivery(event);
      const altered = Buffer.from(d.body.toString().replace('"12.50"', '"99.50"'));
      await expectRefused(gw.parseWebhook(altered, d.headers));
    });

    it('refuses missing or malformed transmission headers and bodies that are not events without asking PayPal', async () => {
      const d = fake.signedDelivery(fake.event('PAYMENT.CAPTURE.COMPLETED', {}));
      const calls = fake.calls.length;
      for (const name of Object.keys(d.headers).filter((h) => h.startsWith('paypal-'))) {
        const { [name]: _gone, ...rest } = d.headers;
        await expectRefused(gw.parseWebhook(d.body, rest));
        await expectRefused(gw.parseWebhook(d.body, { ...d.headers, [name]: 'x\u0000y' }));
      }
      for (const body of ['not json', '[]', '{"id":"WH-1"}', '{"id":"../x","event_type":"PAYMENT.CAPTURE.COMPLETED"}', 'null']) {
        await expectRefused(gw.parseWebhook(Buffer.from(body), d.headers));
      }
      expect(fake.calls.length).to.equal(calls);
    });
  });

  describe('renewals', () => {
    it('keeps no card and charges nothing off-session: a hard decline, without calling PayPal', async () => {
      expect(await gw.createCustomer({ accountId: 12 })).to.equal('account-12');
      expect(await gw.chargeOffSession()).to.include({ status: 'failed', reference: null, hard: true });
      let err: unknown;
      try { await gw.setupCard(); } catch (e) { err = e; }
      expect(err).to.be.instanceOf(Error);
      expect(fake.calls).to.have.length(0);
    });
  });

  describe('errors', () => {
    it('keeps the client secret, the credentials and the bearer token out of errors', async () => {
      const wrong = new PayPalGateway(config({ clientSecret: 'EXTREMELY_SECRET_VALUE_123' }));
      let err: unknown;
      try { await wrong.createPayment(invoice()); } catch (e) { err = e; }
      expect(err).to.be.instanceOf(PayPalError).and.include({ httpStatus: 401, paypalName: 'invalid_client' });
      const basic = Buffer.from(`${CREDS.clientId}:EXTREMELY_SECRET_VALUE_123`).toString('base64');
      for (const text of [String(err), JSON.stringify(err), inspect(err, { depth: 10, showHidden: true })]) {
        expect(text).not.to.include('EXTREMELY_SECRET_VALUE_123').and.not.to.include(basic).and.not.to.include(CREDS.clientId);
      }
      let afterToken: unknown;
      try { await gw.order('UNKNOWN0ORDER0ID'); } catch (e) { afterToken = e; }
      expect(afterToken).to.be.instanceOf(PayPalError).and.include({ httpStatus: 404, issue: 'INVALID_RESOURCE_ID' });
      const shown = inspect(afterToken, { depth: 10, showHidden: true });
      for (const token of fake.issuedTokens()) expect(shown).not.to.include(token);
      expect(shown).not.to.include(CREDS.clientSecret);
    });

    it('reports PayPal unreachable without a request in the error', async () => {
      const url = fake.url;
      await fake.close();
      let err: unknown;
      try { await new PayPalGateway(config({ apiBase: url })).createPayment(invoice()); } catch (e) { err = e; }
      expect(err).to.be.instanceOf(PayPalError).and.include({ httpStatus: null });
      expect((err as Error).message).to.equal('PayPal create order failed: unreachable');
      expect(inspect(err, { depth: 10, showHidden: true })).not.to.include(CREDS.clientSecret);
      fake = await startFakePayPal(CREDS);
    });
  });
});

async function expectRefused(p: Promise<unknown>): Promise<void> {
  let err: unknown;
  try { await p; } catch (e) { err = e; }
  expect(err).to.be.instanceOf(WebhookRefused);
}
