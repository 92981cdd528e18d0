/**
 * Integers and dates a column cannot hold never reach the database
 * (src/http/query.ts boundedInt and parseDay, the forms' own ranges): on
 * PostgreSQL an integer past its column type or a year 0 or 10000 was a 500.
 * Each is a field error, a 404, the API's documented 400, or a filter
 * ignored — on SQLite and PostgreSQL alike.
 */
import { expect } from 'chai';
import request from 'supertest';
import { createAccount, csrfOf, loginAgent } from '../helpers/accounts.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { csvBody, csvLines, parseCsv } from '../helpers/csv.js';
import type { Agent } from '../helpers/forms.js';
import { credit, installationProof, newInstallation, recharge, type TestInstallation } from '../helpers/recharge.js';

const HUGE = ['10000000000000000000', '9223372036854775808', '2147483648', '1e400', '-1', '1.5'];
const BAD_DAYS = ['0000-01-01', '10000-01-01', '2026-02-30', '-000001-01-01'];

describe('integers and dates out of their column\'s range', function () {
  this.timeout(60000);
  let ctx: TestContext;
  let admin: Agent;
  let partner: Agent;
  let code: string;
  let installation: TestInstallation;
  let ids: { partner: number; license: number; product: number; recharge: string };
  before(async () => {
    ctx = await createTestContext();
    const partnerId = await createAccount(ctx, 'bound-partner@example.fr');
    await credit(ctx, partnerId, 20);
    await createAccount(ctx, 'bound-admin@example.fr', 'admin');
    admin = await loginAgent(ctx, 'bound-admin@example.fr');
    partner = await loginAgent(ctx, 'bound-partner@example.fr');
    const inst = newInstallation();
    code = inst.code;
    installation = inst;
    const rechargeId = await recharge(partner, inst, 5);
    const at = ctx.clock.now().toISOString();
    const product = Number((await ctx.db('products').where({ code: 'easyfacture' }).first('id')).id);
    await ctx.db('licenses').insert({
      public_id: '00000000-0000-4000-8000-000000000003', product_id: product, machine_id: 'ef'.repeat(16), email: 'bound@example.fr',
      license_type: 'monthly', state: 'active', issued_at: at, expires_at: '2026-12-22T10:00:00.000Z', created_at: at, updated_at: at,
    });
    ids = { partner: partnerId, license: Number((await ctx.db('licenses').first('id')).id), product, recharge: rechargeId };
  });
  after(async () => ctx.close());

  describe('GET /api/v1/installations/:code/keyfiles', () => {
    it('answers 400 INVALID_REQUEST to an after_serial past the serial column, and serves the largest one', async () => {
      for (const n of HUGE) {
        const res = await request(ctx.app).get(`/api/v1/installations/${code}/keyfiles?after_serial=${n}`).expect(400);
        expect(res.body, n).to.include({ success: false, error: 'INVALID_REQUEST' });
      }
      const proof = await installationProof(ctx, installation);
      const last = await request(ctx.app).get(`/api/v1/installations/${code}/keyfiles?after_serial=2147483647`).set('X-Installation-Proof', proof).expect(200);
      expect(last.body.keyfiles).to.deep.equal([]);
    });
  });

  describe('date filters', () => {
    const lists = ['/admin/audit', '/admin/downloads', '/admin/messages', '/admin/recharges'];
    it('ignores a year 0000 or 10000 (or an impossible day) on the admin lists and their CSV', async () => {
      for (const list of lists) {
        for (const day of BAD_DAYS) {
          await admin.get(`${list}?from=${day}&to=${day}`).expect(200);
          if (list === '/admin/messages') continue;
          const csv = await admin.get(`${list}?from=${day}&to=${day}&format=csv`).expect(200).expect('Content-Type', /text\/csv/);
          expect(csvLines(csv)[0], `${list} ${day}`).to.match(/^\w+([,;]\w+)+\r?$/);
        }
      }
    });

    it('ignores them on the partner\'s recharge history, page and CSV, which still lists the recharge', async () => {
      for (const day of BAD_DAYS) {
        const page = await partner.get(`/subscription/recharges?from=${day}&to=${day}`).expect(200);
        expect(page.text, day).to.contain(ids.recharge.slice(0, 8));
        const csv = await partner.get(`/subscription/recharges?from=${day}&to=${day}&format=csv`).expect(200).expect('Content-Type', /text\/csv/);
        expect(parseCsv(csvBody(csv), ';').map((r) => r.id), day).to.include(ids.recharge);
      }
    });
  });

  describe('route ids and page numbers', () => {
    it('answers 404 to an id past the id column, and the first page to a page number past any', async () => {
      for (const n of HUGE) {
        for (const path of ['/admin/partners', '/admin/licenses', '/admin/products', '/admin/audit', '/admin/releases', '/admin/messages']) {
          expect((await admin.get(`${path}/${n}`)).status, `${path}/${n}`).to.equal(404);
          expect((await admin.get(`${path}?page=${n}`)).status, `${path}?page=${n}`).to.equal(200);
        }
        expect((await partner.get(`/subscription/recharges/${n}`)).status, n).to.equal(404);
      }
    });
  });

  describe('numeric and date form fields', () => {
    async function post(path: string, page: string, fields: Record<string, string>): Promise<request.Response> {
      return admin.post(path).type('form').send({ _csrf: await csrfOf(admin, page), ...fields });
    }

    it('re-renders the product form with field errors for counts past their column', async () => {
      const policy = { name: 'EasyFacture', trial_days: '30', grace_days: '7', max_activations: '1', heartbeat_interval_seconds: '86400', renewal_url: '' };
      for (const field of ['trial_days', 'grace_days', 'max_activations', 'heartbeat_interval_seconds']) {
        for (const n of HUGE) {
          const res = await post(`/admin/products/${ids.product}`, `/admin/products/${ids.product}`, { ...policy, [field]: n });
          expect(res.status, `${field}=${n}`).to.equal(422);
          expect(res.text).to.contain(`value="${n}"`);
        }
      }
    });

    it('refuses out-of-range units, days, counts and dates with field errors', async () => {
      const cases: [string, string, Record<string, string>][] = [
        ...HUGE.map((n): [string, string, Record<string, string>] => [
          `/admin/partners/${ids.partner}/balance`, `/admin/partners/${ids.partner}`,
          { kind: 'credit', units: n, reason: 'test' },
        ]),
        ...HUGE.map((n): [string, string, Record<string, string>] => [
          `/admin/licenses/${ids.license}/extend`, `/admin/licenses/${ids.license}`, { days: n, reason: 'test', confirm: 'yes' },
        ]),
        ...BAD_DAYS.map((d): [string, string, Record<string, string>] => [
          `/admin/licenses/${ids.license}/extend`, `/admin/licenses/${ids.license}`, { until: d, reason: 'test', confirm: 'yes' },
        ]),
        ...HUGE.map((n): [string, string, Record<string, string>] => [
          '/admin/activation-codes', '/admin/activation-codes', { product: 'easyfacture', type: 'monthly', count: n },
        ]),
        ...HUGE.map((n): [string, string, Record<string, string>] => [
          '/admin/activation-codes', '/admin/activation-codes',
          { product: 'easyfacture', type: 'monthly', count: '1', duration_days: n },
        ]),
        ...BAD_DAYS.map((d): [string, string, Record<string, string>] => [
          '/admin/activation-codes', '/admin/activation-codes',
          { product: 'easyfacture', type: 'monthly', count: '1', expires_at: d },
        ]),
      ];
      for (const [path, page, fields] of cases) {
        const res = await post(path, page, fields);
        expect(res.status, `${path} ${JSON.stringify(fields)}`).to.equal(422);
      }
      const license = await ctx.db('licenses').where({ id: ids.license }).first();
      expect(new Date(String(license.expires_at)).toISOString()).to.equal('2026-12-22T10:00:00.000Z');
    });
  });
});
