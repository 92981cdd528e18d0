/**
 * The customer API over HTTP: a customer creates an API token at
 * /account/tokens (shown once, never again), the desktop program reads the
 * customer's license keys (with the machine once activated through the
 * license API) and orders with it; a revoked token is a 401, a staff token a
 * 403, a customer token is refused by the admin API, and no customer ever
 * sees another's data or tokens.
 */
import { expect } from 'chai';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import { createAccount, csrfOf, loginAgent, request } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { activate, apiToken, machine } from '../../helpers/licenses.js';
import { listEasyFacture, type ShopFixture } from '../../helpers/shop.js';

type Agent = Awaited<ReturnType<typeof loginAgent>>;
const TOKEN = /value="(andc_[A-Za-z0-9_-]{43})"/;

describe('customer API tokens (/account/tokens) and the customer API (/api/users/me/*)', function () {
  this.timeout(30000);
  let ctx: TestContext;
  let shop: ShopFixture;
  before(async () => {
    ctx = await createTestContext();
    shop = await listEasyFacture(ctx);
  });
  after(async () => { await ctx.close(); });

  const me = (path: string, token?: string) => {
    const req = request(ctx.app).get(`/api/users/me/${path}`);
    return token === undefined ? req : req.set('Authorization', `Bearer ${token}`);
  };
  /** A customer logged in, and an order of `quantity` annual seats, paid when `paid`. */
  async function customerWithOrder(email: string, quantity: number, paid: boolean): Promise<{ agent: Agent; orderId: number }> {
    const id = await createAccount(ctx, email, 'customer');
    const { order } = await ctx.handle.shop.orders.place(id, shop.annual, quantity, `order-${email.replace(/\W/g, '-')}`, 'fr', SYSTEM_ACTOR);
    if (paid) await pay(order.id);
    return { agent: await loginAgent(ctx, email), orderId: order.id };
  }
  /** Pay order `orderId`'s invoice by transfer, as staff record it. */
  async function pay(orderId: number): Promise<void> {
    const inv = (await ctx.handle.billing.invoices.byId((await ctx.handle.shop.orders.byId(orderId))!.invoiceId))!;
    await ctx.handle.billing.payments.recordManual(inv.id, { amount: inv.amountDue, method: 'bank_transfer', reference: inv.number!,
      date: ctx.clock.now().toISOString().slice(0, 10), idempotencyKey: `pay-order-${orderId}` }, SYSTEM_ACTOR);
  }
  /** Create a token named `name` from the page: the token shown on the answer. */
  async function createToken(agent: Agent, name: string): Promise<string> {
    const csrf = await csrfOf(agent, '/account/tokens');
    const res = await agent.post('/account/tokens').type('form').send({ _csrf: csrf, name }).expect(200);
    expect(res.headers['cache-control']).to.equal('no-store');
    return TOKEN.exec(res.text)![1]!;
  }

  it('creates a token from the page, shows it once, lists it by name, and the API answers the keys with the machine after activation', async () => {
    const { agent, orderId } = await customerWithOrder('api@client.fr', 2, true);
    const empty = (await agent.get('/account/tokens').expect(200)).text;
    expect(empty).to.contain('Jetons d’API').and.contain('Aucun jeton pour le moment');
    const csrf = await csrfOf(agent, '/account/tokens');
    const bad = await agent.post('/account/tokens').type('form').send({ _csrf: csrf, name: '  ' }).expect(422);
    expect(bad.text).to.contain('Indiquez un nom pour ce jeton').and.not.match(TOKEN);

    const created = await agent.post('/account/tokens').type('form').send({ _csrf: csrf, name: 'Poste <atelier>' }).expect(200);
    expect(created.text).to.contain('il ne sera plus jamais affiché').and.contain('Poste &lt;atelier&gt;');
    const token = TOKEN.exec(created.text)![1]!;
    expect(created.text).to.contain(`Authorization: Bearer ${token}`);
    const list = (await agent.get('/account/tokens').expect(200)).text;
    expect(list).to.contain('Poste &lt;atelier&gt;').and.contain('Jamais').and.not.contain(token).and.not.match(/andc_/);

    const before = await me('licenses', token).expect(200);
    expect(before.headers['cache-control']).to.equal('no-store');
    const keys = before.body.data as { key: string; state: string; machines: unknown[] }[];
    expect(keys).to.have.length(2);
    expect(keys[0]).to.deep.equal({ key: keys[0]!.key, product_sku: 'easyfacture', order_id: orderId, state: 'unused', license_type: 'annual',
      expires_at: null, machines: [] });
    const box = machine();
    await activate(ctx, keys[0]!.key, box, 'api@client.fr');
    type Key = { key: string; state: string; expires_at: string; machines: { machine_id: string }[] };
    const after = (await me('licenses', token).expect(200)).body.data as Key[];
    const active = after.find((k) => k.key === keys[0]!.key)!;
    expect(active.state).to.equal('active');
    expect(active.expires_at).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(active.machines.map((m) => m.machine_id)).to.deep.equal([box]);
    expect(after.find((k) => k.key === keys[1]!.key)).to.deep.include({ state: 'unused', machines: [] });
    expect((await agent.get('/account/tokens').expect(200)).text).to.contain('Poste &lt;atelier&gt;').and.not.contain('Jamais');
  });

  it('lists the customer\'s orders, pending and paid, with invoice number and total in minor units', async () => {
    const { agent, orderId } = await customerWithOrder('commandes@client.fr', 1, false);
    const token = await createToken(agent, 'Comptabilité');
    const pending = (await me('orders', token).expect(200)).body.data as Record<string, unknown>[];
    const o = (await ctx.handle.shop.orders.byId(orderId))!;
    const inv = (await ctx.handle.billing.invoices.byId(o.invoiceId))!;
    expect(pending).to.deep.equal([{ id: orderId, status: 'pending', product_sku: 'easyfacture', offer_code: 'annual', quantity: 1,
      invoice_number: inv.number, total_ttc: 3480, currency: 'EUR', created_at: (pending[0]!).created_at, paid_at: null }]);
    expect((await me('licenses', token).expect(200)).body.data).to.deep.equal([]);

    await pay(orderId);
    const paid = (await me('orders', token).expect(200)).body.data as Record<string, unknown>[];
    expect(paid[0]).to.include({ id: orderId, status: 'paid' });
    expect(paid[0]!.paid_at).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect((await me('licenses', token).expect(200)).body.data).to.have.length(1);
  });

  it('answers 401 in the JSON envelope without a token, with an unknown one, and once the customer revoked it after confirming', async () => {
    const { agent } = await customerWithOrder('revoque@client.fr', 1, true);
    const token = await createToken(agent, 'Ancien poste');
    const refused = [await me('orders').expect(401), await me('orders', `andc_${'x'.repeat(43)}`).expect(401), await me('licenses', 'nonsense').expect(401)];
    for (const res of refused) {
      expect(res.body).to.include({ success: false, error: 'UNAUTHORIZED' });
      expect(res.headers['www-authenticate']).to.equal('Bearer');
    }
    await me('licenses', token).expect(200);

    const id = /action="\/account\/tokens\/(\d+)\/revoke"/.exec((await agent.get('/account/tokens').expect(200)).text)![1]!;
    const csrf = await csrfOf(agent, '/account/tokens');
    const confirm = await agent.post(`/account/tokens/${id}/revoke`).type('form').send({ _csrf: csrf }).expect(200);
    expect(confirm.text).to.contain('Révoquer ce jeton ?').and.contain('Ancien poste');
    await me('licenses', token).expect(200); // not revoked before the confirmation
    await agent.post(`/account/tokens/${id}/revoke`).type('form').send({ _csrf: csrf, confirm: 'yes' }).expect(303).expect('location', '/account/tokens');
    const page = (await agent.get('/account/tokens').expect(200)).text;
    expect(page).to.contain('Le jeton « Ancien poste » est révoqué').and.contain('Aucun jeton pour le moment');
    const res = await me('licenses', token).expect(401);
    expect(res.body).to.include({ success: false, error: 'UNAUTHORIZED' }).and.have.keys('success', 'error', 'message', 'details', 'timestamp', 'request_id');
  });

  it('never shows another customer\'s orders, keys or tokens, and refuses revoking another\'s token', async () => {
    const a = await customerWithOrder('alice@client.fr', 1, true);
    const b = await customerWithOrder('bob@client.fr', 1, true);
    const tokenA = await createToken(a.agent, 'Jeton Alice');
    const tokenB = await createToken(b.agent, 'Jeton Bob');
    const ordersB = (await me('orders', tokenB).expect(200)).body.data as { id: number }[];
    expect(ordersB.map((o) => o.id)).to.deep.equal([b.orderId]);
    const keysA = (await me('licenses', tokenA).expect(200)).body.data as { key: string; order_id: number }[];
    const keysB = (await me('licenses', tokenB).expect(200)).body.data as { key: string; order_id: number }[];
    expect(keysA.map((k) => k.order_id)).to.deep.equal([a.orderId]);
    expect(keysB.map((k) => k.order_id)).to.deep.equal([b.orderId]);
    expect(keysB.map((k) => k.key)).to.not.include(keysA[0]!.key);

    const pageB = (await b.agent.get('/account/tokens').expect(200)).text;
    expect(pageB).to.contain('Jeton Bob').and.not.contain('Jeton Alice');
    const idA = /action="\/account\/tokens\/(\d+)\/revoke"/.exec((await a.agent.get('/account/tokens').expect(200)).text)![1]!;
    const csrf = await csrfOf(b.agent, '/account/tokens');
    await b.agent.post(`/account/tokens/${idA}/revoke`).type('form').send({ _csrf: csrf, confirm: 'yes' }).expect(404);
    await me('licenses', tokenA).expect(200);
  });

  it('answers 403 to a staff token, refuses a customer token at the admin API, and keeps the token pages for customers', async () => {
    const admin = await apiToken(ctx, 'chef@artisan-nd.test');
    for (const path of ['licenses', 'orders']) {
      const res = await me(path, admin).expect(403);
      expect(res.body).to.include({ success: false, error: 'FORBIDDEN' });
    }
    const { agent } = await customerWithOrder('malin@client.fr', 1, true);
    const token = await createToken(agent, 'Essai admin');
    expect(token.startsWith('andc_')).to.equal(true);
    const res = await request(ctx.app).delete(`/api/v1/admin/licenses/${machine()}`).set('Authorization', `Bearer ${token}`).expect(401);
    expect(res.body).to.include({ success: false, error: 'UNAUTHORIZED' });

    await createAccount(ctx, 'revendeur@client.fr', 'partner');
    const partner = await loginAgent(ctx, 'revendeur@client.fr');
    await partner.get('/account/tokens').expect(403);
    const anon = await request(ctx.app).get('/account/tokens').expect(303);
    expect(anon.headers.location).to.match(/^\/subscription\/login\?next=/);
  });
  it('renews a paid order through POST /api/licenses/:id/renew: the order to pay at pay_url, once per Idempotency-Key; 404, 422', async () => {
    const { agent, orderId } = await customerWithOrder('renouvelle@client.fr', 2, true);
    const token = await createToken(agent, 'Poste du bureau');
    const renew = (id: number | string, key?: string) => {
      const req = request(ctx.app).post(`/api/licenses/${id}/renew`).set('Authorization', `Bearer ${token}`);
      return key ? req.set('Idempotency-Key', key) : req;
    };
    const first = await renew(orderId, 'renew-key-0001').expect(201);
    expect(first.body.data).to.include({ renews_order_id: orderId, status: 'pending', total_ttc: 6000, currency: 'EUR' });
    expect(first.body.data.pay_url).to.match(new RegExp(`/orders/${first.body.data.order_id}$`));
    const again = await renew(orderId, 'renew-key-0001').expect(200);
    expect(again.body.data.order_id).to.equal(first.body.data.order_id);
    expect((await agent.get(`/orders/${first.body.data.order_id}`).expect(200)).text).to.contain('Renouvellement de la');
    expect((await renew(first.body.data.order_id).expect(422)).body).to.include({ success: false, error: 'VALIDATION_FAILED' });
    const other = await customerWithOrder('autre-renouvelle@client.fr', 1, true);
    expect((await renew(other.orderId).expect(404)).body).to.include({ error: 'NOT_FOUND' });
    await request(ctx.app).post(`/api/licenses/${orderId}/renew`).expect(401);
  });
});
