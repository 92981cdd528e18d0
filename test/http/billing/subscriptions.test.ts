/**
 * The partner's side of billing over HTTP: the public pricing page from the
 * database, choose → summary → pay (the invoice and the payment
 * instructions), recharging refused until staff record the payment, then the
 * billing page with the active subscription, its units and the PDF (owner
 * only), cancel at period end and its undo.
 */
import { expect } from 'chai';
import { AccountsRepository, hashPassword } from '../../../src/accounts/index.js';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import { insertedId } from '../../../src/platform/db.js';
import { createAccount, csrfOf, loginAgent, PASSWORD, request } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';

describe('partner subscriptions (/subscription/plans, checkout, billing)', () => {
  let ctx: TestContext;
  let plan: number;
  before(async () => {
    ctx = await createTestContext({ env: { BILLING_PAYMENT_INSTRUCTIONS: 'IBAN FR76 3000 6000 0112 3456 7890 189' } });
    const now = ctx.clock.now().toISOString();
    plan = insertedId(await ctx.db('plans').insert({
      slug: 'pro', name_fr: 'Professionnel', name_en: 'Professional', description_fr: 'Pour les imprimeurs', description_en: 'For printers', type: 'monthly',
      price: 4900, currency: 'EUR', billing_cycle: 'month', limits: JSON.stringify({ units_per_period: 300 }), is_active: true, is_public: true,
      highlighted: true, features: JSON.stringify([{ name_fr: 'Assistance', name_en: 'Support', value: '48 h' }]), created_at: now, updated_at: now,
    }).returning('id'));
  });
  after(async () => { await ctx.close(); });

  /** A verified partner without any subscription (registered after billing started). */
  async function newPartner(email: string): Promise<number> {
    const account = await new AccountsRepository(ctx.db).insert({
      email, passwordHash: await hashPassword(PASSWORD), role: 'partner', state: 'active', company: 'Imprimerie Neuve', name: 'Léa', phone: '0102030405',
      country: 'FR', locale: 'fr', termsAcceptedAt: ctx.clock.now(), verifiedAt: ctx.clock.now(),
    }, ctx.clock.now());
    return account.id;
  }

  it('lists the public plans from the database on /subscription in the visitor’s language, the highlighted one marked', async () => {
    const fr = await request(ctx.app).get('/subscription').expect(200);
    expect(fr.text).to.contain('Professionnel').and.contain('Recommandée').and.contain(`href="/subscription/checkout/${plan}"`).and.contain('Choisir');
    expect(fr.text).to.match(/49,00\s€ HT par mois/);
    const en = await request(ctx.app).get('/subscription?lang=en').expect(200);
    expect(en.text).to.contain('Professional').and.contain('Recommended').and.contain('Support').and.contain('€49.00 excl. VAT per month');
  });

  it('takes a new partner from choosing to paying; recharging waits for the payment staff record', async () => {
    const id = await newPartner('lea@imprimerie-neuve.fr');
    const agent = await loginAgent(ctx, 'lea@imprimerie-neuve.fr');
    const gated = await agent.get('/subscription/recharge').expect(409);
    expect(gated.text).to.contain('choisissez d’abord une formule').and.contain('href="/subscription/billing"');

    expect((await agent.get('/subscription/plans').expect(200)).text).to.contain(`/subscription/checkout/${plan}`);
    const summary = await agent.get(`/subscription/checkout/${plan}`).expect(200);
    expect(summary.text).to.match(/Total HT<\/th><td class="num">49,00\s€/).and.match(/TVA 20\s%<\/th><td class="num">9,80\s€/)
      .and.match(/58,80\s€/).and.contain('22 décembre 2026').and.contain('300 unités');
    const csrf = await csrfOf(agent, `/subscription/checkout/${plan}`);
    await agent.post('/subscription/checkout').type('form').send({ _csrf: csrf, plan_id: String(plan) })
      .expect(303).expect('location', '/subscription/billing');
    await agent.post('/subscription/checkout').type('form').send({ _csrf: csrf, plan_id: String(plan) }).expect(303); // a double submit
    const page = await agent.get('/subscription/billing').expect(200);
    const number = /FA-2026-\d{6}/.exec(page.text)![0];
    expect(page.text).to.contain('IBAN FR76 3000 6000 0112 3456 7890 189').and.contain(`Indiquez la référence ${number}`);
    expect(Number((await ctx.db('invoices').where({ account_id: id }).count({ n: '*' }).first())!.n)).to.equal(1);
    expect((await agent.get('/subscription/recharge').expect(409)).text).to.contain('attend son premier paiement');
    const post = await agent.post('/subscription/recharge').field('_csrf', csrf).field('installation_code', 'x').field('units', '1').expect(409);
    expect(post.text).to.contain('recharge-gate');

    const inv = (await ctx.handle.billing.invoices.ofAccount(id))[0]!;
    await ctx.handle.billing.payments.recordManual(inv.id, { amount: inv.amountDue, method: 'bank_transfer', reference: number, date: '2026-11-22',
      idempotencyKey: 'http-test-pay-1' }, SYSTEM_ACTOR);
    const active = await agent.get('/subscription/billing').expect(200);
    expect(active.text).to.contain('Actif').and.contain('Professionnel').and.contain('Payée').and.contain('Virement');
    expect(active.text).to.match(/Unités créditées cette période<\/th><td>300</);
    expect((await agent.get('/subscription/recharge').expect(200)).text).not.to.contain('recharge-gate');
    const pdf = await agent.get(`/subscription/invoices/${inv.id}/pdf`).expect(200).expect('content-type', 'application/pdf');
    expect(pdf.body.subarray(0, 5).toString()).to.equal('%PDF-');

    const csrf2 = await csrfOf(agent, '/subscription/billing');
    await agent.post('/subscription/billing/cancel').type('form').send({ _csrf: csrf2 }).expect(303);
    expect((await agent.get('/subscription/billing').expect(200)).text).to.contain('Résiliation programmée').and.contain('Annuler la résiliation');
    await agent.post('/subscription/billing/undo-cancel').type('form').send({ _csrf: csrf2 }).expect(303);
    expect((await agent.get('/subscription/billing').expect(200)).text).not.to.contain('Résiliation programmée');
  });

  it('answers 404 for another partner’s invoice PDF and 422 with the reason for a plan no longer offered', async () => {
    const owner = (await ctx.db('invoices').first('id')) as { id: number };
    await createAccount(ctx, 'autre@example.fr');
    const other = await loginAgent(ctx, 'autre@example.fr');
    await other.get(`/subscription/invoices/${owner.id}/pdf`).expect(404);
    await other.get('/subscription/invoices/99999999999/pdf').expect(404);
    const refused = await other.get('/subscription/checkout/424242').expect(422);
    expect(refused.text).to.contain('n’est plus proposée');
    const csrf = await csrfOf(other, '/subscription/plans');
    expect((await other.post('/subscription/checkout').type('form').send({ _csrf: csrf, plan_id: '-1' }).expect(422)).text).to.contain('n’est plus proposée');
  });
});
