/**
 * /admin/billing over HTTP: the figures staff read after real subscriptions
 * went through the billing services (subscribe, staff record payments, the
 * daily job ends a trial, staff cancel one): MRR with a monthly and an
 * annual plan, churn after a cancellation, trial → paid conversion, the
 * per-plan retention, the CSV of each table, bad periods, and who may read.
 */
import { expect } from 'chai';
import request from 'supertest';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import { insertedId } from '../../../src/platform/db.js';
import { createAccount, loginAgent } from '../../helpers/accounts.js';
import { staffAgent, textOf } from '../../helpers/billing-admin.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { csvBody, parseCsv } from '../../helpers/csv.js';
import type { Agent } from '../../helpers/forms.js';

const DAY = 86_400;

describe('GET /admin/billing (billing dashboard)', function () {
  this.timeout(60000);
  let ctx: TestContext;
  let support: Agent;
  const plans: Record<string, number> = {};

  async function plan(slug: string, fields: Record<string, unknown>): Promise<number> {
    const now = ctx.clock.now().toISOString();
    return insertedId(await ctx.db('plans').insert({
      slug, name_fr: `Formule ${slug}`, name_en: `Plan ${slug}`, type: 'monthly', price: 4900, currency: 'EUR', billing_cycle: 'month',
      limits: JSON.stringify({ units_per_period: 100 }), is_active: true, is_public: true, created_at: now, updated_at: now, ...fields,
    }).returning('id'));
  }

  /** A partner (on the legacy plan, as createAccount makes them) who subscribes to `planId` and, unless a trial, pays the invoice. */
  async function subscriber(email: string, planId: number): Promise<number> {
    const id = await createAccount(ctx, email);
    const { invoice } = await ctx.handle.subscriptions.subscribe(id, planId, SYSTEM_ACTOR);
    if (invoice) await pay(invoice.id, invoice.amountDue);
    return id;
  }

  async function pay(invoiceId: number, amount: number): Promise<void> {
    await ctx.handle.billing.payments.recordManual(invoiceId, {
      amount, method: 'bank_transfer', reference: `VIR-${invoiceId}`, date: ctx.clock.now().toISOString().slice(0, 10), idempotencyKey: `dash-pay-${invoiceId}`,
    }, SYSTEM_ACTOR);
  }

  const row = (html: string, id: string): string => textOf(new RegExp(`<tr id="${id}">[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '').trim();

  before(async () => {
    ctx = await createTestContext();
    plans.pro = await plan('pro', {});
    plans.annual = await plan('annuel', { type: 'annual', price: 48000, billing_cycle: 'year' });
    plans.trial = await plan('essai', { trial_days: 14 });
    support = await staffAgent(ctx, 'support');
  });
  after(async () => { await ctx.close(); });

  it('gives MRR and ARR from a monthly and an annual plan (annual ÷ 12), ARPU per partner, and support reads it', async () => {
    await subscriber('mensuel@imprimerie.fr', plans.pro!);
    await subscriber('annuel@imprimerie.fr', plans.annual!);
    const page = await support.get('/admin/billing').expect(200);
    // 49,00 € + 480,00 € ÷ 12 = 89,00 € a month; ARR 12 × 89 = 1 068,00 €; two paying partners: 44,50 € each.
    expect(textOf(/<span class="stat-value" id="stat-mrr-EUR">[^<]*/.exec(page.text)![0])).to.match(/89,00\s€/);
    expect(row(page.text, 'summary-arr')).to.match(/1\s068,00\s€/);
    expect(row(page.text, 'summary-arpu')).to.match(/44,50\s€/);
    expect(row(page.text, 'summary-paying_subscriptions')).to.contain('2');
    expect(row(page.text, 'mrr-EUR-2026-11')).to.match(/^2026-11 0,00\s€ 89,00\s€ 0,00\s€ 0,00\s€ 0,00\s€ 0,00\s€ 89,00\s€ —$/);
    expect(row(page.text, 'plan-annuel-EUR')).to.match(/^Formule annuel 1 40,00\s€ 1 480,00\s€ —$/);
    expect(page.text).to.contain('src="/vendor/chart.js/chart.umd.min.js"').and.contain('id="mrr-chart-EUR"').and.not.contain('<script>');
    expect(page.text).to.contain('id="promotions-empty"');
  });

  it('counts a cancellation as churn and a trial paid at its end as a conversion, month by month', async () => {
    const cancelled = await subscriber('resilie@imprimerie.fr', plans.pro!);
    const trial = await subscriber('essai@imprimerie.fr', plans.trial!);
    // Nov 29 (trial end − 7): the daily job issues the first invoice; the partner pays it.
    ctx.clock.advance(7 * DAY);
    await ctx.handle.billingRun.run('2026-11-29');
    const [first] = await ctx.handle.billing.invoices.ofAccount(trial);
    await pay(first!.id, first!.amountDue);
    // Dec 5: staff cancel one subscription now; Dec 6: the trial ends, paid: active.
    ctx.clock.advance(6 * DAY);
    const sub = (await ctx.handle.subscriptions.current(cancelled)).current!;
    await ctx.handle.subscriptions.cancelNow(sub.id, SYSTEM_ACTOR);
    ctx.clock.advance(DAY);
    await ctx.handle.billingRun.run('2026-12-06');
    expect((await ctx.handle.subscriptions.current(trial)).current!.state).to.equal('active');
    support = await loginAgent(ctx, 'support@artisan-nd.test'); // two weeks later: a new session

    const page = await support.get('/admin/billing').expect(200);
    // November: 49 + 40 + 49 new; December: 49 new (the trial), 49 churned (the cancellation) out of 138.
    expect(row(page.text, 'mrr-EUR-2026-11')).to.match(/0,00\s€ 138,00\s€ 0,00\s€ 0,00\s€ 0,00\s€ 0,00\s€ 138,00\s€ —/);
    expect(row(page.text, 'mrr-EUR-2026-12')).to.match(/138,00\s€ 49,00\s€ 0,00\s€ 0,00\s€ 0,00\s€ 49,00\s€ 138,00\s€ 35,5\s%/);
    // December: 3 partners paid at its start, 1 lost; 1 trial ended, paid. 4 new subscriptions in November.
    expect(row(page.text, 'activity-2026-12')).to.match(/^2026-12 3 0 3 1 33,3\s% 1 1 100\s%$/);
    expect(row(page.text, 'activity-2026-11')).to.match(/^2026-11 3 4 0 0 — 0 0 —$/);
    expect(row(page.text, 'period-logo-churn')).to.match(/33,3\s%/);
    expect(row(page.text, 'period-conversion')).to.match(/100\s%.*1 essais sur 1/);
    // Today: 49 + 40 + 49 = 138 € MRR for 3 partners: ARPU 46 €, LTV 46 € ÷ (1/3) = 138 €.
    expect(row(page.text, 'summary-mrr')).to.match(/138,00\s€/);
    expect(row(page.text, 'summary-arpu')).to.match(/46,00\s€/);
    expect(row(page.text, 'summary-ltv')).to.match(/138,00\s€/);
    // Revenue: 49 + 480 + 49 (Nov 22) + 49 (the trial's invoice, Nov 29) HT.
    expect(row(page.text, 'revenue-EUR-2026-11')).to.match(/627,00\s€ 0,00\s€ 627,00\s€/);
    expect(row(page.text, 'plan-pro-EUR')).to.match(/Formule pro 1 49,00\s€ 2 98,00\s€ —/);
    expect(row(page.text, 'plan-essai-EUR')).to.match(/Formule essai 1 49,00\s€ 1 49,00\s€ —/);
  });

  it('gives each plan’s retention over a chosen period (months in the display time zone)', async () => {
    const page = await support.get('/admin/billing?from=2026-12&to=2026-12').expect(200);
    expect(page.text).to.contain('value="2026-12"');
    expect(page.text).not.to.contain('id="mrr-EUR-2026-11"');
    // Paying on Dec 1: the two "pro" subscriptions and the annual one; one "pro" was cancelled on Dec 5.
    expect(row(page.text, 'plan-pro-EUR')).to.match(/50\s% \(1 sur 2\)/);
    expect(row(page.text, 'plan-annuel-EUR')).to.match(/100\s% \(1 sur 1\)/);
  });

  it('answers each table as CSV with the same numbers', async () => {
    const mrr = parseCsv(csvBody(await support.get('/admin/billing?format=csv&table=mrr&sep=comma').expect(200).expect('content-type', /text\/csv/)));
    expect(mrr.find((r) => r.month === '2026-12')).to.deep.equal({
      month: '2026-12', currency: 'EUR', opening_mrr: '138.00', new: '49.00', expansion: '0.00', reactivation: '0.00', contraction: '0.00', churn: '49.00',
      closing_mrr: '138.00', revenue_churn_pct: '35.5',
    });
    expect(mrr).to.have.length(12);
    const summary = parseCsv(csvBody(await support.get('/admin/billing?format=csv&table=summary').expect(200)), ';');
    expect(summary.find((r) => r.metric === 'arr')).to.deep.equal({ metric: 'arr', currency: 'EUR', value: '1656.00' });
    expect(summary.find((r) => r.metric === 'logo_churn_pct')!.value).to.equal('33.3');
    const activity = parseCsv(csvBody(await support.get('/admin/billing?format=csv&table=activity&sep=comma').expect(200)));
    expect(activity.find((r) => r.month === '2026-12')).to.include({
      churned_partners: '1', trials_ended: '1', trials_converted: '1', trial_conversion_pct: '100.0',
    });
    const plansCsv = parseCsv(csvBody(await support.get('/admin/billing?format=csv&table=plans&from=2026-12&to=2026-12&sep=comma').expect(200)));
    expect(plansCsv.find((r) => r.plan === 'pro')).to.include({ paying_subscriptions: '1', mrr: '49.00', paying_at_start: '2', still_paying: '1',
      retention_pct: '50.0' });
    const revenue = parseCsv(csvBody(await support.get('/admin/billing?format=csv&table=revenue&sep=comma').expect(200)));
    expect(revenue.find((r) => r.month === '2026-11')).to.deep.equal({ month: '2026-11', currency: 'EUR', invoiced_ht: '627.00', credited_ht: '0.00',
      net_ht: '627.00' });
  });

  it('refuses a bad period with the field’s error and shows the last twelve months', async () => {
    const bad = await support.get('/admin/billing?from=2026-13&to=2026-12').expect(422);
    expect(bad.text).to.contain('Indiquez un mois au format AAAA-MM').and.contain('aria-invalid="true"').and.contain('id="mrr-EUR-2026-12"');
    const reversed = await support.get('/admin/billing?from=2026-12&to=2026-01&lang=en').expect(422);
    expect(reversed.text).to.contain('The last month must not come before the first.');
    expect((await support.get('/admin/billing?from=2020-01&to=2026-12&lang=fr').expect(422)).text).to.contain('Choisissez 60 mois au plus.');
    // An unknown table or format is the page, not an error.
    expect((await support.get('/admin/billing?format=csv&table=secrets').expect(200)).text).to.contain('id="summary-table"');
  });

  it('is staff only: partners get 403, visitors the login page', async () => {
    await createAccount(ctx, 'curieux@imprimerie.fr');
    const partner = await loginAgent(ctx, 'curieux@imprimerie.fr');
    await partner.get('/admin/billing').expect(403);
    await request(ctx.app).get('/admin/billing').expect(303).expect('location', /\/subscription\/login/);
    const admin = await staffAgent(ctx, 'admin');
    expect((await admin.get('/admin/billing?lang=en').expect(200)).text).to.contain('Billing dashboard').and.match(/€138\.00/);
  });

  it('shows uses, revenue and discount per promotion code', async () => {
    await ctx.handle.billing.promotions.create({
      code: 'BIENVENUE', name: 'Bienvenue', kind: 'percentage', value: 1000, currency: null, maxUses: null, maxUsesPerCustomer: 1, appliesTo: 'first',
      startsOn: null, endsOn: null, isActive: true, autoApply: false, newCustomersOnly: false, minAmount: 0, planIds: [],
    }, SYSTEM_ACTOR);
    const id = await createAccount(ctx, 'promo@imprimerie.fr');
    const { invoice } = await ctx.handle.subscriptions.subscribe(id, plans.pro!, SYSTEM_ACTOR, 'BIENVENUE');
    await pay(invoice!.id, invoice!.amountDue);
    const promo = Number((await ctx.db('promotions').where({ code: 'BIENVENUE' }).first('id'))!.id);
    const page = await support.get('/admin/billing').expect(200);
    // 49,00 € − 10 %: 44,10 € HT invoiced, 4,90 € given; one checkout.
    expect(row(page.text, `promotion-${promo}-EUR`)).to.match(/^BIENVENUE 1 1 44,10\s€ 4,90\s€$/);
    const csv = parseCsv(csvBody(await support.get('/admin/billing?format=csv&table=promotions&sep=comma').expect(200)));
    expect(csv).to.deep.equal([{ code: 'BIENVENUE', currency: 'EUR', uses: '1', invoices: '1', revenue_ht: '44.10', discount: '4.90' }]);
  });
});
