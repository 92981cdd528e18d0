/**
 * PayPal payments over HTTP against the fake PayPal API: the partner pays an
 * invoice with PayPal (approve page, return that captures), notifications
 * verified by PayPal's verify-webhook-signature call and applied once however
 * often, in whatever order they come; the payer closing the tab (the
 * reconciliation captures); a declined funding source; refunds from the admin
 * page and from PayPal's side, one credit note each. What is asserted is what
 * the partner and staff see.
 */
import { expect } from 'chai';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import type { Invoice } from '../../../src/billing/index.js';
import type { PayPalGateway } from '../../../src/payments/index.js';
import { createAccount, csrfOf, loginAgent } from '../../helpers/accounts.js';
import { fieldValue, hiddenFields } from '../../helpers/forms.js';
import { startPayPalRig, type PayPalRig } from '../../helpers/stripe-rig.js';

describe('PayPal payments (POST /webhooks/paypal, /subscription/invoices/:id/pay/paypal and its return)', function () {
  this.timeout(60000);
  let rig: PayPalRig;
  before(async () => {
    rig = await startPayPalRig();
    await createAccount(rig.ctx, 'compta@artisan-nd.fr', 'admin');
  });
  after(async () => { await rig.close(); });

  const count = (table: string, where?: Record<string, unknown>) => rig.count(table, where);
  const eventRow = (eventId: string) => rig.eventRow(eventId);
  const status = async (inv: Invoice) => (await rig.ctx.handle.billing.invoices.byId(inv.id))!.status;
  const notes = (inv: Invoice) => count('invoices', { credited_invoice_id: inv.id, kind: 'credit_note' });
  const gateway = () => rig.ctx.handle.payments.gateways.paypal as PayPalGateway;

  /** The partner logs in and presses "Pay with PayPal": the order they are sent to approve. */
  async function payWithPayPal(email: string, invoiceId: number) {
    const agent = await loginAgent(rig.ctx, email);
    const page = await agent.get('/subscription/billing').expect(200);
    expect(page.text).to.contain('Payer avec PayPal').and.contain(`/subscription/invoices/${invoiceId}/pay/paypal`).and.not.contain('Payer par carte');
    const csrf = await csrfOf(agent, '/subscription/billing');
    const res = await agent.post(`/subscription/invoices/${invoiceId}/pay/paypal`).type('form').send({ _csrf: csrf }).expect(303);
    const approve = new URL(res.headers.location!);
    expect(`${approve.origin}${approve.pathname}`).to.equal(`${rig.fake.url}/checkoutnow`);
    return { agent, order: approve.searchParams.get('token')! };
  }

  /** The payer approves on PayPal and follows PayPal's redirect back to the portal (path and query of the return). */
  const approveAndReturnUrl = (order: string): string => {
    const back = new URL(rig.fake.approve(order));
    expect(`${back.origin}${back.pathname}`).to.match(new RegExp(`^${rig.base}/subscription/invoices/\\d+/return/paypal$`));
    return `${back.pathname}${back.search}`;
  };

  it('refuses a forged signature, another webhook’s delivery and malformed headers with 400, storing nothing; ignores other event types', async () => {
    const { invoice } = await rig.subscribed('refus@imprimerie.fr');
    const forged = rig.fake.event('PAYMENT.CAPTURE.COMPLETED', { id: '5O190127TN364715T', status: 'COMPLETED', custom_id: `invoice=${invoice.id}`,
      amount: { currency_code: 'EUR', value: '34.80' } });
    expect((await rig.fake.deliver(forged, { forge: true })).status).to.equal(400);
    expect((await rig.fake.deliver(forged, { webhookId: '9XL90610J5447563S' })).status).to.equal(400);
    const { body } = rig.fake.signedDelivery(forged);
    const bare = await fetch(`${rig.base}/webhooks/paypal`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'application/json' } });
    expect(bare.status).to.equal(400);
    expect(await bare.json()).to.deep.equal({ error: 'signature_refused' });
    expect(await count('inbound_events')).to.equal(0);
    expect(await status(invoice)).to.equal('open');

    const sub = rig.fake.event('BILLING.SUBSCRIPTION.ACTIVATED', { id: 'I-BW452GLLEP1G', status: 'ACTIVE' }, 'subscription');
    const sale = rig.fake.event('PAYMENT.SALE.COMPLETED', { id: '80021663DE681814L', state: 'completed', billing_agreement_id: 'I-BW452GLLEP1G',
      amount: { total: '34.80', currency: 'EUR' } }, 'sale');
    const other = rig.fake.event('CHECKOUT.ORDER.APPROVED', { id: '5O190127TN364715T' }, 'checkout-order');
    for (const e of [sub, sale, other]) expect((await rig.fake.deliver(e)).status).to.equal(200);
    expect(await eventRow(String(sub.id))).to.include({ status: 'ignored', reason: 'paypal_subscription' });
    expect(await eventRow(String(sale.id))).to.include({ status: 'ignored', reason: 'paypal_subscription' });
    expect(await eventRow(String(other.id))).to.include({ status: 'ignored', reason: 'unhandled_type' });
    expect(await count('payments', { invoice_id: invoice.id })).to.equal(0);
  });

  it('pays an invoice on the partner’s return; the capture notified 5 times records one payment, a late denial leaves it paid', async () => {
    const { account, invoice } = await rig.subscribed('cinq@imprimerie.fr');
    const { agent, order } = await payWithPayPal('cinq@imprimerie.fr', invoice.id);
    const created = rig.fake.orders.get(order)!;
    expect(created).to.deep.include({ amount: { currency_code: 'EUR', value: '34.80' }, invoiceId: invoice.number });
    expect(rig.fake.calls.find((c) => c.path === '/v2/checkout/orders')!.requestId).to.match(/^payment-\d+-attempt-1$/);

    const back = approveAndReturnUrl(order);
    await agent.get(back).expect(303).expect('location', `/subscription/billing?paid=${invoice.id}`);
    await agent.get(back).expect(303).expect('location', `/subscription/billing?paid=${invoice.id}`); // a reload captures nothing more
    expect(rig.fake.calls.filter((c) => c.path === `/v2/checkout/orders/${order}/capture`)).to.have.length(1);
    const page = (await agent.get(`/subscription/billing?paid=${invoice.id}`).expect(200)).text;
    expect(page).to.contain(`Paiement reçu : la facture ${invoice.number} est payée.`).and.contain('Actif').and.contain('PayPal');
    expect(await rig.ctx.handle.ledger.balance(account)).to.equal(250);

    const capture = rig.fake.orders.get(order)!.captureId!;
    const done = rig.fake.captureEvent(capture);
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => rig.fake.deliver(done)));
    expect(answers.map((a) => a.status)).to.deep.equal([200, 200, 200, 200, 200]);
    expect(await eventRow(String(done.id))).to.include({ status: 'processed' });
    expect(await count('inbound_events', { event_id: String(done.id) })).to.equal(1);
    const late = rig.fake.captureEvent(capture, 'PAYMENT.CAPTURE.DENIED');
    expect((await rig.fake.deliver(late)).status).to.equal(200);
    await eventRow(String(late.id));
    expect(await count('payments', { invoice_id: invoice.id, status: 'succeeded' })).to.equal(1);
    expect(await status(invoice)).to.equal('paid');
    expect(await rig.ctx.handle.ledger.balance(account)).to.equal(250);
  });

  it('a capture notified before the partner is back, and a closed tab captured by the daily job after 2 hours, are each paid once', async () => {
    const early = await rig.subscribed('avant@imprimerie.fr');
    const first = await payWithPayPal('avant@imprimerie.fr', early.invoice.id);
    const back = approveAndReturnUrl(first.order);
    await gateway().capture(first.order); // captured, and its notification arrives while the partner's browser is still on its way
    const done = rig.fake.captureEvent(rig.fake.orders.get(first.order)!.captureId!);
    await rig.fake.deliver(done);
    await eventRow(String(done.id));
    expect(await status(early.invoice)).to.equal('paid');
    await first.agent.get(back).expect(303).expect('location', `/subscription/billing?paid=${early.invoice.id}`);
    expect(await count('payments', { invoice_id: early.invoice.id, status: 'succeeded' })).to.equal(1);

    const closed = await rig.subscribed('onglet@imprimerie.fr');
    const second = await payWithPayPal('onglet@imprimerie.fr', closed.invoice.id);
    rig.fake.approve(second.order); // approved on PayPal, then the tab is closed: no return, no capture, no notification
    const left = await rig.subscribed('abandon@imprimerie.fr');
    await payWithPayPal('abandon@imprimerie.fr', left.invoice.id); // never approved
    const today = '2026-11-22';
    expect((await rig.ctx.handle.billingRun.run(today)).reconciled).to.equal(0);
    rig.ctx.clock.advance(7201);
    expect((await rig.ctx.handle.billingRun.run(today)).reconciled).to.equal(1);
    expect(await status(closed.invoice)).to.equal('paid');
    expect(await status(left.invoice)).to.equal('open');
    const later = rig.fake.captureEvent(rig.fake.orders.get(second.order)!.captureId!);
    await rig.fake.deliver(later);
    await eventRow(String(later.id));
    expect(await count('payments', { invoice_id: closed.invoice.id, status: 'succeeded' })).to.equal(1);
    const partner = await loginAgent(rig.ctx, 'onglet@imprimerie.fr'); // two hours later: a new session
    expect((await partner.get('/subscription/billing').expect(200)).text).to.contain('Actif').and.contain('Payée');
    expect((await rig.ctx.handle.billingRun.run(today)).reconciled).to.equal(0);
  });

  it('a declined funding source leaves the invoice open with the reason shown; a cancelled approval charges nothing; another’s order is a 404', async () => {
    const { invoice } = await rig.subscribed('refuse@imprimerie.fr');
    const { agent, order } = await payWithPayPal('refuse@imprimerie.fr', invoice.id);
    rig.fake.captureOutcome = 'INSTRUMENT_DECLINED';
    try {
      await agent.get(approveAndReturnUrl(order)).expect(303).expect('location', '/subscription/billing');
    } finally {
      rig.fake.captureOutcome = 'COMPLETED';
    }
    const page = (await agent.get('/subscription/billing').expect(200)).text;
    expect(page).to.contain('PayPal a refusé le moyen de paiement choisi').and.contain('Dernière tentative refusée : moyen de paiement refusé par PayPal')
      .and.contain('Payer avec PayPal');
    expect(await status(invoice)).to.equal('open');

    const stranger = await rig.subscribed('autre@imprimerie.fr');
    const theirs = await payWithPayPal('autre@imprimerie.fr', stranger.invoice.id);
    await agent.get(`/subscription/invoices/${stranger.invoice.id}/return/paypal?token=${theirs.order}`).expect(404);
    await agent.get(`/subscription/invoices/${invoice.id}/return/paypal?token=${theirs.order}`).expect(404);
    await agent.get(`/subscription/invoices/${invoice.id}/return/paypal?token=../../x`).expect(404);
    const again = await payWithPayPal('refuse@imprimerie.fr', invoice.id);
    const cancel = new URL(rig.fake.orders.get(again.order)!.cancelUrl);
    const left = (await agent.get(`${cancel.pathname}${cancel.search}`).expect(200)).text;
    expect(left).to.contain('abandonné : rien n’a été débité');
    expect(await status(invoice)).to.equal('open');
  });

  it('refunds from the admin page and from PayPal’s side give one credit note each, however often PayPal notifies them', async () => {
    const { account, invoice } = await rig.subscribed('rembourse@imprimerie.fr');
    const url = await rig.ctx.handle.payments.online.payInvoice('paypal', invoice.id, account, 'fr', SYSTEM_ACTOR);
    const order = new URL(url).searchParams.get('token')!;
    rig.fake.approve(order);
    expect(await rig.ctx.handle.payments.online.completeReturn('paypal', invoice.id, account, order)).to.deep.equal({ status: 'paid' });
    const capture = rig.fake.orders.get(order)!.captureId!;
    const payment = (await rig.ctx.handle.billing.payments.byGatewayReference('paypal', capture))!;
    expect(payment).to.include({ method: 'paypal', amount: 3480 });

    const admin = await loginAgent(rig.ctx, 'compta@artisan-nd.fr');
    expect((await admin.get('/admin/payments?gateway=paypal&status=succeeded').expect(200)).text).to.contain(`href="/admin/payments/${payment.id}"`);
    expect((await admin.get('/admin/payments?gateway=stripe').expect(200)).text).not.to.contain(`href="/admin/payments/${payment.id}"`);
    const page = (await admin.get(`/admin/payments/${payment.id}`).expect(200)).text;
    expect(page).to.contain(`https://www.sandbox.paypal.com/activity/payment/${capture}`);
    const csrf = await csrfOf(admin, `/admin/payments/${payment.id}`);
    const confirm = await admin.post(`/admin/payments/${payment.id}/refund`).type('form')
      .send({ _csrf: csrf, amount: '10,00', reason: 'Geste commercial', idempotency_key: fieldValue(page, 'idempotency_key') }).expect(200);
    const fields = { ...hiddenFields(confirm.text), _csrf: csrf, confirm: 'yes' };
    await admin.post(`/admin/payments/${payment.id}/refund`).type('form').send(fields).expect(303);
    await admin.post(`/admin/payments/${payment.id}/refund`).type('form').send(fields).expect(303); // a double submit
    expect(rig.fake.refunds.size).to.equal(1);
    expect(await notes(invoice)).to.equal(1);
    const fromAdmin = rig.fake.refundEvent([...rig.fake.refunds.keys()][0]!);
    await Promise.all([rig.fake.deliver(fromAdmin), rig.fake.deliver(fromAdmin)]);
    await eventRow(String(fromAdmin.id));
    expect(await notes(invoice)).to.equal(1);

    // The rest refunded from PayPal's own dashboard: only its notification reaches the portal.
    await gateway().refund(capture, 2480, 'EUR', 'dashboard-refund-1');
    const fromPayPal = rig.fake.refundEvent([...rig.fake.refunds.keys()][1]!);
    await Promise.all([rig.fake.deliver(fromPayPal), rig.fake.deliver(fromPayPal), rig.fake.deliver(fromPayPal)]);
    expect(await eventRow(String(fromPayPal.id))).to.include({ status: 'processed' });
    expect(await notes(invoice)).to.equal(2);
    expect(await status(invoice)).to.equal('refunded');
    expect((await admin.get(`/admin/payments/${payment.id}`).expect(200)).text).to.contain('Remboursé').and.not.contain('id="refund-form"');
  });
});
