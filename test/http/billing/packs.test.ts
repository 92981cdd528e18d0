/**
 * Unit packs over HTTP: a partner who may recharge sees the packs on offer, buys one from its summary (a double
 * submit buys once) and gets the invoice with the payment instructions; staff record the transfer on
 * /admin/invoices/:id and the pack's units reach the partner's ledger once (the same form twice, a partial
 * payment then the rest, another payment refused once paid). A partner whose subscription does not allow
 * recharging, a pack no longer offered and a stale form are refused with their reason, nothing written.
 */
import { expect } from 'chai';
import { AccountsRepository, hashPassword } from '../../../src/accounts/index.js';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import { insertedId } from '../../../src/platform/db.js';
import { createAccount, csrfOf, loginAgent, PASSWORD } from '../../helpers/accounts.js';
import { auditRows, staffAgent, textOf } from '../../helpers/billing-admin.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { fieldValue, type Agent } from '../../helpers/forms.js';
import { paidPlan } from '../../helpers/subscriptions.js';

const ENV = { BILLING_PAYMENT_INSTRUCTIONS: 'IBAN FR76 3000 6000 0112 3456 7890 189', BILLING_SELLER_NAME: 'Artisan ND SAS' };

describe('unit packs (/subscription/packs)', function () {
  this.timeout(120000);
  let ctx: TestContext;
  let pack: number;
  beforeEach(async () => {
    ctx = await createTestContext({ env: ENV });
    const now = ctx.clock.now().toISOString();
    const row = (fields: Record<string, unknown>) => ({
      type: 'custom', billing_cycle: 'one-time', currency: 'EUR', is_active: true, is_public: true, created_at: now, updated_at: now, ...fields,
    });
    pack = insertedId(await ctx.db('plans').insert(row({
      slug: 'pack-1000', name_fr: 'Pack 1 000', name_en: 'Pack 1,000', description_fr: 'Pour les mois chargés', description_en: 'For busy months',
      price: 5000, limits: JSON.stringify({ units_per_period: 1000 }),
    })).returning('id'));
    await ctx.db('plans').insert([
      row({ slug: 'pack-cache', name_fr: 'Pack caché', name_en: 'Hidden pack', price: 100, limits: JSON.stringify({ units_per_period: 10 }),
        is_public: false }),
      row({ slug: 'pack-gratuit', name_fr: 'Pack gratuit', name_en: 'Free pack', price: 0, limits: JSON.stringify({ units_per_period: 10 }) }),
    ]);
  });
  afterEach(async () => { await ctx.close(); });

  /** Buy `planId` from its summary page; `times` posts of the same form. Returns the answers. */
  async function buy(agent: Agent, planId: number, times = 1) {
    const summary = await agent.get(`/subscription/packs/${planId}`).expect(200);
    const fields = { _csrf: fieldValue(summary.text, '_csrf')!, plan_id: String(planId), purchase_key: fieldValue(summary.text, 'purchase_key')! };
    return Promise.all(Array.from({ length: times }, () => agent.post('/subscription/packs').type('form').send(fields)));
  }
  const count = async (table: string, where: Record<string, unknown> = {}) =>
    Number((await ctx.db(table).where(where).count({ n: '*' }).first())!.n);

  /** Record `amount` (decimal text) on invoice `id` from its admin page; `times` posts of the same form. */
  async function record(admin: Agent, id: number, amount: string, times = 1, resend = false) {
    const html = (await admin.get(`/admin/invoices/${id}`).expect(200)).text;
    const fields = { _csrf: fieldValue(html, '_csrf')!, idempotency_key: fieldValue(html, 'idempotency_key')!, amount, method: 'bank_transfer',
      reference: 'VIR-PACK', date: '2026-11-22' };
    const post = () => admin.post(`/admin/invoices/${id}/payments`).type('form').send(fields);
    const answers = await Promise.all(Array.from({ length: times }, post));
    // The same form sent once more after the others ended (the browser's Back, then submit): the invoice is paid by now.
    return resend ? [...answers, await post()] : answers;
  }

  it('lists the packs on offer, buys one from its summary (a double submit buys once) and shows how to pay it', async () => {
    const partner = await createAccount(ctx, 'atelier@imprimerie-centre.fr');
    const agent = await loginAgent(ctx, 'atelier@imprimerie-centre.fr');
    const list = textOf((await agent.get('/subscription/packs').expect(200)).text);
    expect(list).to.include('Pack 1 000').and.include('1 000 unités').and.include('50,00 € HT, paiement unique').and.include('Pour les mois chargés');
    expect(list).to.include('Aucun achat pour le moment.');
    expect(list).to.not.include('Pack caché');
    expect(list).to.not.include('Pack gratuit');
    expect((await agent.get('/subscription/plans').expect(200)).text).to.not.include('Pack 1 000');
    expect((await agent.get('/subscription/billing').expect(200)).text).to.include('href="/subscription/packs"');
    const en = textOf((await agent.get(`/subscription/packs/${pack}?lang=en`).expect(200)).text);
    expect(en).to.include('Pack Pack 1,000 — 1,000 units').and.include('€60.00');

    const summary = textOf((await agent.get(`/subscription/packs/${pack}?lang=fr`).expect(200)).text);
    expect(summary).to.include('Total HT 50,00 €').and.include('TVA 20 % 10,00 €').and.include('Total TTC 60,00 €')
      .and.include('Unités créditées une fois 1 000 unités');
    const [a, b] = await buy(agent, pack, 2);
    expect([a!.status, b!.status]).to.deep.equal([303, 303]);
    expect(await count('pack_purchases')).to.equal(1);
    expect(await count('invoices', { account_id: partner })).to.equal(1);
    const inv = (await ctx.handle.billing.invoices.ofAccount(partner))[0]!;
    expect([inv.type, inv.status, inv.subscriptionId, inv.totalTtc]).to.deep.equal(['one-time', 'open', null, 6000]);
    const page = textOf((await agent.get('/subscription/packs').expect(200)).text);
    // Each submit flashes its outcome; the two sessions race, so either one is shown.
    expect(page).to.match(new RegExp(`Facture ${inv.number} émise|Cet achat est déjà enregistré \\(facture ${inv.number}\\)`));
    expect(page).to.include(`Facture ${inv.number} — 60,00 € à régler`)
      .and.include('IBAN FR76 3000 6000 0112 3456 7890 189').and.include(`Indiquez la référence ${inv.number}`).and.include('À la réception du paiement');
    expect(await ctx.handle.ledger.balance(partner)).to.equal(0);
    expect(await auditRows(ctx, 'unit_pack.ordered')).to.have.length(1);
  });

  it('credits the pack’s units once when staff record the payment: the same form twice, a partial payment then the rest', async () => {
    const partner = await createAccount(ctx, 'atelier@imprimerie-centre.fr');
    const agent = await loginAgent(ctx, 'atelier@imprimerie-centre.fr');
    const admin = await staffAgent(ctx, 'admin');
    await buy(agent, pack);
    const inv = (await ctx.handle.billing.invoices.ofAccount(partner))[0]!;
    const paid = await record(admin, inv.id, '60', 2, true);
    expect(paid.map((r) => r.status)).to.deep.equal([303, 303, 303]);
    expect(textOf((await admin.get(`/admin/invoices/${inv.id}`).expect(200)).text)).to.include('déjà enregistré');
    expect(await count('payments', { invoice_id: inv.id })).to.equal(1);
    expect(await ctx.handle.ledger.balance(partner)).to.equal(1000);
    const again = (await record(admin, inv.id, '60'))[0]!;
    expect(again.status).to.equal(422);
    expect(await ctx.handle.ledger.balance(partner)).to.equal(1000);
    expect(await count('ledger_entries', { account_id: partner, reference: inv.number })).to.equal(1);
    expect(await auditRows(ctx, 'unit_pack.credited')).to.have.length(1);
    expect(textOf((await agent.get('/subscription/packs').expect(200)).text)).to.include('Payée').and.include('Oui');

    // A second pack paid in two transfers: the units arrive with the second, once.
    await buy(agent, pack);
    const second = (await ctx.handle.billing.invoices.ofAccount(partner)).find((i) => i.status === 'open')!;
    expect((await record(admin, second.id, '25'))[0]!.status).to.equal(303);
    expect(await ctx.handle.ledger.balance(partner)).to.equal(1000);
    expect((await record(admin, second.id, '35'))[0]!.status).to.equal(303);
    expect(await ctx.handle.ledger.balance(partner)).to.equal(2000);
    expect(await count('pack_purchases', { account_id: partner })).to.equal(2);
    expect(await ctx.db('pack_purchases').whereNull('credited_at').count({ n: '*' }).first().then((r) => Number(r!.n))).to.equal(0);
  });

  it('pays a pack from the credit balance at once and credits its units in the purchase', async () => {
    const partner = await createAccount(ctx, 'atelier@imprimerie-centre.fr');
    await ctx.handle.billing.credits.grant({ accountId: partner, kind: 'manual', amount: 10000, currency: 'EUR', reason: 'Geste commercial' }, SYSTEM_ACTOR);
    const agent = await loginAgent(ctx, 'atelier@imprimerie-centre.fr');
    await buy(agent, pack);
    const inv = (await ctx.handle.billing.invoices.ofAccount(partner))[0]!;
    expect(inv.status).to.equal('paid');
    expect(await ctx.handle.ledger.balance(partner)).to.equal(1000);
    expect(textOf((await agent.get('/subscription/packs').expect(200)).text)).to.include('réglée par votre avoir');
  });

  it('refuses a partner whose subscription does not allow recharging, a pack no longer offered and a stale form, writing nothing', async () => {
    const account = await new AccountsRepository(ctx.db).insert({
      email: 'lea@imprimerie-neuve.fr', passwordHash: await hashPassword(PASSWORD), role: 'partner', state: 'active', company: 'Imprimerie Neuve', name: 'Léa',
      phone: '0102030405', country: 'FR', locale: 'fr', termsAcceptedAt: ctx.clock.now(), verifiedAt: ctx.clock.now(),
    }, ctx.clock.now());
    const agent = await loginAgent(ctx, 'lea@imprimerie-neuve.fr');
    const none = await agent.get('/subscription/packs').expect(200);
    expect(textOf(none.text)).to.include('choisissez d’abord une formule');
    expect(none.text).to.not.include(`href="/subscription/packs/${pack}"`);
    expect(textOf((await agent.get(`/subscription/packs/${pack}`).expect(409)).text)).to.include('choisissez d’abord une formule');
    await ctx.handle.subscriptions.subscribe(account.id, await paidPlan(ctx), SYSTEM_ACTOR);
    const csrf = await csrfOf(agent, '/subscription/packs');
    const pending = await agent.post('/subscription/packs').type('form').send({ _csrf: csrf, plan_id: String(pack), purchase_key: 'a-fresh-key-1' })
      .expect(422);
    expect(textOf(pending.text)).to.include('attend son premier paiement');
    expect(await count('pack_purchases')).to.equal(0);

    await createAccount(ctx, 'atelier@imprimerie-centre.fr');
    const active = await loginAgent(ctx, 'atelier@imprimerie-centre.fr');
    const summary = await active.get(`/subscription/packs/${pack}`).expect(200);
    const key = fieldValue(summary.text, 'purchase_key')!;
    const token = fieldValue(summary.text, '_csrf')!;
    for (const [fields, message] of [
      [{ plan_id: '-1', purchase_key: key }, 'n’est plus proposé'], [{ plan_id: '99999999999', purchase_key: key }, 'n’est plus proposé'],
      [{ plan_id: String(pack), purchase_key: 'short' }, 'Ce formulaire a expiré'], [{ plan_id: String(pack), purchase_key: '' }, 'Ce formulaire a expiré'],
    ] as const) {
      const res = await active.post('/subscription/packs').type('form').send({ _csrf: token, ...fields });
      expect(res.status, JSON.stringify(fields)).to.equal(422);
      expect(textOf(res.text)).to.include(message);
    }
    await ctx.db('plans').where({ id: pack }).update({ is_active: false });
    const gone = await active.post('/subscription/packs').type('form').send({ _csrf: token, plan_id: String(pack), purchase_key: key }).expect(422);
    expect(textOf(gone.text)).to.include('Ce pack n’est plus proposé');
    expect(textOf((await active.get(`/subscription/packs/${pack}`).expect(422)).text)).to.include('Ce pack n’est plus proposé');
    expect(await count('pack_purchases')).to.equal(0);
    expect(await count('invoices', { type: 'one-time' })).to.equal(0);
  });
});
