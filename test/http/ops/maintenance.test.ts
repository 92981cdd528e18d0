/**
 * Maintenance mode: visitors, partners and customers get a 503 page (their language, the message, Retry-After)
 * while desktop programs keep validating their licenses and staff keep logging in and working in /admin, with a
 * banner; `npm run maintenance` turns it on and off for a running app (the switch is in the database).
 */
import { expect } from 'chai';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import { createAccount, csrfOf, loginAgent, request } from '../../helpers/accounts.js';
import { cli } from '../../helpers/cli.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { testDatabaseEnv } from '../../helpers/db.js';
import { HIGH_LIMITS, machine, post, trial } from '../../helpers/licenses.js';
import { waitFor } from '../../helpers/wait.js';

describe('maintenance mode', function () {
  this.timeout(60000);
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext({ env: { ...HIGH_LIMITS, MAINTENANCE_CACHE_SECONDS: '1', PAGE_CACHE_TTL: '60' } });
    await createAccount(ctx, 'boss@example.fr', 'admin');
    await createAccount(ctx, 'partner@example.fr', 'partner');
    await createAccount(ctx, 'client@example.fr', 'customer');
    await createAccount(ctx, 'help@example.fr', 'support');
  });
  after(async () => { await ctx.close(); });
  afterEach(async () => { await ctx.handle.maintenance.set(false, null, SYSTEM_ACTOR); });

  describe('GET / and the partner and customer areas while it is on', () => {
    it('answers 503 with Retry-After and the message in French and in English, even for a page the cache holds', async () => {
      await request(ctx.app).get('/').set('Accept-Language', 'fr').expect(200);
      await ctx.handle.maintenance.set(true, 'Retour prévu à 14 h', SYSTEM_ACTOR);
      const fr = await request(ctx.app).get('/').set('Accept-Language', 'fr');
      expect(fr.status).to.equal(503);
      expect(fr.headers['retry-after']).to.equal('300');
      expect(fr.text).to.contain('Maintenance en cours').and.contain('Retour prévu à 14 h').and.contain('<html lang="fr">');
      const en = await request(ctx.app).get('/features?lang=en');
      expect(en.status).to.equal(503);
      expect(en.headers['retry-after']).to.equal('300');
      expect(en.text).to.contain('Maintenance in progress').and.contain('Retour prévu à 14 h').and.contain('<html lang="en">');
      expect((await request(ctx.app).post('/contact').type('form').send('name=x')).status).to.equal(503);
    });

    it('answers 503 to a logged-in partner and customer, whose login still works', async () => {
      await ctx.handle.maintenance.set(true, null, SYSTEM_ACTOR);
      const partner = await loginAgent(ctx, 'partner@example.fr');
      const dashboard = await partner.get('/subscription/dashboard');
      expect(dashboard.status).to.equal(503);
      expect(dashboard.text).to.contain('Maintenance en cours').and.not.contain('Mode maintenance activé');
      const customer = await loginAgent(ctx, 'client@example.fr');
      expect((await customer.get('/account')).status).to.equal(503);
      expect((await partner.get('/admin')).status).to.not.equal(200);
    });

    it('still serves static assets and the login page', async () => {
      await ctx.handle.maintenance.set(true, null, SYSTEM_ACTOR);
      await request(ctx.app).get('/css/site.css').expect(200);
      await request(ctx.app).get('/img/logo.svg').expect(200);
      const login = await request(ctx.app).get('/subscription/login').expect(200);
      expect(login.text).to.contain('name="password"');
    });
  });

  describe('the license API while it is on', () => {
    it('keeps answering validations (both routes) and trials', async () => {
      await ctx.handle.maintenance.set(true, 'Mise à jour', SYSTEM_ACTOR);
      const t = await trial(ctx, machine(), 'desk@example.com');
      const v1 = await post(ctx, '/api/v1/licenses/validate', { machine_id: t.machineId, license_key: t.license_key });
      expect(v1.status).to.equal(200);
      expect(v1.body).to.include({ success: true, valid: true });
      const compat = await post(ctx, '/api/license/validate', { key: t.license_key, device_id: t.machineId });
      expect(compat.status).to.equal(200);
      expect(compat.body).to.include({ valid: true, allowed: true });
    });
  });

  describe('staff while it is on', () => {
    it('log in, see /admin with the banner and the message, and can check the public pages', async () => {
      await ctx.handle.maintenance.set(true, 'Migration de la base', SYSTEM_ACTOR);
      const boss = await loginAgent(ctx, 'boss@example.fr');
      const admin = await boss.get('/admin').expect(200);
      expect(admin.text).to.contain('Mode maintenance activé').and.contain('Migration de la base');
      const home = await boss.get('/').expect(200);
      expect(home.text).to.contain('Mode maintenance activé');
      await ctx.handle.maintenance.set(false, null, SYSTEM_ACTOR);
      expect((await boss.get('/admin').expect(200)).text).to.not.contain('Mode maintenance activé');
    });
  });

  describe('off again', () => {
    it('serves the pages as before, without Retry-After', async () => {
      await ctx.handle.maintenance.set(true, null, SYSTEM_ACTOR);
      expect((await request(ctx.app).get('/download')).status).to.equal(503);
      await ctx.handle.maintenance.set(false, null, SYSTEM_ACTOR);
      const res = await request(ctx.app).get('/download').expect(200);
      expect(res.headers['retry-after']).to.equal(undefined);
      const partner = await loginAgent(ctx, 'partner@example.fr');
      await partner.get('/subscription/dashboard').expect(200);
    });
  });

  describe('POST /admin/maintenance', () => {
    it('lets an admin turn it on with a message and off again; support reads the state without the form', async () => {
      const boss = await loginAgent(ctx, 'boss@example.fr');
      const page = await boss.get('/admin/maintenance').expect(200);
      expect(page.text).to.contain('Désactivé').and.contain('Activer le mode maintenance');
      await boss.post('/admin/maintenance').type('form')
        .send({ _csrf: await csrfOf(boss, '/admin/maintenance'), action: 'on', message: 'Sauvegarde en cours' }).expect(303);
      const closed = await request(ctx.app).get('/').set('Accept-Language', 'fr');
      expect(closed.status).to.equal(503);
      expect(closed.text).to.contain('Sauvegarde en cours');
      const after = await boss.get('/admin/maintenance').expect(200);
      expect(after.text).to.contain('Mode maintenance activé.').and.contain('boss@example.fr').and.contain('Désactiver le mode maintenance');
      const help = await loginAgent(ctx, 'help@example.fr');
      const read = await help.get('/admin/maintenance').expect(200);
      expect(read.text).to.contain('Activé').and.not.contain('Désactiver le mode maintenance');
      await boss.post('/admin/maintenance').type('form').send({ _csrf: await csrfOf(boss, '/admin/maintenance'), action: 'off' }).expect(303);
      await request(ctx.app).get('/').expect(200);
      const audit = await ctx.db('audit_log').where({ action: 'maintenance.on', actor_email: 'boss@example.fr' }).first();
      expect(audit).to.exist;
    });
  });

  describe('npm run maintenance', () => {
    let env: Record<string, string>;
    before(() => {
      env = { DB_DIR: ctx.config.paths.db, LOGS_DIR: `${ctx.dir}/logs`, SUBSCRIPTION_DIR: `${ctx.dir}/subscription`, ...testDatabaseEnv(ctx.config.paths.db) };
    });

    it('turns it on with a message for the running app, then off, each with an audit row', async () => {
      const on = await cli('maintenance.ts', ['on', '--message', 'Nouvelle version ce soir'], env, '');
      expect(on.code, on.err).to.equal(0);
      expect(on.out).to.contain('Maintenance mode is on').and.contain('Nouvelle version ce soir');
      const closed = await waitFor(async () => {
        const res = await request(ctx.app).get('/').set('Accept-Language', 'fr');
        return res.status === 503 ? res : null;
      }, { what: 'the 503 page' });
      expect(closed.text).to.contain('Nouvelle version ce soir');
      const status = await cli('maintenance.ts', ['status'], env, '');
      expect(status.out).to.contain('Maintenance mode is on');
      const off = await cli('maintenance.ts', ['off'], env, '');
      expect(off.code, off.err).to.equal(0);
      expect(off.out).to.contain('Maintenance mode is off');
      await waitFor(async () => (await request(ctx.app).get('/')).status === 200, { what: 'the home page again' });
      const actions = (await ctx.db('audit_log').whereIn('action', ['maintenance.on', 'maintenance.off']).select('action')).map((r) => r.action);
      expect(actions).to.include('maintenance.on').and.include('maintenance.off');
    });

    it('refuses a missing or unknown action and a message with off', async () => {
      for (const args of [[], ['maybe'], ['off', '--message', 'x'], ['on', 'off']]) {
        const res = await cli('maintenance.ts', args, env, '');
        expect(res.code, args.join(' ')).to.equal(1);
        expect(res.err).to.contain('Usage: npm run maintenance');
      }
    });
  });
});
