/**
 * The shop's admin pages: orders (list, filters, CSV, detail, refund after a
 * confirmation: the customer's key is then revoked), the catalogue (listing
 * and offer forms, field errors, the product then on /products) and the
 * customers (list, detail, suspend / reactivate). Support reads, never acts.
 */
import { expect } from 'chai';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import { createAccount, csrfOf, loginAgent, request } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import type { Agent } from '../../helpers/forms.js';
import { activate, machine, post, productId } from '../../helpers/licenses.js';
import { listEasyFacture, type ShopFixture } from '../../helpers/shop.js';

describe('the shop admin pages (/admin/orders, /admin/shop/products, /admin/customers)', function () {
  this.timeout(30000);
  let ctx: TestContext;
  let shop: ShopFixture;
  let admin: Agent;
  let support: Agent;
  let customer: number;
  let seq = 0;

  before(async () => {
    ctx = await createTestContext();
    shop = await listEasyFacture(ctx);
    await createAccount(ctx, 'chef@artisan-nd.test', 'admin');
    await createAccount(ctx, 'aide@artisan-nd.test', 'support');
    customer = await createAccount(ctx, 'marie@client.fr', 'customer');
    await ctx.db('accounts').where({ id: customer }).update({ name: 'Marie Curie', company: 'Laboratoire Curie' });
    admin = await loginAgent(ctx, 'chef@artisan-nd.test');
    support = await loginAgent(ctx, 'aide@artisan-nd.test');
  });
  after(async () => { await ctx.close(); });

  /** An order of `quantity` annual seats by the customer, paid by transfer unless `paid: false`. */
  async function order(quantity = 1, paid = true) {
    seq += 1;
    const { order: o, invoice } = await ctx.handle.shop.orders.place(customer, shop.annual, quantity, `admin-shop-test-${seq}`, 'fr', SYSTEM_ACTOR);
    if (paid) {
      await ctx.handle.billing.payments.recordManual(invoice.id, { amount: invoice.amountDue, method: 'bank_transfer', reference: invoice.number!,
        date: ctx.clock.now().toISOString().slice(0, 10), idempotencyKey: `admin-shop-pay-${seq}` }, SYSTEM_ACTOR);
    }
    return { order: (await ctx.handle.shop.orders.byId(o.id))!, invoice };
  }

  describe('GET /admin/orders', () => {
    it('lists the orders with their invoice, filters by status and search, and exports CSV', async () => {
      const paid = await order(2);
      const pending = await order(1, false);
      const list = (await support.get('/admin/orders').expect(200)).text;
      expect(list).to.contain(`/admin/orders/${paid.order.id}`).and.contain(`/admin/orders/${pending.order.id}`).and.contain('marie@client.fr')
        .and.contain(paid.invoice.number!).and.contain('En attente de paiement');
      const onlyPending = (await support.get('/admin/orders?status=pending').expect(200)).text;
      expect(onlyPending).to.contain(`/admin/orders/${pending.order.id}"`).and.not.contain(`/admin/orders/${paid.order.id}"`);
      const byNumber = (await support.get(`/admin/orders?q=${paid.invoice.number}`).expect(200)).text;
      expect(byNumber).to.contain(`/admin/orders/${paid.order.id}"`).and.not.contain(`/admin/orders/${pending.order.id}"`);
      expect((await support.get('/admin/orders?q=personne@nulle.part').expect(200)).text).to.contain('Aucun résultat pour ces filtres');
      expect((await support.get('/admin/orders?from=2099-01-01').expect(200)).text).to.contain('Aucun résultat pour ces filtres');
      const csv = await support.get('/admin/orders?format=csv&status=paid&sep=comma').expect(200);
      expect(csv.headers['content-type']).to.match(/^text\/csv/);
      expect(csv.text).to.contain('id,created_at,status,email').and.contain(`${paid.order.id},`).and.contain(paid.invoice.number!)
        .and.contain('69.60,EUR');
      expect(csv.text).not.to.contain(pending.invoice.number!);
    });
  });

  describe('POST /admin/orders/:id/refund', () => {
    it('lets support read an order but not refund it (403)', async () => {
      const { order: o } = await order();
      const page = (await support.get(`/admin/orders/${o.id}`).expect(200)).text;
      expect(page).to.contain('marie@client.fr').and.contain('Licence annuelle').and.contain('Pas encore activée').and.not.contain('id="refund-form"');
      const csrf = await csrfOf(support, `/admin/orders/${o.id}`);
      await support.post(`/admin/orders/${o.id}/refund`).type('form').send({ _csrf: csrf, reason: 'Essai', confirm: 'yes' }).expect(403);
      expect((await ctx.handle.shop.orders.byId(o.id))!.status).to.equal('paid');
    });

    it('refunds a paid order after the confirmation step; the customer’s key then validates as revoked', async () => {
      const { order: o, invoice } = await order();
      const [key] = await ctx.handle.shop.orders.keys(o);
      const box = machine();
      const { license_key: token } = await activate(ctx, key!.code, box, 'marie@client.fr');
      const page = (await admin.get(`/admin/orders/${o.id}`).expect(200)).text;
      expect(page).to.contain('id="refund-form"').and.contain(`/admin/invoices/${invoice.id}`).and.contain('/admin/payments/').and.contain('Active');
      const csrf = await csrfOf(admin, `/admin/orders/${o.id}`);
      const empty = await admin.post(`/admin/orders/${o.id}/refund`).type('form').send({ _csrf: csrf, reason: '' }).expect(422);
      expect(empty.text).to.contain('Indiquez un motif');
      const ask = await admin.post(`/admin/orders/${o.id}/refund`).type('form').send({ _csrf: csrf, reason: 'Erreur de commande' }).expect(200);
      expect(ask.text).to.contain(`Confirmer le remboursement de la commande n° ${o.id}`).and.contain(invoice.number!);
      expect((await ctx.handle.shop.orders.byId(o.id))!.status).to.equal('paid');
      await admin.post(`/admin/orders/${o.id}/refund`).type('form').send({ _csrf: csrf, reason: 'Erreur de commande', confirm: 'yes' })
        .expect(303).expect('location', `/admin/orders/${o.id}`);
      const after = (await admin.get(`/admin/orders/${o.id}`).expect(200)).text;
      expect(after).to.contain(`Commande n° ${o.id} remboursée`).and.contain('Remboursée').and.contain('Révoquée').and.not.contain('id="refund-form"');
      const v = await post(ctx, '/api/v1/licenses/validate', { license_key: token, machine_id: box }).expect(200);
      expect(v.body).to.deep.include({ valid: false, error: 'LICENSE_REVOKED' });
      const audit = await ctx.db('audit_log').where({ action: 'order.refunded', target_id: String(o.id) }).first();
      expect(audit, 'order.refunded audit row').to.not.equal(undefined);
    });

    it('re-renders an unpaid order with the reason instead of refunding', async () => {
      const { order: o } = await order(1, false);
      const csrf = await csrfOf(admin, `/admin/orders/${o.id}`);
      const res = await admin.post(`/admin/orders/${o.id}/refund`).type('form').send({ _csrf: csrf, reason: 'Erreur', confirm: 'yes' }).expect(409);
      expect(res.text).to.contain('Seule une commande payée peut être remboursée');
      await admin.get('/admin/orders/99999999').expect(404);
    });
  });

  describe('/admin/shop/products', () => {
    it('lists every product with its listing state and offers', async () => {
      const page = (await support.get('/admin/shop/products').expect(200)).text;
      expect(page).to.contain('easyfacture').and.contain('Publié').and.contain('artisan_nd').and.contain('Sans fiche').and.match(/annual \(29,00\s€\)/);
      const form = (await support.get(`/admin/shop/products/${shop.product}`).expect(200)).text;
      expect(form).to.contain('value="EasyFacture"').and.contain('Licence annuelle').and.contain('<fieldset disabled>');
    });

    it('saves a listing (field errors first, 422) and shows it on /products once published', async () => {
      const id = await productId(ctx, 'artisan_nd');
      const path = `/admin/shop/products/${id}`;
      const csrf = await csrfOf(admin, path);
      const listing = { _csrf: csrf, title_fr: '', title_en: 'Numbering', description_fr: 'Numérote vos carnets', description_en: 'Numbers your books',
        category: 'Carnets', release_product: 'bad product!', display_order: '2', published: 'yes' };
      const bad = await admin.post(path).type('form').send(listing).expect(422);
      expect(bad.text).to.contain('Indiquez un titre (120 caractères au plus)').and.contain('Le nom du produit des versions').and.contain('value="Numbering"');
      await support.post(path).type('form').send({ ...listing, _csrf: await csrfOf(support, path) }).expect(403);
      await admin.post(path).type('form').send({ ...listing, title_fr: 'Numérotation', release_product: 'artisan_nd' }).expect(303).expect('location', path);
      const offerBad = await admin.post(`${path}/offers`).type('form').send({ _csrf: csrf, offer: '', code: 'Annuel!', name_fr: 'Annuelle', name_en: 'Annual',
        license_type: 'annual', duration_days: '365', price: '29,0x', currency: 'EUR', max_seats: '3', display_order: '1', is_active: 'yes' }).expect(422);
      expect(offerBad.text).to.contain('Lettres minuscules, chiffres et tirets').and.contain('id="price-error"');
      await admin.post(`${path}/offers`).type('form').send({ _csrf: csrf, offer: '', code: 'annuel', name_fr: 'Licence annuelle', name_en: 'Annual license',
        license_type: 'annual', duration_days: '365', price: '19,50', renewal_price: '15', currency: 'EUR', seat_based: 'yes', max_seats: '3',
        display_order: '1', is_active: 'yes' }).expect(303);
      const anon = request.agent(ctx.app);
      const pub = (await anon.get('/products/artisan_nd').expect(200)).text;
      expect(pub).to.contain('Numérotation').and.contain('Licence annuelle').and.match(/19,50\s€/);
      const offer = (await ctx.handle.shop.catalogue.entry('artisan_nd', true))!.offers[0]!;
      expect([offer.price, offer.renewalPrice, offer.maxSeats]).to.deep.equal([1950, 1500, 3]);
      const edit = (await admin.get(`${path}?offer=${offer.id}`).expect(200)).text;
      expect(edit).to.contain('value="19,50"').and.contain(`name="offer" value="${offer.id}"`);
      const taken = { _csrf: csrf, offer: '', code: 'annuel', name_fr: 'Doublon', name_en: 'Duplicate', license_type: 'lifetime', price: '5', currency: 'EUR',
        max_seats: '1', display_order: '2' };
      expect((await admin.post(`${path}/offers`).type('form').send(taken).expect(422)).text).to.contain('Une autre offre de ce produit a déjà ce code');
      await admin.post(`${path}/offers`).type('form').send({ _csrf: csrf, offer: String(offer.id), code: 'annuel', name_fr: 'Licence annuelle',
        name_en: 'Annual license', license_type: 'annual', duration_days: '365', price: '19,50', currency: 'EUR', max_seats: '3', display_order: '1' })
        .expect(303);
      expect((await anon.get('/products/artisan_nd').expect(200)).text).not.to.contain('Licence annuelle');
    });
  });

  describe('/admin/customers', () => {
    it('lists and searches customers, shows a customer with their orders; admin suspends after confirmation and reactivates', async () => {
      await createAccount(ctx, 'paul@autre.fr', 'customer');
      const list = (await support.get('/admin/customers').expect(200)).text;
      expect(list).to.contain('marie@client.fr').and.contain('paul@autre.fr').and.not.contain('chef@artisan-nd.test');
      const found = (await support.get('/admin/customers?q=curie').expect(200)).text;
      expect(found).to.contain('marie@client.fr').and.not.contain('paul@autre.fr');
      const { order: o } = await order();
      const page = (await support.get(`/admin/customers/${customer}`).expect(200)).text;
      expect(page).to.contain('Laboratoire Curie').and.contain(`/admin/orders/${o.id}`).and.not.contain('id="suspend-form"');
      await support.post(`/admin/customers/${customer}/suspend`).type('form').send({ _csrf: await csrfOf(support, '/admin/customers'), reason: 'x' })
        .expect(403);
      const partner = await createAccount(ctx, 'partenaire@imprimerie.fr');
      await admin.get(`/admin/customers/${partner}`).expect(404);

      const path = `/admin/customers/${customer}`;
      const csrf = await csrfOf(admin, path);
      const ask = await admin.post(`${path}/suspend`).type('form').send({ _csrf: csrf, reason: 'Fraude à la carte' }).expect(200);
      expect(ask.text).to.contain('Suspendre le compte de marie@client.fr');
      await admin.post(`${path}/suspend`).type('form').send({ _csrf: csrf, reason: 'Fraude à la carte', confirm: 'yes' }).expect(303);
      expect((await admin.get(path).expect(200)).text).to.contain('Compte de marie@client.fr suspendu').and.contain('Fraude à la carte')
        .and.contain('Réactiver le compte');
      await admin.post(`${path}/reactivate`).type('form').send({ _csrf: csrf }).expect(303);
      expect((await ctx.handle.accounts.byId(customer))!.state).to.equal('active');
    });
  });
});
