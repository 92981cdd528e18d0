/**
 * The customer shop over HTTP: the catalogue (pages and JSON), a customer's
 * registration and area, the checkout, an order paid by transfer whose
 * license keys exist only once paid and activate through the license API,
 * the refund asked within the window and approved by staff (validate then
 * answers revoked), and every other account's order a 404.
 */
import { expect } from 'chai';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import { createAccount, csrfOf, linkIn, loginAgent, mails, PASSWORD, request, waitMail } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { fieldValue } from '../../helpers/forms.js';
import { activate, machine, makeProduct, post } from '../../helpers/licenses.js';
import { listEasyFacture, publishRelease, type ShopFixture } from '../../helpers/shop.js';

describe('the customer shop (/products, /register, /orders, /licenses)', function () {
  this.timeout(30000);
  let ctx: TestContext;
  let shop: ShopFixture;
  before(async () => {
    ctx = await createTestContext({ env: { BILLING_PAYMENT_INSTRUCTIONS: 'IBAN FR76 3000 6000 0112 3456 7890 189' } });
    shop = await listEasyFacture(ctx);
  });
  after(async () => { await ctx.close(); });

  const today = () => ctx.clock.now().toISOString().slice(0, 10);
  /** A customer orders `quantity` annual seats through the checkout form: the order page's path. */
  async function order(agent: Awaited<ReturnType<typeof loginAgent>>, quantity = 1): Promise<string> {
    const page = (await agent.get(`/products/easyfacture/checkout?offer=${shop.annual}&quantity=${quantity}`).expect(200)).text;
    const csrf = await csrfOf(agent, `/products/easyfacture/checkout?offer=${shop.annual}`);
    const res = await agent.post('/products/easyfacture/checkout').type('form')
      .send({ _csrf: csrf, offer: shop.annual, quantity, key: fieldValue(page, 'key') }).expect(303);
    return res.headers.location!;
  }
  const pay = async (orderPath: string) => {
    const o = (await ctx.handle.shop.orders.byId(Number(orderPath.split('/').pop())))!;
    const inv = (await ctx.handle.billing.invoices.byId(o.invoiceId))!;
    await ctx.handle.billing.payments.recordManual(inv.id, { amount: inv.amountDue, method: 'bank_transfer', reference: inv.number!, date: today(),
      idempotencyKey: `order-payment-${o.id}` }, SYSTEM_ACTOR);
    return o;
  };

  it('shows published products with their offers and release to anyone, in pages and JSON; an unpublished one is a 404', async () => {
    const anon = request.agent(ctx.app);
    const list = (await anon.get('/products').expect(200)).text;
    expect(list).to.contain('EasyFacture').and.contain('La facturation simple').and.match(/à partir de 29,00\s€ HT/);
    const page = (await anon.get('/products/easyfacture').expect(200)).text;
    expect(page).to.contain('Licence annuelle').and.contain('Licence à vie').and.match(/99,00\s€/);
    await anon.get('/products/artisan_nd').expect(404);
    const api = await anon.get('/api/products').expect(200);
    expect(api.body.data).to.have.length(1);
    expect(api.body.data[0]).to.deep.include({ sku: 'easyfacture', category: 'Facturation' });
    expect(api.body.data[0].offers.map((o: { code: string; price: number }) => [o.code, o.price])).to.deep.equal([['annual', 2900], ['lifetime', 9900]]);
    expect((await anon.get('/api/products/easyfacture').expect(200)).body.data.id).to.equal(shop.product);
    await anon.get('/api/products/artisan_nd').expect(404);
    // Buying needs a customer account.
    const res = await anon.get(`/products/easyfacture/checkout?offer=${shop.annual}`).expect(303);
    expect(res.headers.location).to.match(/^\/subscription\/login\?next=/);
  });

  it('registers a customer at /register, who confirms the address and lands on /account after login', async () => {
    const agent = request.agent(ctx.app);
    const form = (await agent.get('/register').expect(200)).text;
    expect(form).to.contain('Créer un compte client').and.contain('Société (facultatif)');
    const csrf = await csrfOf(agent, '/register');
    const bad = await agent.post('/register').type('form').send({ _csrf: csrf, name: 'Jean', email: 'pas-un-email', country: 'FR', password: PASSWORD,
      password_confirm: PASSWORD, terms: 'on' }).expect(422);
    expect(bad.text).to.contain('Créer un compte client');
    await agent.post('/register').type('form').send({ _csrf: csrf, name: 'Jean Client', email: 'jean@client.fr', country: 'FR', password: PASSWORD,
      password_confirm: PASSWORD, terms: 'on' }).expect(303).expect('location', '/subscription/register/sent');
    await agent.get(linkIn(await waitMail(ctx, 'jean@client.fr'), '/subscription/verify')).expect(303);
    const login = request.agent(ctx.app);
    const c2 = await csrfOf(login, '/login');
    await login.post('/subscription/login').type('form').send({ _csrf: c2, email: 'jean@client.fr', password: PASSWORD }).expect(303)
      .expect('location', '/account');
    expect((await login.get('/account').expect(200)).text).to.contain('Mon espace client').and.contain('Bonjour Jean Client');
    await login.get('/subscription/dashboard').expect(403);
  });

  it('creates the license keys only once the order is paid; a second payment creates nothing; a key activates through the API', async () => {
    await createAccount(ctx, 'achat@client.fr', 'customer');
    const agent = await loginAgent(ctx, 'achat@client.fr');
    const summary = (await agent.get(`/products/easyfacture/checkout?offer=${shop.annual}&quantity=2`).expect(200)).text;
    expect(summary).to.match(/58,00\s€/).and.match(/69,60\s€/);
    const path = await order(agent, 2);
    const pending = (await agent.get(path).expect(200)).text;
    expect(pending).to.contain('En attente de paiement').and.contain('IBAN FR76').and.not.contain('id="keys-title"');
    expect((await agent.get('/licenses').expect(200)).text).to.contain('Aucune licence pour le moment');
    expect((await waitMail(ctx, 'achat@client.fr')).subject).to.match(/facture FA-\d{4}-\d{6} à payer/);

    const o = await pay(path);
    const paid = (await agent.get(path).expect(200)).text;
    expect(paid).to.contain('Payée').and.contain('Vos clés de licence');
    const keys = [...paid.matchAll(/value="([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})"/g)].map((m) => m[1]!);
    expect(keys).to.have.length(2);
    const purchase = await waitMail(ctx, 'achat@client.fr', 2);
    expect(purchase.subject).to.equal('Vos licences EasyFacture');
    for (const k of keys) expect(purchase.text).to.contain(k);

    const inv = (await ctx.handle.billing.invoices.byId(o.invoiceId))!;
    await ctx.handle.billing.payments.recordManual(inv.id, { amount: 100, method: 'cash', reference: 'again', date: today(),
      idempotencyKey: `order-again-${o.id}` }, SYSTEM_ACTOR).catch(() => undefined);
    expect(await ctx.db('activation_codes').where({ batch_id: (await ctx.handle.shop.orders.byId(o.id))!.batchId }).count({ n: '*' }).first())
      .to.satisfy((r: { n: unknown }) => Number(r.n) === 2);
    expect(await ctx.db('activation_batches').where('note', 'like', `order ${inv.number}%`).count({ n: '*' }).first())
      .to.satisfy((r: { n: unknown }) => Number(r.n) === 1);

    const box = machine();
    await activate(ctx, keys[0]!, box, 'achat@client.fr');
    const licenses = (await agent.get('/licenses').expect(200)).text;
    expect(licenses).to.contain(box).and.contain('Active').and.contain('Pas encore activée');
    const licensePage = `/licenses/${((await ctx.db('licenses').where({ machine_id: box }).first('id')) as { id: number }).id}`;
    expect(licenses).to.contain(`href="${licensePage}"`);
    expect((await agent.get(licensePage).expect(200)).text).to.contain('Ma licence').and.contain(box).and.contain(keys[0]!).and.not.contain(keys[1]!);
    await createAccount(ctx, 'un-autre@client.fr', 'customer');
    await (await loginAgent(ctx, 'un-autre@client.fr')).get(licensePage).expect(404);
    // Staff follow the license to its order.
    await createAccount(ctx, 'boutique-admin@artisan-nd.test', 'admin');
    const admin = await loginAgent(ctx, 'boutique-admin@artisan-nd.test');
    const licenseId = Number(((await ctx.db('licenses').where({ machine_id: box }).first('id')) as { id: unknown }).id);
    expect((await admin.get(`/admin/licenses/${licenseId}`).expect(200)).text).to.contain(`href="/admin/orders/${o.id}"`);
  });

  it('takes a promotion code at the checkout: 20 % off the HT, shown then billed and counted; a refused or plan-only code says why', async () => {
    const base = { name: 'Bienvenue', kind: 'percentage' as const, value: 2000, currency: null, maxUses: null, maxUsesPerCustomer: 1,
      appliesTo: 'first' as const, startsOn: null, endsOn: null, isActive: true, autoApply: false, newCustomersOnly: false, minAmount: 0 };
    await ctx.handle.billing.promotions.create({ ...base, code: 'BOUTIQUE20', planIds: [] }, SYSTEM_ACTOR);
    await createAccount(ctx, 'promo@client.fr', 'customer');
    const agent = await loginAgent(ctx, 'promo@client.fr');
    const url = `/products/easyfacture/checkout?offer=${shop.annual}&quantity=1`;
    const refused = (await agent.get(`${url}&code=NIMPORTE`).expect(200)).text;
    expect(refused).to.contain('Ce code promotionnel n’existe pas');
    const page = (await agent.get(`${url}&code=boutique20`).expect(200)).text;
    expect(page).to.contain('Code BOUTIQUE20 appliqué').and.contain('id="discount-line"').and.match(/−5,80\s€/).and.match(/27,84\s€/);
    const csrf = await csrfOf(agent, url);
    const res = await agent.post('/products/easyfacture/checkout').type('form')
      .send({ _csrf: csrf, offer: shop.annual, quantity: 1, key: fieldValue(page, 'key'), code: fieldValue(page, 'code') }).expect(303);
    const o = (await ctx.handle.shop.orders.byId(Number(res.headers.location!.split('/').pop())))!;
    expect((await ctx.handle.billing.invoices.byId(o.invoiceId))!.totalTtc).to.equal(2784);
    const again = (await agent.get(`${url}&code=BOUTIQUE20`).expect(200)).text;
    expect(again).to.contain('Vous avez déjà utilisé ce code'); // one use per customer
  });

  it('refunds within the window: the customer asks, staff approve, the licenses are revoked and validate says so; too late is refused', async () => {
    await createAccount(ctx, 'rembourse@client.fr', 'customer');
    const agent = await loginAgent(ctx, 'rembourse@client.fr');
    const path = await order(agent);
    const o = await pay(path);
    const key = /value="([A-Z0-9]{4}(?:-[A-Z0-9]{4}){3})"/.exec((await agent.get(path).expect(200)).text)![1]!;
    const box = machine();
    const { license_key: token } = await activate(ctx, key, box, 'rembourse@client.fr');
    const csrf = await csrfOf(agent, path);
    const short = await agent.post(`${path}/refund`).type('form').send({ _csrf: csrf, reason: 'x' }).expect(422);
    expect(short.text).to.contain('Indiquez la raison de votre demande');
    await agent.post(`${path}/refund`).type('form').send({ _csrf: csrf, reason: 'Le logiciel ne convient pas' }).expect(303);
    expect((await agent.get(path).expect(200)).text).to.contain('Remboursement demandé le');

    await ctx.handle.shop.refunds.approve(o.id, '', SYSTEM_ACTOR);
    const after = (await agent.get(path).expect(200)).text;
    expect(after).to.contain('Remboursée').and.contain('Révoquée');
    const v = await post(ctx, '/api/v1/licenses/validate', { license_key: token, machine_id: box }).expect(200);
    expect(v.body).to.deep.include({ valid: false, error: 'LICENSE_REVOKED' });
    const notes = await ctx.db('invoices').where({ credited_invoice_id: o.invoiceId, kind: 'credit_note' }).count({ n: '*' }).first() as { n: unknown };
    expect(Number(notes.n)).to.equal(1);
    await ctx.handle.shop.refunds.approve(o.id, '', SYSTEM_ACTOR).catch(() => undefined); // a second approval changes nothing
    expect(Number((await ctx.db('invoices').where({ credited_invoice_id: o.invoiceId, kind: 'credit_note' }).count({ n: '*' }).first() as { n: unknown }).n))
      .to.equal(1);

    const late = await order(agent);
    await pay(late);
    ctx.clock.advance(15 * 86400);
    const again = await loginAgent(ctx, 'rembourse@client.fr');
    const page = (await again.get(late).expect(200)).text;
    expect(page).to.contain('Le délai de remboursement a pris fin').and.not.contain('id="refund-form"');
    const c2 = await csrfOf(again, late);
    expect((await again.post(`${late}/refund`).type('form').send({ _csrf: c2, reason: 'Trop tard sans doute' }).expect(422)).text)
      .to.contain('Le délai de remboursement de cette commande est dépassé');
  });

  it('downloads a restricted release through a signed link only: ranges served, an altered or expired link refused with a fresh-link page', async () => {
    const release = await publishRelease(ctx, 'easyfacture', '1.2.0');
    await request(ctx.app).get(`/download/files/${release.filename}`).expect(404);
    await createAccount(ctx, 'telecharge@client.fr', 'customer');
    const agent = await loginAgent(ctx, 'telecharge@client.fr');
    const path = await order(agent);
    const csrf = await csrfOf(agent, path);
    const id = path.split('/').pop()!;
    await agent.post('/downloads/generate').type('form').send({ _csrf: csrf, order: id }).expect(303).expect('location', path); // not paid yet
    expect((await agent.get(path).expect(200)).text).to.contain('Le téléchargement demande une commande payée');
    await pay(path);
    expect((await agent.get(path).expect(200)).text).to.contain('Télécharger la dernière version');
    const res = await agent.post('/downloads/generate').type('form').send({ _csrf: csrf, order: id }).expect(303);
    const link = res.headers.location!;
    expect(link).to.match(/^\/downloads\/signed\/[\w-]+\.[\w-]{43}$/);
    const full = await request(ctx.app).get(link).buffer(true).parse((r, cb) => {
      const c: Buffer[] = [];
      r.on('data', (d: Buffer) => c.push(d));
      r.on('end', () => cb(null, Buffer.concat(c)));
    }).expect(200);
    expect(Buffer.compare(full.body as Buffer, release.bytes)).to.equal(0);
    const part = await request(ctx.app).get(link).set('Range', 'bytes=0-7').expect(206);
    expect(part.headers['content-range']).to.equal(`bytes 0-7/${release.bytes.length}`);
    const altered = link.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await request(ctx.app).get(altered).expect(403)).text).to.contain('n’est pas valide').and.contain('href="/licenses"');
    ctx.clock.advance(16 * 60);
    expect((await request(ctx.app).get(link).expect(403)).text).to.contain('a expiré');
    const other = await loginAgent(ctx, 'telecharge@client.fr');
    const c2 = await csrfOf(other, '/licenses');
    await other.post('/downloads/generate').type('form').send({ _csrf: c2, order: id }).expect(303);
    await createAccount(ctx, 'voisin@client.fr', 'customer');
    const stranger = await loginAgent(ctx, 'voisin@client.fr');
    await stranger.post('/downloads/generate').type('form').send({ _csrf: await csrfOf(stranger, '/licenses'), order: id }).expect(404);
  });

  it('answers 404 for another customer’s order, its invoice and its payment routes; partners and staff have no customer area', async () => {
    await createAccount(ctx, 'un@client.fr', 'customer');
    await createAccount(ctx, 'deux@client.fr', 'customer');
    const one = await loginAgent(ctx, 'un@client.fr');
    const path = await order(one);
    const two = await loginAgent(ctx, 'deux@client.fr');
    await two.get(path).expect(404);
    await two.get(`${path}/invoice.pdf`).expect(404);
    const csrf = await csrfOf(two, '/orders');
    await two.post(`${path}/refund`).type('form').send({ _csrf: csrf, reason: 'Pas à moi' }).expect(404);
    await two.get('/orders/99999999999').expect(404);
    expect((await two.get('/orders').expect(200)).text).to.contain('Vous n’avez encore rien commandé');
    expect((await one.get(`${path}/invoice.pdf`).expect(200)).headers['content-type']).to.equal('application/pdf');
    await createAccount(ctx, 'partenaire@imprimerie.fr');
    await (await loginAgent(ctx, 'partenaire@imprimerie.fr')).get('/orders').expect(403);
    expect((await mails(ctx)).some((m) => m.to === 'deux@client.fr')).to.equal(false);
  });
  it('shows each listed product\'s own current release (the one marked latest) in the catalogue list and its JSON', async () => {
    await makeProduct(ctx, 'caisse');
    await ctx.handle.shop.catalogue.saveListing(Number(((await ctx.db('products').where({ code: 'caisse' }).first('id')) as { id: unknown }).id), {
      titleFr: 'Caisse', titleEn: 'Till', descriptionFr: 'Caisse', descriptionEn: 'Till', category: 'Caisse', thumbnail: null, releaseProduct: 'caisse',
      downloadsPublic: true, published: true, displayOrder: 5 }, SYSTEM_ACTOR);
    await publishRelease(ctx, 'easyfacture', '3.1.0');
    await publishRelease(ctx, 'caisse', '1.2.0');
    // Published later but not marked latest (a beta, say): not the current one.
    const later = new Date(ctx.clock.now().getTime() + 60_000).toISOString();
    await ctx.db('releases').insert({ product: 'caisse', version: '1.3.0-beta', channel: 'beta', filename: 'caisse_1.3.0-beta_all.deb', size_bytes: 10,
      sha256: 'a'.repeat(64), changelog: '', published_at: later, is_latest: false, created_at: later, updated_at: later });
    const list = (await request.agent(ctx.app).get('/api/products').expect(200)).body.data as { sku: string; release: { version: string } | null }[];
    expect(Object.fromEntries(list.map((p) => [p.sku, p.release?.version ?? null]))).to.deep.include({ easyfacture: '3.1.0', caisse: '1.2.0' });
    const html = (await request.agent(ctx.app).get('/products').expect(200)).text;
    expect(html).to.contain('3.1.0').and.contain('1.2.0').and.not.contain('1.3.0-beta');
  });
});
