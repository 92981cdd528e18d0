/**
 * A promotion code at the partner's checkout: typed on the summary and
 * checked at once (the discount line and HT / VAT / TTC after discount, or
 * the reason it is refused), carried by the pay form and used on the invoice;
 * a code used up between the summary and "pay" re-renders the summary with
 * its reason instead of charging the full price; an auto-apply code shows
 * without typing; the "promotion code applied" mail in the partner's language.
 */
import { expect } from 'chai';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import type { PromotionFields } from '../../../src/billing/index.js';
import { insertedId } from '../../../src/platform/db.js';
import { createAccount, csrfOf, loginAgent, mails } from '../../helpers/accounts.js';
import { textOf } from '../../helpers/billing-admin.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { fieldValue } from '../../helpers/forms.js';
import { waitFor } from '../../helpers/wait.js';

const CODE: PromotionFields = {
  code: 'BIENVENUE', name: 'Bienvenue aux imprimeurs', kind: 'percentage', value: 2000, currency: null, maxUses: null, maxUsesPerCustomer: 1,
  appliesTo: 'first', startsOn: null, endsOn: null, isActive: true, autoApply: false, newCustomersOnly: false, minAmount: 0, planIds: [],
};

describe('promotion codes at the partner checkout (/subscription/checkout)', () => {
  let ctx: TestContext;
  let plan: number;
  beforeEach(async () => {
    ctx = await createTestContext();
    const now = ctx.clock.now().toISOString();
    plan = insertedId(await ctx.db('plans').insert({
      slug: 'pro', name_fr: 'Professionnel', name_en: 'Professional', type: 'monthly', price: 4900, currency: 'EUR', billing_cycle: 'month',
      limits: JSON.stringify({ units_per_period: 300 }), is_active: true, is_public: true, created_at: now, updated_at: now,
    }).returning('id'));
  });
  afterEach(async () => { await ctx.close(); });

  const create = (fields: Partial<PromotionFields> = {}) => ctx.handle.billing.promotions.create({ ...CODE, ...fields }, SYSTEM_ACTOR);
  /** The "promotion code applied" mail of `code` (mails leave after commit, unawaited: the last one of a checkout). */
  const appliedMail = (code: string) => waitFor(async () => (await mails(ctx)).find((m) => m.subject === `Code promotionnel ${code} appliqué`),
    { what: `the "promotion code applied" mail of ${code}` });

  it('checks a typed code at once, shows the discount before VAT, and uses it on the invoice; the partner is mailed', async () => {
    await create();
    await createAccount(ctx, 'lea@imprimerie.fr');
    const agent = await loginAgent(ctx, 'lea@imprimerie.fr');
    const page = await agent.get(`/subscription/checkout/${plan}?code=bienvenue`).expect(200);
    const text = textOf(page.text);
    // 20 % of 49,00 € = 9,80 €: HT 39,20 €, VAT 7,84 €, TTC 47,04 €.
    expect(text).to.include('Code BIENVENUE appliqué : Bienvenue aux imprimeurs.').and.include('Total HT avant remise 49,00 €')
      .and.include('Remise BIENVENUE −9,80 €').and.include('Total HT 39,20 €').and.include('TVA 20 % 7,84 €').and.include('Total TTC 47,04 €');
    expect(fieldValue(page.text, 'code')).to.equal('BIENVENUE');
    const csrf = await csrfOf(agent, `/subscription/checkout/${plan}`);
    await agent.post('/subscription/checkout').type('form').send({ _csrf: csrf, plan_id: String(plan), code: 'BIENVENUE' })
      .expect(303).expect('location', '/subscription/billing');
    const inv = await ctx.db('invoices').where({ kind: 'invoice' }).first('id', 'number', 'total_ht', 'total_ttc');
    expect([Number(inv.total_ht), Number(inv.total_ttc)]).to.deep.equal([3920, 4704]);
    const applied = await appliedMail('BIENVENUE');
    expect(applied.to).to.equal('lea@imprimerie.fr');
    expect(applied.text).to.include(`facture ${inv.number as string} : remise de 9,80`).and.include('Montant à régler : 47,04');
    expect(applied.html).to.include('BIENVENUE');
  });

  it('refuses an unknown or expired code with its reason (422) and the full price; the pay form carries no code', async () => {
    await create({ code: 'NOEL', endsOn: '2025-12-31' });
    await createAccount(ctx, 'paul@imprimerie.fr');
    const agent = await loginAgent(ctx, 'paul@imprimerie.fr');
    const unknown = await agent.get(`/subscription/checkout/${plan}?code=NOPE`).expect(422);
    expect(textOf(unknown.text)).to.include('Ce code promotionnel n’existe pas.').and.include('Total TTC 58,80 €').and.not.include('Remise');
    const expired = await agent.get(`/subscription/checkout/${plan}?code=noel&lang=en`).expect(422);
    expect(textOf(expired.text)).to.include('This promotion code has expired.').and.include('€58.80');
    expect(/name="code" value="([^"]*)"/.exec(expired.text.slice(expired.text.indexOf('id="pay-form"')))![1]).to.equal('');
    const hostile = await agent.get(`/subscription/checkout/${plan}?code=${'X'.repeat(5000)}`).expect(422);
    expect(textOf(hostile.text)).to.include('This promotion code does not exist.');
  });

  it('re-renders the summary with "exhausted" when the last use went to someone else between the summary and pay', async () => {
    await create({ code: 'DERNIER', maxUses: 1 });
    await createAccount(ctx, 'a@imprimerie.fr');
    await createAccount(ctx, 'b@imprimerie.fr');
    const a = await loginAgent(ctx, 'a@imprimerie.fr');
    const b = await loginAgent(ctx, 'b@imprimerie.fr');
    await a.get(`/subscription/checkout/${plan}?code=DERNIER`).expect(200);
    await b.get(`/subscription/checkout/${plan}?code=DERNIER`).expect(200);
    const csrfA = await csrfOf(a, `/subscription/checkout/${plan}`);
    const csrfB = await csrfOf(b, `/subscription/checkout/${plan}`);
    await a.post('/subscription/checkout').type('form').send({ _csrf: csrfA, plan_id: String(plan), code: 'DERNIER' }).expect(303);
    await appliedMail('DERNIER');
    const refused = await b.post('/subscription/checkout').type('form').send({ _csrf: csrfB, plan_id: String(plan), code: 'DERNIER' }).expect(422);
    expect(textOf(refused.text)).to.include('Ce code promotionnel a atteint son nombre maximal d’utilisations.').and.include('Total TTC 58,80 €');
    expect(fieldValue(refused.text, 'code')).to.equal('DERNIER');
    const bId = (await ctx.db('accounts').where({ email: 'b@imprimerie.fr' }).first('id')).id as number;
    expect(Number((await ctx.db('invoices').where({ account_id: bId }).count({ n: '*' }).first())!.n)).to.equal(0);
    expect(Number((await ctx.db('subscriptions').where({ account_id: bId, state: 'pending' }).count({ n: '*' }).first())!.n)).to.equal(0);
  });

  it('shows an auto-apply code without typing and uses it when paying', async () => {
    await create({ code: 'AUTO', name: 'Lancement', value: 1000, autoApply: true, newCustomersOnly: true });
    await createAccount(ctx, 'auto@imprimerie.fr');
    const agent = await loginAgent(ctx, 'auto@imprimerie.fr');
    const page = await agent.get(`/subscription/checkout/${plan}`).expect(200);
    expect(textOf(page.text)).to.include('Remise appliquée automatiquement : Lancement (AUTO).').and.include('Remise AUTO −4,90 €')
      .and.include('Total TTC 52,92 €');
    const csrf = await csrfOf(agent, `/subscription/checkout/${plan}`);
    await agent.post('/subscription/checkout').type('form').send({ _csrf: csrf, plan_id: String(plan), code: '' }).expect(303);
    expect(Number((await ctx.db('invoices').where({ kind: 'invoice' }).first('total_ht')).total_ht)).to.equal(4410);
    expect((await appliedMail('AUTO')).to).to.equal('auto@imprimerie.fr');
  });
});
