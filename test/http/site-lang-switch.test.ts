/** The FR/EN switch of every page leads to that page in the other language, never to a 404 (src/http/canonical-url.ts). */
import { expect } from 'chai';
import type { Application, Request } from 'express';
import request from 'supertest';
import { languageUrl } from '../../src/http/canonical-url.js';
import { createAccount, csrfOf, loginAgent } from '../helpers/accounts.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { formAgent } from '../helpers/forms.js';
import { credit } from '../helpers/recharge.js';

/** The href of the switch to `lng` in a page. */
function switchHref(html: string, lng: 'fr' | 'en'): string {
  const m = new RegExp(`<a href="([^"]*)" lang="${lng}" hreflang="${lng}"`).exec(html);
  if (!m?.[1]) throw new Error(`no ${lng} switch in the page`);
  return m[1].replace(/&amp;/g, '&');
}

interface Layer { route?: { path: unknown; methods: Record<string, boolean> }; handle: { stack?: Layer[] } }

/** Every POST route path of the app (nested routers included), outside the JSON API. */
function postRoutes(app: Application): string[] {
  const out: string[] = [];
  const walk = (stack: Layer[]): void => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path as unknown[] : [layer.route.path];
        for (const p of paths) if (layer.route.methods.post && typeof p === 'string' && !/^\/api\//.test(p)) out.push(p);
      } else if (layer.handle.stack) walk(layer.handle.stack);
    }
  };
  walk((app.router as unknown as { stack: Layer[] }).stack);
  return out;
}

describe('the language switch', () => {
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext(); });
  after(async () => { await ctx.close(); });

  it('on the contact form re-rendered with errors (POST /contact) points to GET /contact, which answers', async () => {
    const { agent, csrf } = await formAgent(ctx.app, '/contact');
    const res = await agent.post('/contact').type('form').send({ name: '', email: 'x', message: 'short', _csrf: csrf }).expect(422);
    expect(switchHref(res.text, 'en')).to.equal('/contact?lang=en');
    const en = await agent.get(switchHref(res.text, 'en')).expect(200);
    expect(en.text).to.contain('<html lang="en">');
  });

  it('on the registration form re-rendered with errors points to GET /subscription/register', async () => {
    const { agent, csrf } = await formAgent(ctx.app, '/subscription/register');
    const res = await agent.post('/subscription/register').type('form').send({ email: 'x', _csrf: csrf }).expect(422);
    expect(switchHref(res.text, 'en')).to.equal('/subscription/register?lang=en');
    await agent.get('/subscription/register?lang=en').expect(200);
  });

  it('on a stale public form shown again points to its GET form', async () => {
    const res = await request(ctx.app).post('/subscription/login').type('form').send({ email: 'a@example.fr', _csrf: 'stale' }).expect(403);
    expect(switchHref(res.text, 'en')).to.equal('/subscription/login?lang=en');
  });

  it('on the recharge form and its confirmation step (POST /subscription/recharge, …/confirm) points to GET /subscription/recharge', async () => {
    const id = await createAccount(ctx, 'lang-partner@example.fr');
    await credit(ctx, id, 100);
    const agent = await loginAgent(ctx, 'lang-partner@example.fr');
    const csrf = await csrfOf(agent, '/subscription/recharge');
    const bad = await agent.post('/subscription/recharge').field('_csrf', csrf).field('installation_code', 'AAAA').field('customer', 'X').field('units', '5')
      .field('expires_in_days', '30').expect(422);
    expect(switchHref(bad.text, 'en')).to.equal('/subscription/recharge?lang=en');
    const confirm = await agent.post('/subscription/recharge/confirm').type('form').send({ _csrf: csrf, units: 'x' });
    expect(confirm.status).to.be.within(400, 499);
    expect(switchHref(confirm.text, 'fr')).to.equal('/subscription/recharge?lang=fr');
    await agent.get('/subscription/recharge?lang=en').expect(200);
  });

  it('on an admin confirmation page (POST /admin/partners/:id/suspend) points to the partner page', async () => {
    const partner = await createAccount(ctx, 'lang-suspend@example.fr');
    await createAccount(ctx, 'lang-admin@artisan-nd.test', 'admin');
    const admin = await loginAgent(ctx, 'lang-admin@artisan-nd.test');
    const csrf = await csrfOf(admin, `/admin/partners/${partner}`);
    const res = await admin.post(`/admin/partners/${partner}/suspend`).type('form').send({ _csrf: csrf, reason: 'test' }).expect(200);
    expect(switchHref(res.text, 'en')).to.equal(`/admin/partners/${partner}?lang=en`);
    await admin.get(`/admin/partners/${partner}?lang=en`).expect(200);
  });

  it('keeps the query of a GET page (a login page with its next) and never points off-site', async () => {
    const page = await request(ctx.app).get('/subscription/login?next=%2Fsubscription%2Faccount&lang=fr').expect(200);
    expect(switchHref(page.text, 'en')).to.equal('/subscription/login?next=%2Fsubscription%2Faccount&lang=en');
    const odd = await request(ctx.app).get('//evil.example/x').expect(404);
    expect(switchHref(odd.text, 'en')).to.equal('/evil.example/x?lang=en');
  });

  it('for every POST route of the app, points to a page that answers (200, or the login page), never 404 or 405', async () => {
    const routes = postRoutes(ctx.handle.app);
    expect(routes).to.include.members(['/contact', '/subscription/recharge/confirm', '/admin/partners/:id/suspend']);
    for (const route of routes) {
      const path = route.replace(/:[A-Za-z_]+/g, '1');
      const fake = { method: 'POST', baseUrl: '', path, body: {}, app: ctx.handle.app } as unknown as Request;
      const target = languageUrl(fake, 'en');
      const res = await request(ctx.app).get(target);
      const ok = res.status === 200 || (res.status === 303 && String(res.headers.location).startsWith('/subscription/login'));
      expect(ok, `POST ${route} → GET ${target} answered ${res.status}`).to.equal(true);
    }
  });
});
