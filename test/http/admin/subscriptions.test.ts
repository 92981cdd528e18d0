/**
 * /admin/subscriptions: the list (search, state filter, empty state, CSV) and the detail page, and the staff
 * actions of the seed's flow 4: extending a due date (the daily job, driven by the test clock, then counts the
 * dunning from the new date), suspend now and reactivate, pause and resume (no invoice while paused, the days
 * left given back), cancel now. Each action writes its event and audit rows; each is refused with its reason in
 * a state that does not allow it; suspend, pause and cancel are confirmed first; support reads and acts on nothing.
 */
import { expect } from 'chai';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import { loginAgent } from '../../helpers/accounts.js';
import { auditRows, confirm, postForm, staffAgent, textOf } from '../../helpers/billing-admin.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { csvLines } from '../../helpers/csv.js';
import type { Agent } from '../../helpers/forms.js';
import { paidPlan, payingPartner, runOn as runJob, stateOf } from '../../helpers/subscriptions.js';

const SELLER = { BILLING_SELLER_NAME: 'Artisan ND SAS', BILLING_SELLER_ADDRESS: '12 rue des Imprimeurs, 69001 Lyon', BILLING_SELLER_SIRET: '12345678900012' };

describe('/admin/subscriptions', function () {
  this.timeout(120000);
  let ctx: TestContext;
  let admin: Agent;
  let plan: number;
  beforeEach(async () => {
    ctx = await createTestContext({ env: SELLER });
    admin = await staffAgent(ctx, 'admin');
    plan = await paidPlan(ctx, { name_fr: 'Professionnel', name_en: 'Professional', slug: 'pro' });
  });
  afterEach(async () => { await ctx.close(); });

  /** Post action `action` of subscription `id` from its page; with `confirmed`, answer the confirmation page too. */
  async function act(agent: Agent, id: number, action: string, fields: Record<string, string> = {}, confirmed = false) {
    const first = await postForm(agent, `/admin/subscriptions/${id}`, `/admin/subscriptions/${id}/${action}`, fields);
    if (!confirmed || first.status !== 200) return first;
    expect(textOf(first.text), `${action} asks first`).to.match(/\?/);
    return confirm(agent, `/admin/subscriptions/${id}/${action}`, first);
  }
  /** The daily job on `day`; the admin signs in again (a session ends after days of the test clock). */
  const runOn = async (_: TestContext, day: string): Promise<void> => {
    await runJob(ctx, day);
    admin = await loginAgent(ctx, 'admin@artisan-nd.test');
  };
  const page = async (id: number): Promise<string> => textOf((await admin.get(`/admin/subscriptions/${id}`).expect(200)).text);
  const events = async (id: number) => (await ctx.handle.subscriptions.events(id)).map((e) => `${e.event} ${e.fromState ?? ''}>${e.toState}`);

  it('lists subscriptions by partner or plan and state, with an empty state and a CSV, and shows one with its snapshot', async () => {
    const { subId } = await payingPartner(ctx, 'atelier@imprimerie-centre.fr', plan);
    await payingPartner(ctx, 'garage@exemple.fr', plan);
    const all = textOf((await admin.get('/admin/subscriptions').expect(200)).text);
    expect(all).to.include('atelier@imprimerie-centre.fr').and.include('garage@exemple.fr').and.include('Professionnel').and.include('100,00 €');
    const found = textOf((await admin.get('/admin/subscriptions?q=ATELIER').expect(200)).text);
    expect(found).to.include('atelier@imprimerie-centre.fr').and.not.include('garage@exemple.fr');
    expect(textOf((await admin.get('/admin/subscriptions?q=professionnel&state=active').expect(200)).text)).to.include('garage@exemple.fr');
    expect(textOf((await admin.get('/admin/subscriptions?state=past_due').expect(200)).text)).to.include('Aucun résultat pour ces filtres.');
    expect(textOf((await admin.get('/admin/subscriptions?state=nonsense&page=99999999').expect(200)).text)).to.match(/\d résultats Aucun résultat\./);
    const csv = csvLines(await admin.get('/admin/subscriptions?format=csv&sep=comma&state=active').expect(200));
    expect(csv[0]).to.equal('id,partner_email,company,plan,state,price,currency,cycle,period_start,period_end,created_at');
    expect(csv.filter((l) => l.includes(',pro,active,100.00,EUR,month,2026-11-22,2026-12-22,'))).to.have.length(2);

    // A price change reaches new subscriptions only: the page shows the snapshot and the plan's price today.
    await ctx.db('plans').where({ id: plan }).update({ price: 12000 });
    const shown = await page(subId);
    expect(shown).to.include('Abonnement n° ' + subId).and.include('100,00 € par mois').and.include('Prix actuel de la formule 120,00 €');
    expect(shown).to.include('du 22 novembre 2026 au 22 décembre 2026').and.include('Prochaine échéance 22 décembre 2026')
      .and.include('Unités par période 500');
    expect(shown).to.include('FA-2026-000001').and.include('Payée').and.include('Abonnement activé').and.include('Avoir disponible 0,00 €');
    // "Offer credit" opens the credit form with the partner and the currency filled in.
    const detail = (await admin.get(`/admin/subscriptions/${subId}`).expect(200)).text;
    const link = /id="credit-link" href="([^"]+)"|href="([^"]+)" id="credit-link"/.exec(detail)!;
    const credits = (await admin.get((link[1] ?? link[2])!.replace(/&amp;/g, '&').split('#')[0]!).expect(200)).text;
    expect(credits).to.include('value="atelier@imprimerie-centre.fr"');
    await admin.get('/admin/subscriptions/999999').expect(404);
    await admin.get('/admin/subscriptions/abc').expect(404);
  });

  it('extends the due date of an overdue invoice: active again, and the daily job counts the dunning from the new date', async () => {
    const { accountId, subId } = await payingPartner(ctx, 'atelier@imprimerie-centre.fr', plan);
    await runOn(ctx, '2026-12-15'); // P-7: the renewal invoice, due 2026-12-22
    await runOn(ctx, '2026-12-22'); // due: past_due
    expect(await stateOf(ctx, subId)).to.equal('past_due');
    const [renewal] = (await ctx.handle.billing.invoices.ofAccount(accountId)).filter((i) => i.status === 'overdue');
    expect(renewal!.dueDate).to.equal('2026-12-22');
    expect(await page(subId)).to.include('Prochaine relance relance J+3 le 25 décembre 2026');

    const refusals: [Record<string, string>, string][] = [
      [{ invoice_id: String(renewal!.id), due_date: '2026-12-20' }, 'postérieur à aujourd’hui'],
      [{ invoice_id: String(renewal!.id), due_date: '2027-12-31' }, 'dans les 180 jours'],
      [{ invoice_id: String(renewal!.id), due_date: '2027-02-30' }, 'postérieur à aujourd’hui'],
      [{ invoice_id: '999999', due_date: '2027-01-05' }, 'Choisissez une facture impayée'],
      [{ invoice_id: '-1', due_date: '2027-01-05' }, 'Choisissez une facture impayée'],
      [{ invoice_id: String(renewal!.id), due_date: '2027-01-05', reason: 'x'.repeat(501) }, '500 caractères'],
    ];
    for (const [fields, message] of refusals) {
      const res = await act(admin, subId, 'extend', fields);
      expect(res.status, JSON.stringify(fields)).to.equal(422);
      expect(textOf(res.text)).to.include(message);
    }
    const done = await act(admin, subId, 'extend', { invoice_id: String(renewal!.id), due_date: '2027-01-05', reason: 'Accord téléphonique' });
    expect(done.status).to.equal(303);
    const shown = await page(subId);
    expect(shown).to.include('L’échéance est reportée').and.include('Actif').and.include('échéance reportée du 22 décembre 2026 au 5 janvier 2027');
    expect(shown).to.include('Prochaine échéance 5 janvier 2027').and.include('Accord téléphonique');
    expect((await ctx.handle.billing.invoices.byId(renewal!.id))!.status).to.equal('open');
    expect((await events(subId)).at(-1)).to.equal('due_extended past_due>active');
    const audit = await auditRows(ctx, 'subscription.due_extended');
    expect(audit).to.have.length(1);
    expect(audit[0]!.summary).to.include(renewal!.number!).and.include('2027-01-05');

    // The old dates pass without a step; J0, J+14 and J+30 count from 2027-01-05.
    const steps = async () => (await ctx.db('billing_steps').where({ subscription_id: subId }).orderBy('id').select('period', 'step'))
      .map((r: { period: string; step: string }) => `${r.period}/${r.step}`);
    for (let d = 23; d <= 31; d += 1) await runOn(ctx, `2026-12-${d}`);
    for (let d = 1; d <= 4; d += 1) await runOn(ctx, `2027-01-0${d}`);
    expect(await stateOf(ctx, subId)).to.equal('active');
    expect((await steps()).filter((s) => /^2026-12-22\/(due|dunning_3|dunning_7|suspend|cancel)$/.test(s))).to.deep.equal(['2026-12-22/due']);
    await runOn(ctx, '2027-01-05'); // the old J+14: would have suspended; the new J0 makes it past_due
    expect(await stateOf(ctx, subId)).to.equal('past_due');
    await runOn(ctx, '2027-01-18');
    expect(await stateOf(ctx, subId)).to.equal('past_due');
    await runOn(ctx, '2027-01-19'); // new J+14
    expect(await stateOf(ctx, subId)).to.equal('suspended');
    await runOn(ctx, '2027-02-04'); // new J+30
    expect(await stateOf(ctx, subId)).to.equal('cancelled');
    expect((await steps()).filter((s) => s.startsWith('2027-01-05/'))).to.include.members(['2027-01-05/due', '2027-01-05/suspend', '2027-01-05/cancel']);
    const refused = await act(admin, subId, 'extend', { invoice_id: String(renewal!.id), due_date: '2027-03-01' });
    expect(refused.status).to.equal(409);
    expect(textOf(refused.text)).to.include('Seul un abonnement actif, en essai, en retard de paiement ou suspendu');
  });

  it('suspends a past-due subscription after its confirmation and reactivates it; refuses each action in a state that does not allow it', async () => {
    const { subId } = await payingPartner(ctx, 'atelier@imprimerie-centre.fr', plan);
    for (const [action, message] of [['suspend', 'Seul un abonnement en retard'], ['reactivate', 'Seul un abonnement suspendu'],
      ['resume', 'Seul un abonnement en pause']] as const) {
      const res = await act(admin, subId, action, { confirm: 'yes' });
      expect(res.status, action).to.equal(409);
      expect(textOf(res.text), action).to.include(message);
    }
    await runOn(ctx, '2026-12-15');
    await runOn(ctx, '2026-12-22');
    const paused = await act(admin, subId, 'pause', { confirm: 'yes' });
    expect(paused.status).to.equal(409);
    expect(textOf(paused.text)).to.include('Seul un abonnement actif peut être mis en pause');
    const badReason = await act(admin, subId, 'suspend', { reason: 'y'.repeat(600) });
    expect(badReason.status).to.equal(422);

    const first = await act(admin, subId, 'suspend', { reason: 'Trois relances sans réponse' });
    expect(first.status).to.equal(200);
    expect(textOf(first.text)).to.include('Suspendre l’abonnement ?').and.include('atelier@imprimerie-centre.fr');
    expect(await stateOf(ctx, subId)).to.equal('past_due');
    expect((await confirm(admin, `/admin/subscriptions/${subId}/suspend`, first)).status).to.equal(303);
    expect(await stateOf(ctx, subId)).to.equal('suspended');
    expect(await page(subId)).to.include('L’abonnement n° ' + subId + ' est suspendu').and.include('Trois relances sans réponse');
    expect((await act(admin, subId, 'reactivate', { reason: 'Paiement promis' })).status).to.equal(303);
    expect(await stateOf(ctx, subId)).to.equal('active');
    expect((await events(subId)).slice(-2)).to.deep.equal(['suspended past_due>suspended', 'reactivated suspended>active']);
    const audit = await auditRows(ctx, 'subscription.reactivated');
    expect(audit.map((a) => a.targetId)).to.deep.equal([String(subId)]);
    expect((await auditRows(ctx, 'subscription.suspended'))).to.have.length(1);

    // Reactivating is an override: the invoice is still unpaid and its dunning goes on (J+14 does not suspend an active one, J+30 cancels).
    await runOn(ctx, '2027-01-05');
    expect(await stateOf(ctx, subId)).to.equal('active');
    await runOn(ctx, '2027-01-21');
    expect(await stateOf(ctx, subId)).to.equal('cancelled');
    const again = await act(admin, subId, 'cancel', { confirm: 'yes' });
    expect(again.status).to.equal(409);
    expect(textOf(again.text)).to.include('Cet abonnement est déjà terminé');
  });

  it('pauses an active subscription (confirmed): no invoice while paused; resuming gives the days back; cancels now after confirmation', async () => {
    const { accountId, subId } = await payingPartner(ctx, 'atelier@imprimerie-centre.fr', plan);
    await runOn(ctx, '2026-11-25');
    const first = await act(admin, subId, 'pause', { reason: 'Fermeture pour travaux' });
    expect(textOf(first.text)).to.include('Mettre l’abonnement en pause ?');
    expect((await confirm(admin, `/admin/subscriptions/${subId}/pause`, first)).status).to.equal(303);
    expect(await stateOf(ctx, subId)).to.equal('paused');
    for (const day of ['2026-12-15', '2026-12-22', '2027-01-05']) await runOn(ctx, day);
    expect((await ctx.handle.billing.invoices.ofAccount(accountId))).to.have.length(1);
    expect(await ctx.db('billing_steps').where({ subscription_id: subId }).count({ n: '*' }).first().then((r) => Number(r!.n))).to.equal(0);

    await runOn(ctx, '2027-01-10');
    expect((await act(admin, subId, 'resume', {})).status).to.equal(303);
    // Paused on 2026-11-25 with 27 days left (to 2026-12-22): the period now ends 27 days after 2027-01-10.
    expect(await page(subId)).to.include('au 6 février 2027').and.include('Abonnement repris');
    expect((await ctx.handle.subscriptions.byId(subId))!.periodEnd).to.equal('2027-02-06');
    await runOn(ctx, '2027-01-30');
    const renewal = (await ctx.handle.billing.invoices.ofAccount(accountId)).find((i) => i.status === 'open')!;
    expect(renewal.dueDate).to.equal('2027-02-06');
    const unpaid = await act(admin, subId, 'pause', { confirm: 'yes' });
    expect(unpaid.status).to.equal(409);
    expect(textOf(unpaid.text)).to.include('est impayée');
    await ctx.handle.billing.payments.recordManual(renewal.id, { amount: renewal.amountDue, method: 'cash', reference: '', date: '2027-01-30',
      idempotencyKey: 'renewal-paid-early' }, SYSTEM_ACTOR);
    const issued = await act(admin, subId, 'pause', { confirm: 'yes' });
    expect(issued.status).to.equal(409);
    expect(textOf(issued.text)).to.include('déjà émise');

    const cancel = await act(admin, subId, 'cancel', { reason: 'Demande du partenaire' });
    expect(textOf(cancel.text)).to.include('Résilier l’abonnement ?').and.include('définitif');
    expect(cancel.text).to.include('btn-danger');
    expect((await confirm(admin, `/admin/subscriptions/${subId}/cancel`, cancel)).status).to.equal(303);
    expect(await stateOf(ctx, subId)).to.equal('cancelled');
    expect((await events(subId)).filter((e) => /^(paused|resumed|cancelled) /.test(e))).to.deep.equal([
      'paused active>paused', 'resumed paused>active', 'cancelled active>cancelled',
    ]);
    for (const action of ['subscription.paused', 'subscription.resumed', 'subscription.cancelled']) {
      expect(await auditRows(ctx, action), action).to.have.length(1);
    }
    expect(await page(subId)).to.not.include('id="cancel-form"');
  });

  it('lets support read every page and act on nothing; superadmin acts too', async () => {
    const { subId } = await payingPartner(ctx, 'atelier@imprimerie-centre.fr', plan);
    const support = await staffAgent(ctx, 'support');
    const shown = await support.get(`/admin/subscriptions/${subId}`).expect(200);
    expect(shown.text).to.include('Professionnel').and.not.include('id="pause-form"').and.not.include('id="cancel-form"');
    expect(textOf(shown.text)).to.include('permet seulement de consulter');
    await support.get('/admin/subscriptions').expect(200);
    for (const action of ['extend', 'suspend', 'reactivate', 'pause', 'resume', 'cancel']) {
      const res = await postForm(support, `/admin/subscriptions/${subId}`, `/admin/subscriptions/${subId}/${action}`, { confirm: 'yes' });
      expect(res.status, action).to.equal(403);
    }
    expect(await stateOf(ctx, subId)).to.equal('active');
    const superadmin = await staffAgent(ctx, 'superadmin');
    expect((await act(superadmin, subId, 'pause', {}, true)).status).to.equal(303);
    expect(await stateOf(ctx, subId)).to.equal('paused');
  });
});
