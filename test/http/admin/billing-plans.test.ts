/** /admin/plans: support reads, admin creates, edits, deactivates; bad input re-renders the form; subscriptions keep their terms. */
import { expect } from 'chai';
import request from 'supertest';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { auditRows, confirm, postForm, staffAgent, textOf } from '../../helpers/billing-admin.js';

const PRO = {
  slug: 'pro-mensuel', name_fr: 'Pro', name_en: 'Pro', description_fr: 'Pour les imprimeurs', description_en: 'For printers', type: 'monthly',
  price: '29,90', currency: 'EUR', billing_cycle: 'month', trial_days: '14', setup_fee: '0', units_per_period: '5000', max_installations: '',
  display_order: '20', is_active: 'yes', is_public: 'yes', highlighted: 'yes',
  feature_0_name_fr: 'Unités par mois', feature_0_name_en: 'Units per month', feature_0_value: '5 000',
  feature_1_name_fr: 'Support', feature_1_name_en: 'Support', feature_1_value: 'e-mail',
};

describe('/admin/plans', function () {
  let ctx: TestContext;
  beforeEach(async () => { ctx = await createTestContext(); });
  afterEach(async () => { await ctx.close(); });

  it('creates a plan with its features and limits, lists it, and audits the creation', async () => {
    const admin = await staffAgent(ctx, 'admin');
    const res = await postForm(admin, '/admin/plans/new', '/admin/plans', PRO);
    expect(res.status, res.text.slice(0, 300)).to.equal(303);
    const list = textOf((await admin.get('/admin/plans').expect(200)).text);
    expect(list).to.include('Pro pro-mensuel').and.include('29,90 €').and.include('5 000');
    const row = await ctx.db('plans').where({ slug: 'pro-mensuel' }).first();
    expect(Number(row.price)).to.equal(2990);
    expect(JSON.parse(row.features)).to.deep.equal([
      { name_fr: 'Unités par mois', name_en: 'Units per month', value: '5 000' }, { name_fr: 'Support', name_en: 'Support', value: 'e-mail' },
    ]);
    expect(JSON.parse(row.limits)).to.deep.equal({ units_per_period: 5000, max_installations: null });
    expect((await auditRows(ctx, 'plan.created')).map((r) => r.summary)).to.deep.equal(['pro-mensuel (monthly, month): 29.90 EUR']);
  });

  it('takes XOF amounts without decimals and a unit pack as a custom one-time plan', async () => {
    const admin = await staffAgent(ctx, 'admin');
    const pack = { ...PRO, slug: 'pack-1000', type: 'custom', billing_cycle: 'one-time', currency: 'XOF', price: '15 000', units_per_period: '1000' };
    expect((await postForm(admin, '/admin/plans/new', '/admin/plans', pack)).status).to.equal(303);
    expect(Number((await ctx.db('plans').where({ slug: 'pack-1000' }).first()).price)).to.equal(15000);
    expect(textOf((await admin.get('/admin/plans').expect(200)).text)).to.include("pack d'unités");
    const bad = await postForm(admin, '/admin/plans/new', '/admin/plans', { ...pack, slug: 'pack-2', price: '15000,5' });
    expect(bad.status).to.equal(422);
    expect(textOf(bad.text)).to.include('trop de décimales');
  });

  it('re-renders the form with field errors for hostile input and writes nothing', async () => {
    const admin = await staffAgent(ctx, 'admin');
    const cases: [Record<string, string>, string][] = [
      [{ price: '-5' }, 'ne peut pas être négatif'],
      [{ price: '12,345' }, 'trop de décimales'],
      [{ price: '90071992547409,92' }, 'trop grand'],
      [{ currency: 'ZZZ' }, 'devise de la liste'],
      [{ slug: 'Pro Mensuel' }, 'Lettres minuscules'],
      [{ type: 'free' }, 'prix de zéro'],
      [{ trial_days: '1e3' }, 'de 0 à 365'],
      [{ feature_2_name_fr: 'Seul' }, 'ou videz la ligne'],
      [{ max_installations: '0' }, 'ou vide pour aucune limite'],
    ];
    for (const [change, message] of cases) {
      const res = await postForm(admin, '/admin/plans/new', '/admin/plans', { ...PRO, ...change });
      expect(res.status, JSON.stringify(change)).to.equal(422);
      expect(textOf(res.text), JSON.stringify(change)).to.include(message);
    }
    // Control characters meet the app-wide rule first: its 400 page, nothing written.
    expect((await postForm(admin, '/admin/plans/new', '/admin/plans', { ...PRO, name_fr: 'a\u0007b' })).status).to.equal(400);
    await postForm(admin, '/admin/plans/new', '/admin/plans', PRO).then((r) => expect(r.status).to.equal(303));
    const again = await postForm(admin, '/admin/plans/new', '/admin/plans', PRO);
    expect(again.status).to.equal(422);
    expect(textOf(again.text)).to.include('déjà cet identifiant');
    expect((await ctx.db('plans').whereNot({ slug: 'legacy' }).select('slug')).map((r) => r.slug)).to.deep.equal(['pro-mensuel']);
  });

  it('edits a plan without touching the subscriptions on it, says so, and keeps the slug', async () => {
    const admin = await staffAgent(ctx, 'admin');
    await postForm(admin, '/admin/plans/new', '/admin/plans', PRO);
    const plan = await ctx.db('plans').where({ slug: 'pro-mensuel' }).first();
    const page = textOf((await admin.get(`/admin/plans/${plan.id}`).expect(200)).text);
    expect(page).to.include('ne modifie pas les abonnements en cours');
    const partner = (await ctx.db('accounts').where({ role: 'admin' }).first('id')).id;
    const at = ctx.clock.now().toISOString();
    await ctx.db('subscriptions').insert({ account_id: partner, plan_id: plan.id, state: 'active', price: 2990, currency: 'EUR', billing_cycle: 'month',
      limits: plan.limits, created_at: at, updated_at: at });
    const res = await postForm(admin, `/admin/plans/${plan.id}`, `/admin/plans/${plan.id}`, { ...PRO, slug: 'changed', price: '39,90' });
    expect(res.status).to.equal(303);
    const after = await ctx.db('plans').where({ id: plan.id }).first();
    expect([after.slug, Number(after.price)]).to.deep.equal(['pro-mensuel', 3990]);
    expect(Number((await ctx.db('subscriptions').where({ plan_id: plan.id }).first()).price)).to.equal(2990);
    expect((await auditRows(ctx, 'plan.updated'))[0]!.summary).to.equal('pro-mensuel: price; price 29.90 EUR → 39.90 EUR');
    // Ticking "apply to running subscriptions" announces the price to them (mail) for their first period 30 days on.
    expect(page).to.include('Appliquer ce prix aux abonnements en cours');
    const applied = await postForm(admin, `/admin/plans/${plan.id}`, `/admin/plans/${plan.id}`, { ...PRO, price: '39,90', apply_to_renewals: 'yes' });
    expect(applied.status).to.equal(303);
    expect(textOf((await admin.get('/admin/plans').expect(200)).text)).to.include('Nouveau prix annoncé à 1 abonnement en cours.');
    const sub = await ctx.db('subscriptions').where({ plan_id: plan.id }).first();
    expect([Number(sub.price), Number(sub.next_price)]).to.deep.equal([2990, 3990]);
  });

  it('shows an edited or deactivated plan on the public /subscription page at once, though that page is cached', async () => {
    const admin = await staffAgent(ctx, 'admin');
    await postForm(admin, '/admin/plans/new', '/admin/plans', { ...PRO, name_fr: 'Formule Alpha', name_en: 'Alpha plan' });
    const id = (await ctx.db('plans').where({ slug: 'pro-mensuel' }).first('id')).id;
    const visitor = () => request(ctx.app).get('/subscription').expect(200).then((r) => textOf(r.text));
    expect(await visitor()).to.include('Formule Alpha');
    // The page is now held by the cache (on in tests, PAGE_CACHE_TTL defaults to 60 s): an unchanged page would be served again.
    expect(ctx.handle.pageCache.size).to.be.greaterThan(0);

    expect((await postForm(admin, `/admin/plans/${id}`, `/admin/plans/${id}`, { ...PRO, name_fr: 'Formule Bêta', name_en: 'Beta plan' })).status).to.equal(303);
    const edited = await visitor();
    expect(edited).to.include('Formule Bêta').and.not.to.include('Formule Alpha');

    const first = await postForm(admin, '/admin/plans', `/admin/plans/${id}/deactivate`, {});
    expect((await confirm(admin, `/admin/plans/${id}/deactivate`, first)).status).to.equal(303);
    expect(await visitor()).not.to.include('Formule Bêta');
    expect((await postForm(admin, '/admin/plans', `/admin/plans/${id}/activate`, {})).status).to.equal(303);
    expect(await visitor()).to.include('Formule Bêta');
  });

  it('deactivates after a confirmation and activates again; support reads without any form', async () => {
    const admin = await staffAgent(ctx, 'admin');
    await postForm(admin, '/admin/plans/new', '/admin/plans', PRO);
    const id = (await ctx.db('plans').where({ slug: 'pro-mensuel' }).first('id')).id;
    const first = await postForm(admin, '/admin/plans', `/admin/plans/${id}/deactivate`, {});
    expect(first.status).to.equal(200);
    expect(textOf(first.text)).to.include('ne sera plus proposée');
    expect(Boolean((await ctx.db('plans').where({ id }).first()).is_active)).to.equal(true);
    expect((await confirm(admin, `/admin/plans/${id}/deactivate`, first)).status).to.equal(303);
    expect(Boolean((await ctx.db('plans').where({ id }).first()).is_active)).to.equal(false);
    expect((await postForm(admin, '/admin/plans', `/admin/plans/${id}/activate`, {})).status).to.equal(303);
    expect(Boolean((await ctx.db('plans').where({ id }).first()).is_active)).to.equal(true);
    expect((await auditRows(ctx, 'plan.deactivated')).length).to.equal(1);

    const support = await staffAgent(ctx, 'support');
    const list = (await support.get('/admin/plans').expect(200)).text;
    expect(list).not.to.include('/activate"').and.not.to.include('/admin/plans/new');
    const form = (await support.get(`/admin/plans/${id}`).expect(200)).text;
    expect(form).to.include('<fieldset disabled>');
    await support.get('/admin/plans/new').expect(403);
    expect((await postForm(support, '/admin/plans', '/admin/plans', PRO)).status).to.equal(403);
  });

  it('shows the seller notice until the seller identity is configured', async () => {
    const admin = await staffAgent(ctx, 'admin');
    for (const path of ['/admin', '/admin/plans']) expect((await admin.get(path).expect(200)).text).to.include('id="seller-notice"');
    const seller = { BILLING_SELLER_NAME: 'Artisan ND SAS', BILLING_SELLER_ADDRESS: '1 rue X, Lyon', BILLING_SELLER_SIRET: '12345678900012' };
    const configured = await createTestContext({ env: seller });
    try {
      const other = await staffAgent(configured, 'admin');
      for (const path of ['/admin', '/admin/plans']) expect((await other.get(path).expect(200)).text).not.to.include('id="seller-notice"');
    } finally {
      await configured.close();
    }
  });
});
