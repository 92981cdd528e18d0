/**
 * Renewals charged off-session on the card kept at the first payment: the
 * daily job charges at J0 of the dunning schedule, retries a soft decline at
 * J+1, J+3 (J+7, J+13), never retries a hard one (the dunning mails go on), and
 * a partner replaces the card through Checkout in setup mode. Against the fake
 * Stripe API, on the run's database, the clock moved a day at a time.
 */
import { expect } from 'chai';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import { addDays } from '../../../src/billing/index.js';
import { csrfOf, loginAgent, mails } from '../../helpers/accounts.js';
import { startStripeRig, type StripeRig } from '../../helpers/stripe-rig.js';
import { waitFor } from '../../helpers/wait.js';

describe('Stripe renewals (billing:run charges the saved card; /subscription/billing/card/stripe)', function () {
  this.timeout(120000);
  let rig: StripeRig;
  before(async () => { rig = await startStripeRig(); });
  after(async () => { await rig.close(); });

  const settled = (ids: string[]) => waitFor(async () => {
    const rows = (await rig.ctx.db('inbound_events').whereIn('event_id', ids).select('status')) as { status: string }[];
    return rows.length === ids.length && rows.every((r) => r.status === 'processed' || r.status === 'ignored');
  }, { what: 'events processed' });

  /** `email` subscribes and pays the first invoice by card (the card is kept); returns the account and its Stripe customer. */
  async function subscribedWithCard(email: string): Promise<{ account: number; customer: string }> {
    const { account, invoice } = await rig.subscribed(email);
    const url = await rig.ctx.handle.payments.online.payInvoice('stripe', invoice.id, account, 'fr', SYSTEM_ACTOR);
    const events = rig.fake.completeCheckout(url.split('/').pop()!);
    for (const e of events) await rig.fake.deliver(e);
    await settled(events.map((e) => String(e.id)));
    const card = await rig.ctx.handle.payments.online.savedCard(account, 'stripe');
    expect(card?.label).to.equal('visa •••• 4242');
    return { account, customer: card!.customerRef };
  }

  const subjects = async (email: string) => (await mails(rig.ctx)).filter((m) => m.to === email).map((m) => m.subject);
  const charges = (customer: string) => rig.fake.requests.filter((r) => r.path === '/v1/payment_intents' && r.body.customer === customer);

  it('charges the renewal at J0, retries a soft decline at J+1 and J+3 (paid), never retries a hard decline, whose dunning goes on', async () => {
    const soft = await subscribedWithCard('souple@imprimerie.fr');
    const hard = await subscribedWithCard('expiree@imprimerie.fr');
    rig.fake.chargeScripts.set(soft.customer, ['insufficient_funds', 'insufficient_funds']);
    rig.fake.chargeScripts.set(hard.customer, ['expired_card']);
    const P = '2026-12-22';
    for (let day = addDays('2026-11-22', 1); day <= addDays(P, 8); day = addDays(day, 1)) {
      rig.ctx.clock.advance(86400);
      const report = await rig.ctx.handle.billingRun.run(day);
      expect(report.errors, day).to.equal(0);
      const byDay = new Map([[P, 1], [addDays(P, 1), 2], [addDays(P, 2), 2], [addDays(P, 3), 3], [addDays(P, 8), 3]]);
      const want = byDay.get(day);
      if (want !== undefined) expect(charges(soft.customer), `soft charges by ${day}`).to.have.length(want);
      if (day >= P) expect(charges(hard.customer), `hard charges by ${day}`).to.have.length(1);
    }
    const keys = charges(soft.customer).map((r) => r.key);
    expect(new Set(keys).size).to.equal(3);
    for (const k of keys) expect(k).to.match(/^payment-\d+-attempt-1$/);

    const renewal = (await rig.ctx.handle.billing.invoices.ofAccount(soft.account)).find((i) => i.kind === 'invoice' && i.dueDate === P)!;
    expect(renewal.status).to.equal('paid');
    const agent = await loginAgent(rig.ctx, 'souple@imprimerie.fr');
    const page = (await agent.get('/subscription/billing').expect(200)).text;
    expect(page).to.contain('Actif').and.contain(renewal.number!);
    expect(page).not.to.contain('Payer par carte');
    await waitFor(async () => (await subjects('souple@imprimerie.fr')).includes(`Paiement reçu pour la facture ${renewal.number}`), { what: 'receipt' });
    const soft3 = await subjects('souple@imprimerie.fr');
    expect(soft3).to.include(`Facture ${renewal.number} impayée`);
    expect(soft3).not.to.include(`Relance : facture ${renewal.number} impayée`);

    // Stripe's own notifications of these charges change nothing more: one succeeded payment.
    const late = rig.fake.events.filter((e) => String(e.type).startsWith('payment_intent.') && (e.data as { object: { customer: string } }).object.customer
      === soft.customer);
    for (const e of late) await rig.fake.deliver(e);
    await settled(late.map((e) => String(e.id)));
    expect((await rig.ctx.handle.billing.payments.ofInvoice(renewal.id)).filter((p) => p.status === 'succeeded')).to.have.length(1);

    const unpaid = (await rig.ctx.handle.billing.invoices.ofAccount(hard.account)).find((i) => i.kind === 'invoice' && i.dueDate === P)!;
    expect(unpaid.status).to.equal('overdue');
    const failed = (await rig.ctx.handle.billing.payments.ofInvoice(unpaid.id)).filter((p) => p.status === 'failed');
    expect(failed.map((p) => p.errorCode)).to.deep.equal(['expired_card']);
    await waitFor(async () => (await subjects('expiree@imprimerie.fr')).includes(`Deuxième relance : facture ${unpaid.number}`), { what: 'dunning J+7' });
    expect(await subjects('expiree@imprimerie.fr')).to.include.members([`Facture ${unpaid.number} impayée`, `Relance : facture ${unpaid.number} impayée`]);
    expect((await (await loginAgent(rig.ctx, 'expiree@imprimerie.fr')).get('/subscription/billing').expect(200)).text)
      .to.contain('Payer par carte').and.contain(unpaid.number!).and.contain('En retard');
  });

  it('replaces the card through Checkout in setup mode: the new card is the one kept for renewals', async () => {
    const { account } = await subscribedWithCard('nouvelle@imprimerie.fr');
    const agent = await loginAgent(rig.ctx, 'nouvelle@imprimerie.fr');
    expect((await agent.get('/subscription/billing').expect(200)).text).to.contain('Remplacer la carte');
    const csrf = await csrfOf(agent, '/subscription/billing');
    const res = await agent.post('/subscription/billing/card/stripe').type('form').send({ _csrf: csrf }).expect(303);
    const session = res.headers.location!.split('/').pop()!;
    expect(rig.fake.sessions.get(session)).to.include({ mode: 'setup' });
    const events = rig.fake.completeCheckout(session, '5556');
    for (const e of events) await rig.fake.deliver(e);
    await settled(events.map((e) => String(e.id)));
    expect((await agent.get('/subscription/billing?card=saved').expect(200)).text).to.contain('Carte enregistrée').and.contain('visa •••• 5556');
    const card = await rig.ctx.handle.payments.online.savedCard(account, 'stripe');
    expect(rig.fake.methods.get(card!.paymentMethodRef)).to.deep.include({ card: { brand: 'visa', last4: '5556', exp_month: 12, exp_year: 2030,
      country: 'FR', funding: 'credit' } });
  });
  it('charges on the due date staff granted, not the printed one', async () => {
    const { account } = await subscribedWithCard('delai@imprimerie.fr');
    const subscription = (await rig.ctx.db('subscriptions').where({ account_id: account }).first('id')) as { id: unknown };
    const sub = (await rig.ctx.handle.subscriptions.byId(Number(subscription.id)))!;
    const P = sub.periodEnd!;
    let day = rig.ctx.clock.now().toISOString().slice(0, 10);
    const next = async () => {
      day = addDays(day, 1);
      rig.ctx.clock.advance(86400);
      expect((await rig.ctx.handle.billingRun.run(day)).errors, day).to.equal(0);
    };
    while (day < addDays(P, -1)) await next();
    const renewal = (await rig.ctx.handle.billing.invoices.ofAccount(account)).find((i) => i.kind === 'invoice' && i.dueDate === P)!;
    expect(renewal.status).to.equal('open');
    const granted = addDays(P, 5);
    await rig.ctx.handle.subscriptions.extendDue(sub.id, { invoiceId: renewal.id, dueDate: granted, reason: 'fin de mois difficile' }, SYSTEM_ACTOR);
    const card = (await rig.ctx.handle.payments.online.savedCard(account, 'stripe'))!;
    while (day < addDays(granted, -1)) await next();
    expect(charges(card.customerRef), `no charge before ${granted}`).to.have.length(0);
    await next();
    expect(charges(card.customerRef), `charged on ${granted}`).to.have.length(1);
    expect((await rig.ctx.handle.billing.invoices.byId(renewal.id))!.status).to.equal('paid');
  });
});
