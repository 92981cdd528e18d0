/**
 * The confirmation step of a recharge as a browser lives it: the form's
 * answer is a redirect to a confirmation page (post/redirect/get), so Back
 * after confirming shows that page again instead of re-posting the form; a
 * used confirmation says so; a second recharge of the same installation
 * within 10 minutes needs an explicit "yes, again"; "Modifier" goes back to
 * the form filled in.
 */
import { expect } from 'chai';
import { createAccount, csrfOf, loginAgent } from '../helpers/accounts.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import type { Agent } from '../helpers/forms.js';
import { credit, newInstallation, prepare, recharge } from '../helpers/recharge.js';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const count = async (ctx: TestContext, table: string) => Number((await ctx.db(table).count({ n: '*' }).first())!.n);

describe('POST /subscription/recharge and the confirmation page', () => {
  let ctx: TestContext;
  let partnerId: number;
  let agent: Agent;
  beforeEach(async () => {
    ctx = await createTestContext();
    partnerId = await createAccount(ctx, 'p@example.fr');
    await credit(ctx, partnerId, 1000);
    agent = await loginAgent(ctx, 'p@example.fr');
  });
  afterEach(async () => ctx.close());

  /** Post the form as the browser does; returns the raw answer (no redirect followed). */
  async function postForm(fields: Record<string, string>) {
    const csrf = await csrfOf(agent, '/subscription/recharge');
    return agent.post('/subscription/recharge').field('_csrf', csrf).field('installation_code', fields.installation_code ?? '')
      .field('customer', fields.customer ?? 'Client').field('units', fields.units ?? '10').field('expires_in_days', fields.expires_in_days ?? '30');
  }

  it('answers the form with a redirect to a confirmation page that shows the same confirmation each time', async () => {
    const inst = newInstallation();
    const res = await postForm({ installation_code: inst.code, customer: 'Boulangerie Martin', units: '40' });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.match(new RegExp(`^/subscription/recharge/confirm/${UUID}$`));
    const id = String(res.headers.location).split('/').pop()!;
    for (let i = 0; i < 2; i++) {
      const page = await agent.get(String(res.headers.location)).expect(200).expect('Cache-Control', /no-store/);
      expect(page.text).to.contain('Confirmer la recharge').and.contain(inst.formatted).and.contain('Boulangerie Martin').and.contain('<strong>960</strong>');
      expect(page.text).to.contain(`name="confirm_id" value="${id}"`);
    }
    expect(await count(ctx, 'recharges'), 'nothing written before confirmation').to.equal(0);
    // Another partner cannot open it.
    await createAccount(ctx, 'other@example.fr');
    const other = await loginAgent(ctx, 'other@example.fr');
    const foreign = await other.get(String(res.headers.location));
    expect(foreign.status).to.equal(303);
    expect(foreign.headers.location).to.equal('/subscription/recharge');
  });

  it('after confirming, Back shows "already recorded" with a link to the recharge, and confirming again debits nothing', async () => {
    const inst = newInstallation();
    const p = await prepare(agent, { installation_code: inst.code, customer: 'Boulangerie Martin', units: '40' });
    const done = await agent.post('/subscription/recharge/confirm').type('form').send(p.confirm).expect(303);
    const id = String(done.headers.location).split('/').pop()!;
    expect(id).to.equal(p.confirm.confirm_id);

    const back = await agent.get(p.location).expect(200);
    expect(back.text).to.contain('Cette recharge est déjà enregistrée').and.contain(`href="/subscription/recharges/${id}"`);
    expect(back.text).to.not.contain('name="confirm_id"');
    const again = await agent.post('/subscription/recharge/confirm').type('form').send(p.confirm);
    expect(again.status).to.equal(303);
    expect(again.headers.location).to.equal(`/subscription/recharges/${id}`);
    expect(await count(ctx, 'recharges')).to.equal(1);
    expect(await ctx.handle.ledger.balance(partnerId)).to.equal(960);
  });

  it('asks for an explicit "yes, again" before recharging the same installation twice within 10 minutes', async () => {
    const inst = newInstallation();
    await recharge(agent, inst, 100, 'Boulangerie Martin');
    expect(await ctx.handle.ledger.balance(partnerId)).to.equal(900);

    // The browser's Back re-posts the form: a new confirmation, which shows the recharge just made.
    const p = await prepare(agent, { installation_code: inst.code, customer: 'Boulangerie Martin', units: '100' });
    expect(p.status).to.equal(200);
    expect(p.text).to.contain('Cette installation a déjà été rechargée il y a moins de 10 minutes').and.contain('100 unités pour Boulangerie Martin');
    expect(p.text).to.contain('name="again" value="yes"').and.contain('Oui, recharger encore');
    const refused = await agent.post('/subscription/recharge/confirm').type('form').send(p.confirm);
    expect(refused.status).to.equal(409);
    expect(refused.text).to.contain('Cochez « Oui, recharger encore »').and.contain('name="again" value="yes"');
    expect(await count(ctx, 'recharges')).to.equal(1);
    expect(await ctx.handle.ledger.balance(partnerId)).to.equal(900);

    const confirmed = await agent.post('/subscription/recharge/confirm').type('form').send({ ...p.confirm, again: 'yes' });
    expect(confirmed.status).to.equal(303);
    expect(await count(ctx, 'recharges')).to.equal(2);
    expect(await ctx.handle.ledger.balance(partnerId)).to.equal(800);

    // Ten minutes later, no question.
    ctx.clock.advance(10 * 60 + 1);
    const later = await prepare(agent, { installation_code: inst.code, units: '1' });
    expect(later.text).to.not.contain('name="again"');
    await agent.post('/subscription/recharge/confirm').type('form').send(later.confirm).expect(303);
    expect(await ctx.handle.ledger.balance(partnerId)).to.equal(799);
  });

  it('"Modifier" goes back to the form with the code, customer, units and validity filled in', async () => {
    const inst = newInstallation();
    const customer = 'Boulangerie "Martin" & fils';
    const p = await prepare(agent, { installation_code: inst.formatted.toLowerCase(), customer, units: '42', expires_in_days: '60' });
    const id = p.confirm.confirm_id!;
    const link = /<a class="btn btn-secondary" href="([^"]+)">Modifier<\/a>/.exec(p.text)?.[1];
    expect(link).to.equal(`/subscription/recharge?edit=${id}`);
    const form = (await agent.get(link!).expect(200)).text;
    expect(form).to.contain(`value="${inst.formatted}"`).and.contain('value="Boulangerie &#34;Martin&#34; &amp; fils"');
    expect(form).to.contain('value="42"').and.contain('value="60"');
    // An unknown or foreign id gives the empty form.
    const empty = (await agent.get('/subscription/recharge?edit=00000000-0000-4000-8000-000000000000').expect(200)).text;
    expect(empty).to.contain('id="installation_code" name="installation_code" type="text" value=""').and.contain('value="30"');
    expect(empty).to.not.contain(inst.formatted);
  });

  it('"Modifier" after a request file shows the code the file gave', async () => {
    const inst = newInstallation();
    const csrf = await csrfOf(agent, '/subscription/recharge');
    const requestFile = Buffer.from(JSON.stringify({ v: 1, installation: inst.code, product: 'artisan_nd', app_version: '0.1.0' }));
    const res = await agent.post('/subscription/recharge').field('_csrf', csrf).field('installation_code', '').field('customer', 'Garage Dupont')
      .field('units', '7').field('expires_in_days', '30').attach('request_file', requestFile, { filename: 'demande.json', contentType: 'application/json' });
    expect(res.status).to.equal(303);
    const id = String(res.headers.location).split('/').pop()!;
    const form = (await agent.get(`/subscription/recharge?edit=${id}`).expect(200)).text;
    expect(form).to.contain(`value="${inst.formatted}"`).and.contain('value="Garage Dupont"').and.contain('value="7"');
  });

  it('refuses a confirmation when the subscription was suspended after the page was shown: nothing debited, no key file', async () => {
    const inst = newInstallation();
    const p = await prepare(agent, { installation_code: inst.code, customer: 'Boulangerie Martin', units: '40' });
    expect(p.status).to.equal(200);
    // The gate the controller checked has passed; the subscription is suspended before the service's transaction reads it.
    const sub = (await ctx.handle.subscriptions.current(partnerId)).current!;
    await ctx.db('subscriptions').where({ id: sub.id }).update({ state: 'suspended' });
    const confirm = { installationCode: inst.code, customer: 'Boulangerie Martin', units: 40, expiresInDays: 30, confirmId: p.confirm.confirm_id! };
    const account = (await ctx.handle.accounts.byId(partnerId))!;
    const actor = { id: partnerId, email: 'p@example.fr', ip: null, userAgent: null };
    const err = await ctx.handle.recharges.confirm(account, confirm, actor).then(() => null, (e: unknown) => e);
    expect(err).to.have.property('code', 'SUBSCRIPTION_INACTIVE');
    expect(await count(ctx, 'recharges')).to.equal(0);
    expect(await ctx.handle.ledger.balance(partnerId)).to.equal(1000);
    // Through the form: the gated page with the link to the billing page.
    const res = await agent.post('/subscription/recharge/confirm').type('form').send(p.confirm).expect(409);
    expect(res.text).to.contain('recharge-gate').and.contain('href="/subscription/billing"');
  });
});
