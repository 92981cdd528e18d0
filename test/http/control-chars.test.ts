/**
 * One rule for every query string and form (src/http/control-chars.ts): a
 * control character (a NUL above all, which PostgreSQL cannot store) makes
 * the request a 400 page in the visitor's language, or the API's JSON error,
 * before any handler or database sees it; TAB, CR and LF stay allowed in a
 * form field (multi-line text).
 */
import { expect } from 'chai';
import request from 'supertest';
import { createAccount, csrfOf, loginAgent } from '../helpers/accounts.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { buildDeb } from '../helpers/deb.js';
import type { Agent } from '../helpers/forms.js';
import { newInstallation } from '../helpers/recharge.js';

describe('control characters in query strings and forms', function () {
  let ctx: TestContext;
  let admin: Agent;
  let productId: number;
  before(async () => {
    ctx = await createTestContext();
    await createAccount(ctx, 'ctl-admin@example.fr', 'admin');
    admin = await loginAgent(ctx, 'ctl-admin@example.fr');
    productId = Number((await ctx.db('products').where({ code: 'easyfacture' }).first('id')).id);
  });
  after(async () => ctx.close());

  it('answers a NUL in a product form with the 400 page in French and leaves the product unchanged', async () => {
    const before = await ctx.db('products').where({ id: productId }).first();
    const csrf = await csrfOf(admin, `/admin/products/${productId}`);
    const res = await admin.post(`/admin/products/${productId}`).set('Host', 'portal.test').set('Referer', `http://portal.test/admin/products/${productId}`).type('form')
      .send({
        _csrf: csrf, name: 'Easy\u0000Facture', trial_days: '30', grace_days: '7', max_activations: '1',
        heartbeat_interval_seconds: '86400', renewal_url: '',
      });
    expect(res.status).to.equal(400);
    expect(res.text).to.contain('Caractère non autorisé').and.contain('Un champ du formulaire contient un caractère invisible non autorisé');
    expect(res.text).to.contain(`href="/admin/products/${productId}"`);
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(await ctx.db('products').where({ id: productId }).first()).to.deep.equal(before);
  });

  it('answers a NUL in the product code of the add form with the 400 page, in English for an admin who chose English', async () => {
    const csrf = await csrfOf(admin, '/admin/products');
    // A logged-in account's pages follow its saved language (French here) unless ?lang= picks another.
    const res = await admin.post('/admin/products?lang=en').set('Accept-Language', 'en').type('form')
      .send({
        _csrf: csrf, code: 'easy\u0000facture', name: 'X', trial_days: '30', grace_days: '7', max_activations: '1',
        heartbeat_interval_seconds: '86400',
      });
    expect(res.status).to.equal(400);
    expect(res.text).to.contain('Character not allowed');
    // ?lang= holds for the rest of the session: back to French for the next tests.
    await admin.get('/admin/products?lang=fr').expect(200);
  });

  it('answers a control character in any query value or name with the 400 page', async () => {
    for (const query of ['q=a%00b', 'q=%07', 'from=2026-01-01%0A', 'q%00=x', 'page=1&page=%1b']) {
      const res = await admin.get(`/admin/partners?${query}`);
      expect(res.status, query).to.equal(400);
      expect(res.text, query).to.contain('L’adresse de la page contient un caractère invisible non autorisé');
    }
    await request(ctx.app).get('/download?x=%00').expect(400);
    await request(ctx.app).get('/?lang=en%00').expect(400);
  });

  it('keeps TAB, CR and LF in a form field (multi-line text)', async () => {
    const release = await ctx.db('releases').first('id');
    const csrf = await csrfOf(admin, `/admin/releases/${release.id}`);
    await admin.post(`/admin/releases/${release.id}/changelog`).type('form').send({ _csrf: csrf, changelog: 'Ligne 1\r\n\tLigne 2' }).expect(303);
    expect((await ctx.db('releases').where({ id: release.id }).first()).changelog).to.equal('Ligne 1\r\n\tLigne 2');
  });

  it('refuses a NUL in a multipart text field (release upload) with the 400 page and keeps no upload', async () => {
    const csrf = await csrfOf(admin, '/admin/releases');
    const count = (await ctx.db('releases')).length;
    const res = await admin.post('/admin/releases').field('_csrf', csrf).field('changelog', 'a\u0000b').attach('deb', buildDeb({ version: '0.3.0' }), 'x.deb');
    expect(res.status).to.equal(400);
    expect(res.text).to.contain('Caractère non autorisé');
    expect((await ctx.db('releases')).length).to.equal(count);
  });

  it('answers the JSON error under /api, before the database is asked', async () => {
    const inst = newInstallation();
    const res = await request(ctx.app).get(`/api/v1/installations/${inst.code}/keyfiles?after_serial=1%00`).expect(400);
    expect(res.body).to.include({ success: false, error: 'INVALID_REQUEST' });
    expect(res.body.details).to.deep.equal({ after_serial: 'CONTROL_CHARACTER' });
    const trial = await request(ctx.app).post('/api/v1/licenses/trial?x=%00')
      .send({ machine_id: 'ab'.repeat(16), email: 'a@example.fr', product: 'easyfacture' })
      .expect(400);
    expect(trial.body.error).to.equal('INVALID_REQUEST');
  });
});
