/**
 * Product thumbnails: an admin uploads an image on the product's admin page
 * (PNG, JPEG or WebP checked by content, at most 2 MB); the catalogue and the
 * product page show it, served only for a published product; anything else
 * is refused with the reason on the form.
 */
import { expect } from 'chai';
import { createAccount, csrfOf, loginAgent, request } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { listEasyFacture, type ShopFixture } from '../../helpers/shop.js';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);

describe('product thumbnails (POST /admin/shop/products/:id/thumbnail, GET /products/:sku/thumbnail)', function () {
  this.timeout(30000);
  let ctx: TestContext;
  let shop: ShopFixture;
  before(async () => {
    ctx = await createTestContext();
    shop = await listEasyFacture(ctx);
    await createAccount(ctx, 'vitrine@artisan-nd.test', 'admin');
  });
  after(async () => { await ctx.close(); });

  it('shows an uploaded PNG on the catalogue and serves it; refuses a file that is not an image, with the reason', async () => {
    const admin = await loginAgent(ctx, 'vitrine@artisan-nd.test');
    const page = `/admin/shop/products/${shop.product}`;
    const csrf = await csrfOf(admin, page);
    const bad = await admin.post(`${page}/thumbnail`).field('_csrf', csrf).attach('thumbnail', Buffer.from('pas une image'), 'logo.png').expect(422);
    expect(bad.text).to.contain('n’est ni un PNG, ni un JPEG, ni un WebP');
    await admin.post(`${page}/thumbnail`).field('_csrf', csrf).attach('thumbnail', PNG, 'logo.png').expect(303).expect('location', page);
    expect((await admin.get(page).expect(200)).text).to.contain('Vignette de easyfacture enregistrée');
    const anon = request(ctx.app);
    expect((await anon.get('/products').expect(200)).text).to.contain('src="/products/easyfacture/thumbnail"');
    const img = await anon.get('/products/easyfacture/thumbnail').expect(200);
    expect(img.headers['content-type']).to.equal('image/png');
    expect(Buffer.compare(img.body as Buffer, PNG)).to.equal(0);
    await anon.get('/products/artisan_nd/thumbnail').expect(404);
    await anon.get('/products/..%2F..%2Fetc/thumbnail').expect(404);
  });
});
