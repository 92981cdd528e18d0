/**
 * /admin/promotions: support reads the list (search, pages, empty state) and a code's page; admin creates, edits (the code
 * fixed), deactivates after a confirmation and activates, each audited; hostile input re-renders the form (422); a code's
 * uses, revenue and discount given as its invoices show them.
 */
import { expect } from 'chai';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import type { PromotionFields } from '../../../src/billing/index.js';
import { insertedId } from '../../../src/platform/db.js';
import { createAccount, mails } from '../../helpers/accounts.js';
import { auditRows, confirm, postForm, staffAgent, textOf } from '../../helpers/billing-admin.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { waitFor } from '../../helpers/wait.js';

const FORM = {
  code: 'ete-2026', name: 'Été 2026', kind: 'percentage', value: '15', currency: '', min_amount: '', max_uses: '100', max_uses_per_customer: '1',
  applies_to: 'first', starts_on: '2026-11-01', ends_on: '2027-01-31', is_active: 'yes',
};
const FIELDS: PromotionFields = {
  code: 'X', name: 'X', kind: 'percentage', value: 1000, currency: null, maxUses: null, maxUsesPerCustomer: 1, appliesTo: 'first', startsOn: null,
  endsOn: null, isActive: true, autoApply: false, newCustomersOnly: false, minAmount: 0, planIds: [],
};

describe('/admin/promotions', function () {
  this.timeout(60000);
  let ctx: TestContext;
  let plan: number;
  beforeEach(async () => {
    ctx = await createTestContext();
    const now = ctx.clock.now().toISOString();
    plan = insertedId(await ctx.db('plans').insert({
      slug: 'pro', name_fr: 'Professionnel', name_en: 'Professional', type: 'monthly', price: 10000, currency: 'EUR', billing_cycle: 'month',
      limits: JSON.stringify({ units_per_period: 300 }), is_active: true, is_public: true, created_at: now, updated_at: now,
    }).returning('id'));
  });
  afterEach(async () => { await ctx.close(); });

  it('shows the empty state, creates a code limited to a plan (upper-cased), lists it and audits the creation', async () => {
    const admin = await staffAgent(ctx, 'admin');
    expect(textOf((await admin.get('/admin/promotions').expect(200)).text)).to.include('Aucun code promotionnel pour le moment.');
    const res = await postForm(admin, '/admin/promotions/new', '/admin/promotions', { ...FORM, [`plan_${plan}`]: 'yes' });
    expect(res.status, textOf(res.text).slice(0, 400)).to.equal(303);
    const list = textOf((await admin.get('/admin/promotions').expect(200)).text);
    expect(list).to.include('ETE-2026 Été 2026').and.include('15 %').and.include('Premier paiement').and.include('0 / 100');
    const row = await ctx.db('promotions').where({ code: 'ETE-2026' }).first();
    expect([Number(row.value), row.starts_on, row.ends_on, Number(row.max_uses)]).to.deep.equal([1500, '2026-11-01', '2027-01-31', 100]);
    expect((await ctx.db('promotion_plans').select('plan_id')).map((r) => Number(r.plan_id))).to.deep.equal([plan]);
    expect((await auditRows(ctx, 'promotion.created')).map((r) => r.summary)[0]).to.match(/^ETE-2026 \(percentage, 15 %\): Été 2026$/);
    const again = await postForm(admin, '/admin/promotions/new', '/admin/promotions', { ...FORM, code: 'Ete-2026' });
    expect(again.status).to.equal(422);
    expect(textOf(again.text)).to.include('Ce code existe déjà.');
  });

  it('re-renders the form with field errors for hostile input and writes nothing', async () => {
    const admin = await staffAgent(ctx, 'admin');
    const cases: [Record<string, string>, string][] = [
      [{ value: '150' }, 'au plus 100'],
      [{ value: '0' }, 'au plus 100'],
      [{ value: '-5' }, 'au plus 100'],
      [{ kind: 'fixed', currency: 'EUR', value: '-5' }, 'ne peut pas être négatif'],
      [{ kind: 'fixed', currency: 'EUR', value: '90071992547409,92' }, 'trop grand'],
      [{ kind: 'fixed', currency: 'XOF', value: '10,5' }, 'trop de décimales'],
      [{ kind: 'fixed', currency: '', value: '10' }, 'Choisissez la devise'],
      [{ code: 'a b' }, '3 à 32 caractères'],
      [{ code: 'x'.repeat(40) }, '3 à 32 caractères'],
      [{ starts_on: '2026-02-30' }, 'date valide'],
      [{ ends_on: '2026-10-01' }, 'ne peut pas précéder'],
      [{ max_uses: '1.5' }, 'nombre entier'],
      [{ plan_999999: 'yes' }, 'n’existe pas'],
      [{ applies_to: 'toujours' }, 'à quelles factures'],
    ];
    for (const [change, message] of cases) {
      const res = await postForm(admin, '/admin/promotions/new', '/admin/promotions', { ...FORM, ...change });
      expect(res.status, JSON.stringify(change)).to.equal(422);
      expect(textOf(res.text), JSON.stringify(change)).to.include(message);
    }
    expect((await postForm(admin, '/admin/promotions/new', '/admin/promotions', { ...FORM, code: 'AB\u0001C' })).status).to.equal(400);
    expect(Number((await ctx.db('promotions').count({ n: '*' }).first())!.n)).to.equal(0);
  });

  it('edits every field but the code, deactivates after a confirmation and activates again, each audited', async () => {
    const admin = await staffAgent(ctx, 'admin');
    const id = await ctx.handle.billing.promotions.create({ ...FIELDS, code: 'NOEL', name: 'Noël' }, SYSTEM_ACTOR);
    const form = textOf((await admin.get(`/admin/promotions/${id}`).expect(200)).text);
    expect(form).to.include('le code ne change plus une fois créé').and.include('Ce code n’a encore été utilisé sur aucune facture.');
    const saved = await postForm(admin, `/admin/promotions/${id}`, `/admin/promotions/${id}`,
      { ...FORM, code: 'AUTRE', name: 'Noël 2026', kind: 'fixed', value: '5,00', currency: 'EUR' });
    expect(saved.status).to.equal(303);
    const row = await ctx.db('promotions').where({ id }).first();
    expect([row.code, row.name, row.kind, Number(row.value), row.currency]).to.deep.equal(['NOEL', 'Noël 2026', 'fixed', 500, 'EUR']);
    expect((await auditRows(ctx, 'promotion.updated'))[0]!.summary).to.match(/^NOEL: .*name.*kind.*value/);
    const asked = await postForm(admin, '/admin/promotions', `/admin/promotions/${id}/deactivate`, {});
    expect(asked.status).to.equal(200);
    expect(textOf(asked.text)).to.include('Désactiver le code NOEL ?');
    expect(Boolean((await ctx.db('promotions').where({ id }).first()).is_active)).to.equal(true);
    expect((await confirm(admin, `/admin/promotions/${id}/deactivate`, asked)).status).to.equal(303);
    expect(Boolean((await ctx.db('promotions').where({ id }).first()).is_active)).to.equal(false);
    expect(textOf((await admin.get('/admin/promotions').expect(200)).text)).to.include('Code NOEL désactivé.').and.include('Inactif');
    expect((await postForm(admin, '/admin/promotions', `/admin/promotions/${id}/activate`, {})).status).to.equal(303);
    expect(Boolean((await ctx.db('promotions').where({ id }).first()).is_active)).to.equal(true);
    expect((await auditRows(ctx, 'promotion.deactivated')).length + (await auditRows(ctx, 'promotion.activated')).length).to.equal(2);
  });

  it('lets support read the list and a code read-only, never act', async () => {
    const id = await ctx.handle.billing.promotions.create({ ...FIELDS, code: 'LECTURE', name: 'Lecture' }, SYSTEM_ACTOR);
    const support = await staffAgent(ctx, 'support');
    const list = await support.get('/admin/promotions').expect(200);
    expect(list.text).to.include('LECTURE').and.not.include('href="/admin/promotions/new"');
    const page = await support.get(`/admin/promotions/${id}`).expect(200);
    expect(page.text).to.include('<fieldset disabled>');
    await support.get('/admin/promotions/new').expect(403);
    expect((await postForm(support, '/admin/promotions', `/admin/promotions/${id}/deactivate`, { confirm: 'yes' })).status).to.equal(403);
  });

  it('searches by code or name and pages by 50', async () => {
    for (let i = 0; i < 52; i += 1) {
      await ctx.handle.billing.promotions.create({ ...FIELDS, code: `LOT-${String(i).padStart(3, '0')}`, name: i === 7 ? 'Salon du livre' : `Lot ${i}` },
        SYSTEM_ACTOR);
    }
    const admin = await staffAgent(ctx, 'admin');
    const first = textOf((await admin.get('/admin/promotions').expect(200)).text);
    expect(first).to.include('52 résultats').and.include('LOT-051').and.not.include('LOT-001 ');
    expect(textOf((await admin.get('/admin/promotions?page=2').expect(200)).text)).to.include('LOT-001').and.include('LOT-000');
    const found = textOf((await admin.get('/admin/promotions?q=salon').expect(200)).text);
    expect(found).to.include('LOT-007').and.include('1 résultat').and.not.include('LOT-008');
    expect(textOf((await admin.get('/admin/promotions?q=zzz').expect(200)).text)).to.include('Aucun résultat');
    await admin.get('/admin/promotions/99999999999').expect(404);
  });

  it('shows per code the uses, the revenue HT after discount and the discount given', async () => {
    const id = await ctx.handle.billing.promotions.create({ ...FIELDS, code: 'STATS', name: 'Stats', value: 2500, maxUses: 10 }, SYSTEM_ACTOR);
    for (const email of ['s1@imprimerie.fr', 's2@imprimerie.fr']) {
      const account = await createAccount(ctx, email);
      await ctx.handle.subscriptions.subscribe(account, plan, SYSTEM_ACTOR, 'STATS');
    }
    // The partners' mails leave after commit: the last ones of each checkout, before this context's folder goes.
    await waitFor(async () => (await mails(ctx)).filter((m) => m.subject === 'Code promotionnel STATS appliqué').length === 2, { what: 'the mails' });
    const admin = await staffAgent(ctx, 'admin');
    // Each: 100,00 € − 25 % = 75,00 € HT; two invoices: 150,00 € revenue HT, 50,00 € discount.
    const list = textOf((await admin.get('/admin/promotions').expect(200)).text);
    expect(list).to.include('2 / 10 150,00 € 50,00 €');
    const page = textOf((await admin.get(`/admin/promotions/${id}`).expect(200)).text);
    expect(page).to.include('Utilisations 2 / 10').and.include('Chiffre d’affaires HT 150,00 €').and.include('Remise accordée HT 50,00 €')
      .and.include('FA-2026-000001').and.include('Premier paiement 25,00 €');
    const inv = await ctx.db('invoices').where({ number: 'FA-2026-000001' }).first('id');
    expect(textOf((await admin.get(`/admin/invoices/${inv.id}`).expect(200)).text)).to.include('Remise HT : −25,00 €').and.include('75,00 €');
  });
});
