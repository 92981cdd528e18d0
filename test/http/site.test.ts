import { expect } from 'chai';
import request from 'supertest';
import { createTestContext, type TestContext } from '../helpers/context.js';

const PAGES: [string, string, string][] = [
  // path, a French text, an English text
  ['/', 'carnets de factures', 'invoice books'],
  ['/features', 'Fonctionnalités', 'Features'],
  ['/subscription', 'Abonnement partenaires', 'Partner subscription'],
  ['/download', 'Télécharger artisan_nd', 'Download artisan_nd'],
  ['/contact', 'Nous contacter', 'Contact us'],
];

describe('public pages', () => {
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext(); });
  after(async () => { await ctx.close(); });

  for (const [path, fr, en] of PAGES) {
    it(`GET ${path} answers in French by default and in English on request`, async () => {
      const frRes = await request(ctx.app).get(path).expect(200).expect('Content-Type', /text\/html/);
      expect(frRes.text).to.contain('<html lang="fr">').and.contain(fr);
      const enRes = await request(ctx.app).get(path).set('Accept-Language', 'en-GB,en;q=0.9').expect(200);
      expect(enRes.text).to.contain('<html lang="en">').and.contain(en);
    });
  }

  it('shows a visible FR/EN switch that links to the same page', async () => {
    const res = await request(ctx.app).get('/features').expect(200);
    expect(res.text).to.contain('href="/features?lang=en"').and.contain('href="/features?lang=fr"');
  });

  it('remembers ?lang=en in a cookie, over the Accept-Language header', async () => {
    const agent = request.agent(ctx.app);
    const first = await agent.get('/?lang=en').set('Accept-Language', 'fr').expect(200);
    expect(first.text).to.contain('<html lang="en">');
    expect(String(first.headers['set-cookie'])).to.match(/lang=en;.*HttpOnly/i);
    const next = await agent.get('/features').set('Accept-Language', 'fr').expect(200);
    expect(next.text).to.contain('<html lang="en">');
  });

  it('ignores an unknown ?lang and keeps French', async () => {
    const res = await request(ctx.app).get('/?lang=de').expect(200);
    expect(res.text).to.contain('<html lang="fr">');
    expect(res.headers['set-cookie']).to.equal(undefined);
  });

  it('answers an unknown page with a 404 page in the visitor language', async () => {
    const fr = await request(ctx.app).get('/nope').expect(404);
    expect(fr.text).to.contain('Page introuvable');
    const en = await request(ctx.app).get('/nope').set('Accept-Language', 'en').expect(404);
    expect(en.text).to.contain('Page not found');
  });

  it('sends security headers: a CSP without inline script, no X-Powered-By', async () => {
    const res = await request(ctx.app).get('/').expect(200);
    expect(res.headers['x-powered-by']).to.equal(undefined);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).to.contain("script-src 'self'").and.not.contain('unsafe-inline');
    expect(res.headers['x-content-type-options']).to.equal('nosniff');
    expect(res.headers['x-request-id']).to.match(/^[0-9a-f-]{36}$/);
  });

  it('serves no page with an inline script, inline style or third-party asset', async () => {
    for (const [path] of PAGES) {
      const { text } = await request(ctx.app).get(path).expect(200);
      expect(text, path).not.to.match(/<script(?![^>]*\bsrc=)/);
      expect(text, path).not.to.match(/\sstyle="/);
      expect(text, path).not.to.match(/(src|href)="(https?:)?\/\//);
    }
  });

  it('labels every form field', async () => {
    const { text } = await request(ctx.app).get('/contact').expect(200);
    for (const id of ['name', 'email', 'message', 'website']) expect(text).to.contain(`<label for="${id}">`);
  });

  it('serves stylesheet and images from public/', async () => {
    await request(ctx.app).get('/css/site.css').expect(200).expect('Content-Type', /css/);
    await request(ctx.app).get('/img/logo.svg').expect(200).expect('Content-Type', /svg/);
  });

  it('answers a cached page with an ETag, then 304 for a revisit', async () => {
    const first = await request(ctx.app).get('/features').expect(200);
    const etag = first.headers.etag as string;
    expect(etag).to.match(/^"/);
    await request(ctx.app).get('/features').set('If-None-Match', etag).expect(304);
    const en = await request(ctx.app).get('/features').set('Accept-Language', 'en').expect(200);
    expect(en.headers.etag).not.to.equal(etag);
    expect(en.text).to.contain('<html lang="en">');
  });

  it('sets no session cookie on plain pages', async () => {
    for (const path of ['/', '/features', '/download']) {
      const res = await request(ctx.app).get(path).expect(200);
      expect(res.headers['set-cookie'], path).to.equal(undefined);
    }
  });

  it('shows the download page again after the cache is cleared (content change)', async () => {
    const before = await request(ctx.app).get('/download').expect(200);
    expect(before.text).to.contain('0.1.0');
    await ctx.db('releases').update({ version: '0.1.1' });
    const cached = await request(ctx.app).get('/download').expect(200);
    expect(cached.text).not.to.contain('0.1.1');
    ctx.handle.pageCache.clear();
    const fresh = await request(ctx.app).get('/download').expect(200);
    expect(fresh.text).to.contain('0.1.1');
    await ctx.db('releases').update({ version: '0.1.0' });
    ctx.handle.pageCache.clear();
  });
});
