/**
 * Customers' license renewals and expiry reminders: the daily job mails
 * J-30, J-7 and J-1 before a license of a paid order expires, once each even
 * when run twice; the renewal (at the offer's renewal price) moves the expiry
 * on from the later of today and the current expiry once paid, keeping the
 * activated machine, also for a license that expired a few days ago.
 */
import { expect } from 'chai';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import { createAccount, csrfOf, loginAgent, mails } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { fieldValue } from '../../helpers/forms.js';
import { activate, machine, post } from '../../helpers/licenses.js';
import { listEasyFacture, type ShopFixture } from '../../helpers/shop.js';
import { runOn } from '../../helpers/subscriptions.js';

const DAY = 86_400_000;

describe('customer license renewals and expiry reminders (/orders/:id/renew, the daily job)', function () {
  this.timeout(30000);
  let ctx: TestContext;
  let shop: ShopFixture;
  before(async () => {
    ctx = await createTestContext();
    shop = await listEasyFacture(ctx);
  });
  after(async () => { await ctx.close(); });

  const day = (d: Date) => d.toISOString().slice(0, 10);
  const payOrder = async (orderId: number) => {
    const o = (await ctx.handle.shop.orders.byId(orderId))!;
    const inv = (await ctx.handle.billing.invoices.byId(o.invoiceId))!;
    await ctx.handle.billing.payments.recordManual(inv.id, { amount: inv.amountDue, method: 'bank_transfer', reference: inv.number!, date: day(ctx.clock.now()),
      idempotencyKey: `renewal-test-${o.id}` }, SYSTEM_ACTOR);
  };
  /** `email` buys one annual seat, paid, and activates its key on a machine: the order id, license id, machine and token. */
  async function activeLicense(email: string) {
    const account = await createAccount(ctx, email, 'customer');
    const { order } = await ctx.handle.shop.orders.place(account, shop.annual, 1, `buy-${email.replace(/\W/g, '-')}`, 'fr', SYSTEM_ACTOR);
    await payOrder(order.id);
    const [key] = await ctx.handle.shop.orders.keys((await ctx.handle.shop.orders.byId(order.id))!);
    const box = machine();
    const { license_key: token } = await activate(ctx, key!.code, box, email);
    const license = (await ctx.db('licenses').where({ machine_id: box }).first()) as { id: number; expires_at: string };
    return { order: order.id, license: license.id, expires: new Date(license.expires_at), box, token };
  }
  const expiry = async (id: number) => new Date(((await ctx.db('licenses').where({ id }).first('expires_at')) as { expires_at: string }).expires_at);
  const subjects = async (to: string) => (await mails(ctx)).filter((m) => m.to === to).map((m) => m.subject);

  it('mails J-30, J-7 and J-1 once each, then renews from the expiry at the renewal price keeping the machine', async () => {
    const l = await activeLicense('rappel@client.fr');
    for (const before of [30, 7, 1]) {
      await runOn(ctx, day(new Date(l.expires.getTime() - before * DAY)));
      await runOn(ctx, day(new Date(l.expires.getTime() - before * DAY))); // the same day again: nothing more
    }
    const got = await subjects('rappel@client.fr');
    expect(got.filter((s) => /expire/.test(s))).to.deep.equal(['Votre licence expire dans 30 jours', 'Votre licence expire dans 7 jours',
      'Votre licence expire demain']);

    const agent = await loginAgent(ctx, 'rappel@client.fr');
    expect((await agent.get(`/orders/${l.order}`).expect(200)).text).to.contain('id="renew-link"');
    const form = (await agent.get(`/orders/${l.order}/renew`).expect(200)).text;
    expect(form).to.contain('Renouvellement — EasyFacture').and.match(/25,00\s€/).and.match(/30,00\s€/);
    const csrf = await csrfOf(agent, `/orders/${l.order}/renew`);
    const res = await agent.post(`/orders/${l.order}/renew`).type('form').send({ _csrf: csrf, key: fieldValue(form, 'key') }).expect(303);
    const renewal = Number(res.headers.location!.split('/').pop());
    expect(await expiry(l.license)).to.deep.equal(l.expires); // nothing before payment
    await payOrder(renewal);
    expect((await expiry(l.license)).getTime()).to.equal(l.expires.getTime() + 365 * DAY);
    expect((await agent.get(`/orders/${renewal}`).expect(200)).text).to.contain('Renouvellement de la').and.contain('Payée');
    const v = await post(ctx, '/api/v1/licenses/validate', { license_key: l.token, machine_id: l.box }).expect(200);
    expect(v.body).to.include({ valid: true });
    expect(await subjects('rappel@client.fr')).to.include('Vos licences EasyFacture sont renouvelées');
  });

  it('renews a license that expired three days ago from today, keeping its activations', async () => {
    const l = await activeLicense('expire@client.fr');
    ctx.clock.advance((l.expires.getTime() - ctx.clock.now().getTime()) / 1000 + 3 * 86400);
    const account = (await ctx.handle.accounts.byEmail('expire@client.fr'))!;
    const { order } = await ctx.handle.shop.orders.placeRenewal(account.id, l.order, 'renew-expired-1', 'fr', SYSTEM_ACTOR);
    await payOrder(order.id);
    const now = ctx.clock.now().getTime();
    expect(Math.abs((await expiry(l.license)).getTime() - (now + 365 * DAY))).to.be.below(1000);
    const activations = await ctx.db('license_activations').where({ license_id: l.license }).count({ n: '*' }).first() as { n: unknown };
    expect(Number(activations.n)).to.equal(1);
    const lifetime = await ctx.handle.shop.orders.place(account.id, shop.lifetime, 1, 'lifetime-1', 'fr', SYSTEM_ACTOR);
    await payOrder(lifetime.order.id);
    let refused: unknown;
    try { await ctx.handle.shop.orders.renewalPreview(account.id, lifetime.order.id, 'fr'); } catch (e) { refused = e; }
    expect(refused).to.have.property('fields').that.deep.equals({ form: 'shop:renew.not_renewable' });
  });
});
