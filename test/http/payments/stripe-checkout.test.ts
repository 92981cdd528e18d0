/**
 * Card payments through Stripe, over HTTP against the fake Stripe API: the
 * webhook's signature check (the fake signs as Stripe; checked against the
 * SDK's own header), the partner paying an invoice on Checkout, and the
 * notifications arriving repeated, out of order, before or without the
 * partner's return. What is asserted is what the partner and staff see.
 */
import { expect } from 'chai';
import Stripe from 'stripe';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import { csrfOf, loginAgent } from '../../helpers/accounts.js';
import { FAKE_WEBHOOK_SECRET, FakeStripe } from '../../helpers/fake-stripe.js';
import { startStripeRig, type StripeRig } from '../../helpers/stripe-rig.js';

describe('Stripe card payments (POST /webhooks/stripe, /subscription/invoices/:id/pay/stripe)', function () {
  this.timeout(30000);
  let rig: StripeRig;
  before(async () => { rig = await startStripeRig(); });
  after(async () => { await rig.close(); });

  const count = (table: string, where?: Record<string, unknown>) => rig.count(table, where);
  const eventRow = (eventId: string) => rig.eventRow(eventId);

  /** The partner logs in and presses "Pay by card" on /subscription/billing: the fake Checkout session they are sent to. */
  async function payByCard(email: string, invoiceId: number) {
    const agent = await loginAgent(rig.ctx, email);
    const page = await agent.get('/subscription/billing').expect(200);
    expect(page.text).to.contain('Payer par carte').and.contain(`/subscription/invoices/${invoiceId}/pay/stripe`).and.contain('IBAN FR76');
    const csrf = await csrfOf(agent, '/subscription/billing');
    const res = await agent.post(`/subscription/invoices/${invoiceId}/pay/stripe`).type('form').send({ _csrf: csrf }).expect(303);
    expect(res.headers.location).to.match(new RegExp(`^${rig.fake.url}/checkout/cs_test_\\w+$`));
    return { agent, session: res.headers.location!.split('/').pop()! };
  }

  it('signs like Stripe: the fake’s header is the SDK’s generateTestHeaderString', () => {
    const payload = JSON.stringify({ id: 'evt_1', object: 'event' });
    const stripe = new Stripe('sk_test_x');
    expect(FakeStripe.sign(payload, FAKE_WEBHOOK_SECRET, 1796400000))
      .to.equal(stripe.webhooks.generateTestHeaderString({ payload, secret: FAKE_WEBHOOK_SECRET, timestamp: 1796400000 }));
  });

  it('refuses a bad signature, another secret and a stale timestamp with 400, storing nothing; ignores an unknown type', async () => {
    const { invoice } = await rig.subscribed('refus@imprimerie.fr');
    const event = rig.fake.event('payment_intent.succeeded', { id: 'pi_forged', object: 'payment_intent', amount: invoice.amountDue,
      amount_received: invoice.amountDue, currency: 'eur', status: 'succeeded', metadata: { invoice_id: String(invoice.id) } });
    expect((await rig.fake.deliver(event, { header: 't=1,v1=deadbeef' })).status).to.equal(400);
    expect((await rig.fake.deliver(event, { secret: 'whsec_someoneElse' })).status).to.equal(400);
    expect((await rig.fake.deliver(event, { timestamp: Math.floor(Date.now() / 1000) - 301 })).status).to.equal(400);
    expect((await rig.fake.deliver(event, { header: '' })).status).to.equal(400);
    expect(await count('inbound_events')).to.equal(0);
    expect((await rig.ctx.handle.billing.invoices.byId(invoice.id))!.status).to.equal('open');

    const unknown = rig.fake.event('customer.created', { id: 'cus_x', object: 'customer' });
    const seed = rig.fake.event('customer.subscription.updated', { id: 'sub_x', object: 'subscription' });
    expect((await rig.fake.deliver(unknown)).status).to.equal(200);
    expect((await rig.fake.deliver(seed)).status).to.equal(200);
    expect(await eventRow(String(unknown.id))).to.include({ status: 'ignored', reason: 'unhandled_type' });
    expect(await eventRow(String(seed.id))).to.include({ status: 'ignored', reason: 'stripe_billing' });
    expect(await count('payments', { invoice_id: invoice.id })).to.equal(0);
  });

  it('pays an invoice once when Stripe delivers its events 5 times, before the partner comes back; a late failure leaves it paid', async () => {
    const { account, invoice } = await rig.subscribed('cinq@imprimerie.fr');
    const { agent, session } = await payByCard('cinq@imprimerie.fr', invoice.id);
    const sent = rig.fake.requests.find((r) => r.path === '/v1/checkout/sessions' && (r.body.client_reference_id === String(invoice.id)))!;
    expect(sent.body).to.deep.include({ mode: 'payment', client_reference_id: String(invoice.id) });
    expect(sent.body.payment_intent_data).to.deep.include({ setup_future_usage: 'off_session' });
    expect(sent.key).to.match(/^payment-\d+-attempt-1$/);
    expect(rig.fake.sessions.get(session)!.amount_total).to.equal(3480);

    const events = rig.fake.completeCheckout(session);
    const deliveries = [...events, ...events, ...events, ...events, ...events].sort(() => Math.random() - 0.5);
    const answers = await Promise.all(deliveries.map((e) => rig.fake.deliver(e)));
    expect(answers.map((a) => a.status)).to.deep.equal(deliveries.map(() => 200));
    for (const e of events) await eventRow(String(e.id));
    expect(await count('inbound_events')).to.be.at.least(3);

    const page = await agent.get(`/subscription/billing?paid=${invoice.id}`).expect(200);
    expect(page.text).to.contain(`Paiement reçu : la facture ${invoice.number} est payée.`).and.contain('Actif').and.contain('Carte')
      .and.contain('Les renouvellements sont prélevés sur la carte visa •••• 4242');
    expect(page.text).not.to.contain('Payer par carte');
    expect(await count('payments', { invoice_id: invoice.id, status: 'succeeded' })).to.equal(1);
    expect(await rig.ctx.handle.ledger.balance(account)).to.equal(250);

    const pi = String(rig.fake.sessions.get(session)!.payment_intent);
    const late = rig.fake.event('payment_intent.payment_failed', { ...rig.fake.intents.get(pi), status: 'requires_payment_method',
      last_payment_error: { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' } });
    expect((await rig.fake.deliver(late)).status).to.equal(200);
    expect(await eventRow(String(late.id))).to.include({ status: 'processed' });
    expect((await agent.get('/subscription/billing').expect(200)).text).to.contain('Payée').and.contain('Actif');
    expect((await rig.ctx.handle.billing.invoices.byId(invoice.id))!.status).to.equal('paid');
  });

  it('shows “being confirmed” when the partner is back before the webhook, then paid; a closed tab is paid by the webhook alone', async () => {
    const { invoice } = await rig.subscribed('retour@imprimerie.fr');
    const { agent, session } = await payByCard('retour@imprimerie.fr', invoice.id);
    const events = rig.fake.completeCheckout(session);
    expect((await agent.get(`/subscription/billing?paid=${invoice.id}`).expect(200)).text)
      .to.contain(`Paiement de la facture ${invoice.number} en cours de confirmation`).and.contain('en attente de paiement');
    await rig.fake.deliver(events[0]!);
    await eventRow(String(events[0]!.id));
    expect((await agent.get(`/subscription/billing?paid=${invoice.id}`).expect(200)).text).to.contain(`la facture ${invoice.number} est payée`);

    const closed = await rig.subscribed('onglet@imprimerie.fr');
    const other = await payByCard('onglet@imprimerie.fr', closed.invoice.id);
    const only = rig.fake.completeCheckout(other.session).find((e) => e.type === 'payment_intent.succeeded')!;
    await rig.fake.deliver(only);
    await eventRow(String(only.id));
    expect((await other.agent.get('/subscription/billing').expect(200)).text).to.contain('Actif').and.contain('Payée');
  });

  it('sends a cancelled checkout back to the billing page with nothing paid, and refuses another partner’s invoice with 404', async () => {
    const { invoice } = await rig.subscribed('annule@imprimerie.fr');
    const { agent } = await payByCard('annule@imprimerie.fr', invoice.id);
    expect((await agent.get(`/subscription/billing?cancelled=${invoice.id}`).expect(200)).text)
      .to.contain('abandonné : rien n’a été débité').and.contain('Payer par carte');
    const stranger = await rig.subscribed('autre@imprimerie.fr');
    const csrf = await csrfOf(agent, '/subscription/billing');
    await agent.post(`/subscription/invoices/${stranger.invoice.id}/pay/stripe`).type('form').send({ _csrf: csrf }).expect(404);
    await agent.post('/subscription/invoices/99999999999/pay/stripe').type('form').send({ _csrf: csrf }).expect(404);
  });

  it('retries with backoff an event that cannot be applied yet (a refund notified before its payment) until it can', async () => {
    const { account, invoice } = await rig.subscribed('ordre@imprimerie.fr');
    const url = await rig.ctx.handle.payments.online.payInvoice('stripe', invoice.id, account, 'fr', SYSTEM_ACTOR);
    const session = url.split('/').pop()!;
    const events = rig.fake.completeCheckout(session);
    rig.fake.refundFromDashboard(String(rig.fake.sessions.get(session)!.payment_intent), 1000);
    const refunded = rig.fake.last('charge.refunded');
    await rig.fake.deliver(refunded);
    const failed = await eventRow(String(refunded.id));
    expect(failed).to.include({ status: 'failed', attempts: 1 });
    expect(String(failed.last_error)).to.contain('no payment for this gateway refund');
    expect(await rig.ctx.handle.payments.inbound.retryDue()).to.equal(0); // not due before its backoff
    for (const e of events) await rig.fake.deliver(e);
    for (const e of events) await eventRow(String(e.id));
    rig.ctx.clock.advance(61);
    expect(await rig.ctx.handle.payments.inbound.retryDue()).to.equal(1);
    expect(await eventRow(String(refunded.id))).to.include({ status: 'processed', attempts: 2 });
    expect(await count('invoices', { credited_invoice_id: invoice.id, kind: 'credit_note' })).to.equal(1);
  });

  it('settles in the daily job, after 2 hours, a card payment whose webhook never came; an expired checkout becomes failed', async () => {
    const paid = await rig.subscribed('silence@imprimerie.fr');
    const url = await rig.ctx.handle.payments.online.payInvoice('stripe', paid.invoice.id, paid.account, 'fr', SYSTEM_ACTOR);
    rig.fake.completeCheckout(url.split('/').pop()!); // the partner paid; no event is delivered
    const left = await rig.subscribed('abandon@imprimerie.fr');
    const other = await rig.ctx.handle.payments.online.payInvoice('stripe', left.invoice.id, left.account, 'fr', SYSTEM_ACTOR);
    rig.fake.expire(other.split('/').pop()!);
    const today = '2026-11-22';
    expect((await rig.ctx.handle.billingRun.run(today)).reconciled).to.equal(0); // too early: the notification may still come
    rig.ctx.clock.advance(7201);
    expect((await rig.ctx.handle.billingRun.run(today)).reconciled).to.equal(2);
    expect((await rig.ctx.handle.billing.invoices.byId(paid.invoice.id))!.status).to.equal('paid');
    const page = (await (await loginAgent(rig.ctx, 'silence@imprimerie.fr')).get('/subscription/billing').expect(200)).text;
    expect(page).to.contain('Actif').and.contain('Payée');
    const failed = (await rig.ctx.handle.billing.payments.ofInvoice(left.invoice.id))[0]!;
    expect(failed).to.include({ status: 'failed', errorCode: 'checkout_expired' });
    expect((await rig.ctx.handle.billing.invoices.byId(left.invoice.id))!.status).to.equal('open');
    expect((await rig.ctx.handle.billingRun.run(today)).reconciled).to.equal(0);
  });
});
