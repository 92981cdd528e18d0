/**
 * "Release this device" on a customer's license keys (POST /licenses/release),
 * the support link of a TOO_MANY_ACTIVATIONS refusal and the renewal address
 * of a license bought in the shop: the released machine is refused at its next
 * validation while another computer takes the seat (the same key activated
 * again, or another machine of a multi-machine license), at most
 * SHOP_RELEASES_PER_MONTH releases per order and month, another customer's
 * order a 404.
 */
import { expect } from 'chai';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import { createAccount, csrfOf, loginAgent } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { activate, HIGH_LIMITS, machine, makeBatch, makeProduct, post } from '../../helpers/licenses.js';
import { listEasyFacture, type ShopFixture } from '../../helpers/shop.js';

type Agent = Awaited<ReturnType<typeof loginAgent>>;

describe('POST /licenses/release and the license API\'s support_url and renewal_url', function () {
  this.timeout(30000);
  let ctx: TestContext;
  let shop: ShopFixture;
  let multiOffer: number;
  before(async () => {
    ctx = await createTestContext({ env: HIGH_LIMITS });
    shop = await listEasyFacture(ctx);
    // A product that runs on two machines a license, sold in the shop too.
    const multi = await makeProduct(ctx, 'multipos', { max_activations: 2 });
    const { catalogue } = ctx.handle.shop;
    await catalogue.saveListing(multi, { titleFr: 'MultiPOS', titleEn: 'MultiPOS', descriptionFr: 'Caisse', descriptionEn: 'Till', category: 'Caisse',
      thumbnail: null, releaseProduct: null, downloadsPublic: false, published: true, displayOrder: 2 }, SYSTEM_ACTOR);
    multiOffer = await catalogue.saveOffer(multi, null, { code: 'annual', nameFr: 'Annuelle', nameEn: 'Annual', licenseType: 'annual', durationDays: 365,
      price: 5000, renewalPrice: 4000, currency: 'EUR', seatBased: true, maxSeats: 5, isActive: true, displayOrder: 1 }, SYSTEM_ACTOR);
  });
  after(async () => { await ctx.close(); });

  const validate = (token: string, box: string) => post(ctx, '/api/v1/licenses/validate', { license_key: token, machine_id: box }).expect(200);

  /** `email` (a new customer) buys one seat of `offer`, paid by transfer: the order id, its key and a logged-in agent. */
  async function bought(email: string, offer = shop.annual): Promise<{ order: number; code: string; agent: Agent }> {
    const account = await createAccount(ctx, email, 'customer');
    const { order } = await ctx.handle.shop.orders.place(account, offer, 1, `buy-${email.replace(/\W/g, '-')}`, 'fr', SYSTEM_ACTOR);
    const inv = (await ctx.handle.billing.invoices.byId(order.invoiceId))!;
    await ctx.handle.billing.payments.recordManual(inv.id, { amount: inv.amountDue, method: 'bank_transfer', reference: inv.number!,
      date: ctx.clock.now().toISOString().slice(0, 10), idempotencyKey: `devices-${order.id}` }, SYSTEM_ACTOR);
    const [key] = await ctx.handle.shop.orders.keys((await ctx.handle.shop.orders.byId(order.id))!);
    return { order: order.id, code: key!.code, agent: await loginAgent(ctx, email) };
  }

  /** Submit the release form of `box` shown on `page` (it must be there); the response to follow. */
  async function release(agent: Agent, page: string, order: number, box: string) {
    const html = (await agent.get(page).expect(200)).text;
    expect(html).to.contain(`name="machine_id" value="${box}"`);
    return agent.post('/licenses/release').type('form')
      .send({ _csrf: await csrfOf(agent, page), order, machine_id: box, from: page === '/licenses' ? 'licenses' : 'order' });
  }

  it('releases the key\'s own machine: that machine is refused and a new computer activates the same key with the same expiry', async () => {
    const { order, code, agent } = await bought('poste@client.fr');
    const old = machine();
    const first = await activate(ctx, code, old, 'poste@client.fr');
    const res = await release(agent, `/orders/${order}`, order, old);
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal(`/orders/${order}`);
    const page = (await agent.get(`/orders/${order}`).expect(200)).text;
    expect(page).to.contain(`Le poste ${old} est libéré : saisissez la clé sur le nouvel ordinateur`).and.contain('Pas encore activée');

    expect((await validate(first.license_key, old)).body).to.include({ valid: false, error: 'LICENSE_REVOKED' });
    const box = machine();
    const second = await activate(ctx, code, box, 'poste@client.fr');
    expect(second.expires_at).to.equal(first.expires_at);
    expect((await validate(second.license_key, box)).body).to.include({ valid: true });
    expect((await agent.get(`/orders/${order}`).expect(200)).text).to.contain(box).and.not.contain(old);
  });

  it('frees another machine\'s seat of a two-machine license: refused once released, a third takes the seat; a full license names support', async () => {
    const { order, code, agent } = await bought('multi@client.fr', multiOffer);
    const own = machine();
    const { license_key: token } = await activate(ctx, code, own, 'multi@client.fr');
    const second = machine();
    const third = machine();
    expect((await validate(token, second)).body).to.include({ valid: true });
    const full = (await validate(token, third)).body as Record<string, unknown>;
    const license = (await ctx.db('licenses').where({ machine_id: own }).first('id')) as { id: number };
    expect(full).to.include({ valid: false, error: 'TOO_MANY_ACTIVATIONS', support_url: `${ctx.config.baseUrl}/support/tickets/new?license=${license.id}` });
    const form = (await agent.get(`/support/tickets/new?license=${license.id}`).expect(200)).text;
    expect(form).to.match(new RegExp(`<option value="${license.id}"[^>]*selected`));

    const res = await release(agent, '/licenses', order, second);
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal('/licenses');
    expect((await agent.get('/licenses').expect(200)).text).to.contain(`Le poste ${second} est libéré : un autre ordinateur peut prendre sa place`);
    expect((await validate(token, second)).body).to.include({ valid: false, error: 'MACHINE_MISMATCH' });
    expect((await validate(token, third)).body).to.include({ valid: true });
    expect((await validate(token, own)).body).to.include({ valid: true });
  });

  it('allows SHOP_RELEASES_PER_MONTH releases an order a month (UTC), then shows why not and refuses, until the next month', async () => {
    expect(ctx.config.shop.releasesPerMonth).to.equal(3);
    // The releases must not straddle a month's end: start on the first day of a month.
    const now = ctx.clock.now();
    ctx.clock.advance((Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1, 8) - now.getTime()) / 1000);
    const { order, code, agent } = await bought('limite@client.fr');
    let box = machine();
    let token = (await activate(ctx, code, box, 'limite@client.fr')).license_key;
    for (let i = 0; i < 3; i++) {
      expect((await release(agent, `/orders/${order}`, order, box)).status).to.equal(303);
      box = machine();
      token = (await activate(ctx, code, box, 'limite@client.fr')).license_key;
    }
    const page = (await agent.get(`/orders/${order}`).expect(200)).text;
    expect(page).to.contain('la limite de 3 libérations par mois pour cette commande est atteinte').and.not.contain('name="machine_id"');
    const csrf = await csrfOf(agent, `/orders/${order}`);
    await agent.post('/licenses/release').type('form').send({ _csrf: csrf, order, machine_id: box, from: 'order' }).expect(303);
    expect((await agent.get(`/orders/${order}`).expect(200)).text).to.contain('Libération refusée : la limite de libérations de ce mois-ci');
    expect((await validate(token, box)).body).to.include({ valid: true });

    ctx.clock.advance(31 * 86400);
    const again = await loginAgent(ctx, 'limite@client.fr'); // the session has expired meanwhile
    expect((await release(again, `/orders/${order}`, order, box)).status).to.equal(303);
    expect((await validate(token, box)).body).to.include({ valid: false, error: 'LICENSE_REVOKED' });
  });

  it('shows on /licenses each order\'s own keys, machines and monthly releases when the customer has several orders', async () => {
    const now = ctx.clock.now();
    ctx.clock.advance((Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1, 8) - now.getTime()) / 1000);
    const first = await bought('deux-commandes@client.fr');
    const account = Number(((await ctx.db('accounts').where({ email: 'deux-commandes@client.fr' }).first('id')) as { id: unknown }).id);
    const { order: placed } = await ctx.handle.shop.orders.place(account, shop.annual, 1, 'buy-second-order', 'fr', SYSTEM_ACTOR);
    const inv = (await ctx.handle.billing.invoices.byId(placed.invoiceId))!;
    await ctx.handle.billing.payments.recordManual(inv.id, { amount: inv.amountDue, method: 'bank_transfer', reference: inv.number!,
      date: ctx.clock.now().toISOString().slice(0, 10), idempotencyKey: `devices-${placed.id}` }, SYSTEM_ACTOR);
    const [secondKey] = await ctx.handle.shop.orders.keys((await ctx.handle.shop.orders.byId(placed.id))!);
    let boxA = machine();
    await activate(ctx, first.code, boxA, 'deux-commandes@client.fr');
    for (let i = 0; i < 3; i++) {
      expect((await release(first.agent, '/licenses', first.order, boxA)).status).to.equal(303);
      boxA = machine();
      await activate(ctx, first.code, boxA, 'deux-commandes@client.fr');
    }
    const boxB = machine();
    await activate(ctx, secondKey!.code, boxB, 'deux-commandes@client.fr');
    const rows = (await first.agent.get('/licenses').expect(200)).text.split('<tr>');
    const rowA = rows.find((r) => r.includes(boxA))!;
    const rowB = rows.find((r) => r.includes(boxB))!;
    expect(rowA).to.contain(`href="/orders/${first.order}"`).and.contain(`value="${first.code}"`).and.contain('la limite de 3 libérations par mois')
      .and.not.contain('name="machine_id"').and.not.contain(boxB);
    expect(rowB).to.contain(`href="/orders/${placed.id}"`).and.contain(`value="${secondKey!.code}"`).and.contain(`name="machine_id" value="${boxB}"`)
      .and.contain(`name="order" value="${placed.id}"`).and.not.contain('release-limit').and.not.contain(boxA);
  });

  it('answers 404 for another customer\'s order or a machine that is not on the order, and releases nothing', async () => {
    const victim = await bought('victime@client.fr');
    const box = machine();
    const { license_key: token } = await activate(ctx, victim.code, box, 'victime@client.fr');
    const thief = await bought('voleur@client.fr');
    const csrf = await csrfOf(thief.agent, '/licenses');
    await thief.agent.post('/licenses/release').type('form').send({ _csrf: csrf, order: victim.order, machine_id: box }).expect(404);
    await thief.agent.post('/licenses/release').type('form').send({ _csrf: csrf, order: thief.order, machine_id: box }).expect(404);
    await thief.agent.post('/licenses/release').type('form').send({ _csrf: csrf, order: thief.order, machine_id: 'not-a-machine' }).expect(404);
    expect((await validate(token, box)).body).to.include({ valid: true });
  });

  it('sends an expired license of a product sold in the shop to /licenses, and keeps another product\'s renewal_url', async () => {
    const { code } = await bought('expiree@client.fr');
    const shopBox = machine();
    const shopLicense = await activate(ctx, code, shopBox, 'expiree@client.fr');
    await makeProduct(ctx, 'horsboutique', { renewal_url: 'https://vendeur.example/renouveler' });
    const [other] = await makeBatch(ctx, 'horsboutique', 'annual', 1);
    const otherBox = machine();
    const otherLicense = await activate(ctx, other!, otherBox, 'autre@client.fr');
    ctx.clock.advance(800 * 86400);
    expect((await validate(shopLicense.license_key, shopBox)).body).to.include({ valid: false, error: 'LICENSE_EXPIRED',
      renewal_url: `${ctx.config.baseUrl}/licenses` });
    expect((await validate(otherLicense.license_key, otherBox)).body).to.include({ valid: false, error: 'LICENSE_EXPIRED',
      renewal_url: 'https://vendeur.example/renouveler' });
  });
});
