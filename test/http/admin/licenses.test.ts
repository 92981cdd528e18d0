/** /admin/licenses: the list, the detail page, the actions (revoke, suspend, reinstate, extend) and the statistics. */
import crypto from 'node:crypto';
import { expect } from 'chai';
import type { Role } from '../../../src/accounts/index.js';
import { createAccount, csrfOf, loginAgent } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { decodeHtml as decode, hiddenFields, type Agent } from '../../helpers/forms.js';
import { csvLines } from '../../helpers/csv.js';

const DAY = 86_400_000;
const REASON_REQUIRED = 'Indiquez un motif.';

async function staffAgent(ctx: TestContext, role: Exclude<Role, 'partner'>): Promise<Agent> {
  const email = `${role}@artisan-nd.test`;
  await createAccount(ctx, email, role);
  return loginAgent(ctx, email);
}

interface LicenseFixture {
  product?: string;
  machine?: string;
  email?: string;
  type?: 'trial' | 'monthly' | 'annual' | 'lifetime';
  state?: 'active' | 'suspended' | 'revoked';
  /** Days from the test clock's now (negative: in the past); null: lifetime. */
  issuedDays?: number;
  expiresDays?: number | null;
}

/** A license row inserted directly; returns its id. */
async function insertLicense(ctx: TestContext, f: LicenseFixture = {}): Promise<number> {
  const now = ctx.clock.now().getTime();
  const product = (await ctx.db('products').where({ code: f.product ?? 'easyfacture' }).first('id')) as { id: number };
  const type = f.type ?? 'trial';
  const expires = f.expiresDays === undefined ? (type === 'lifetime' ? null : 30) : f.expiresDays;
  const at = new Date(now + (f.issuedDays ?? 0) * DAY).toISOString();
  const [row] = (await ctx.db('licenses').insert({
    public_id: crypto.randomUUID(), product_id: product.id, machine_id: f.machine ?? crypto.randomBytes(16).toString('hex'),
    email: f.email ?? 'client@example.fr',
    license_type: type, state: f.state ?? 'active', issued_at: at, expires_at: expires === null ? null : new Date(now + expires * DAY).toISOString(),
    app_version: '2.4.1', os_info: 'Windows 11', ip: '198.51.100.7', created_at: at, updated_at: at,
  }).returning('id')) as { id: number }[];
  return Number(row!.id);
}



async function post(agent: Agent, id: number, action: string, fields: Record<string, string> = {}) {
  const csrf = await csrfOf(agent, `/admin/licenses/${id}`);
  return agent.post(`/admin/licenses/${id}/${action}`).type('form').send({ ...fields, _csrf: csrf });
}

/** The confirmation page, then its confirmed form. */
async function postConfirmed(agent: Agent, id: number, action: string, fields: Record<string, string> = {}) {
  const first = await post(agent, id, action, fields);
  expect(first.status, first.text.slice(0, 300)).to.equal(200);
  expect(first.text).to.contain('name="confirm" value="yes"');
  return { confirmPage: first.text, res: await agent.post(`/admin/licenses/${id}/${action}`).type('form').send(hiddenFields(first.text)) };
}

async function row(ctx: TestContext, id: number): Promise<Record<string, unknown>> {
  return (await ctx.db('licenses').where({ id }).first()) as Record<string, unknown>;
}

async function audits(ctx: TestContext, id: number): Promise<{ action: string; details: unknown }[]> {
  return (await ctx.handle.audit.list({ targetType: 'license', targetId: String(id) }, 100)).map((r) => ({ action: r.action, details: r.details }));
}

describe('admin licenses', function () {
  let ctx: TestContext;
  beforeEach(async () => { ctx = await createTestContext(); });
  afterEach(async () => { await ctx.close(); });

  describe('GET /admin/licenses', () => {
    it('searches machine id and e-mail, filters by product, state and type, and exports CSV', async () => {
      const machine = 'ab'.repeat(16);
      await insertLicense(ctx, { machine, email: 'marie@imprimerie.fr' });
      await insertLicense(ctx, { product: 'artisan_nd', email: 'paul@boulangerie.fr', type: 'annual', state: 'revoked' });
      const support = await staffAgent(ctx, 'support');
      const all = (await support.get('/admin/licenses').expect(200)).text;
      expect(all).to.contain('marie@imprimerie.fr').and.contain('paul@boulangerie.fr').and.contain('2 résultats').and.contain('href="/admin/licenses/stats"');
      for (const q of ['ABABAB', 'MARIE@', 'imprimerie']) {
        const page = (await support.get(`/admin/licenses?q=${encodeURIComponent(q)}`).expect(200)).text;
        expect(page, q).to.contain('marie@imprimerie.fr').and.not.contain('paul@boulangerie.fr');
      }
      for (const filter of ['product=artisan_nd', 'state=revoked', 'type=annual']) {
        const page = (await support.get(`/admin/licenses?${filter}`).expect(200)).text;
        expect(page, filter).to.contain('paul@boulangerie.fr').and.not.contain('marie@imprimerie.fr');
      }
      expect((await support.get('/admin/licenses?q=zzz%25').expect(200)).text).to.contain('Aucun résultat pour ces filtres.');
      await support.get('/admin/licenses?sort=password&dir=x&product=nope&state=gone&type=free&page=-1').expect(200);
      const byEmail = (await support.get('/admin/licenses?sort=email&dir=asc').expect(200)).text;
      expect(byEmail.indexOf('marie@imprimerie.fr')).to.be.lessThan(byEmail.indexOf('paul@boulangerie.fr'));

      const csv = await support.get('/admin/licenses?state=active&format=csv&sep=comma').expect(200);
      expect(csv.headers['content-type']).to.match(/^text\/csv/);
      const lines = csvLines(csv);
      expect(lines[0]).to.equal(
        'license_id,product,machine_id,email,license_type,state,state_reason,issued_at,expires_at,last_validated_at,last_heartbeat_at,app_version,os_info,ip'
      );
      expect(lines).to.have.length(2);
      expect(lines[1]).to.contain(`,easyfacture,${machine},marie@imprimerie.fr,trial,active,,2026-11-22T10:00:00.000Z,2026-12-22T10:00:00.000Z,`);
    });

    it('pages by 50', async () => {
      for (let i = 0; i < 51; i++) await insertLicense(ctx, { email: `c${String(i).padStart(2, '0')}@example.fr`, type: 'monthly' });
      const admin = await staffAgent(ctx, 'admin');
      const first = (await admin.get('/admin/licenses?sort=email&dir=asc').expect(200)).text;
      expect(first).to.contain('51 résultats').and.contain('Page 1 sur 2').and.contain('c49@example.fr').and.not.contain('c50@example.fr');
      expect((await admin.get('/admin/licenses?sort=email&dir=asc&page=2').expect(200)).text).to.contain('c50@example.fr');
    });
  });

  describe('GET /admin/licenses/:id', () => {
    it('shows the license, its activations, last heartbeats and audit rows; support reads only', async () => {
      const id = await insertLicense(ctx, { email: 'marie@imprimerie.fr', type: 'annual', expiresDays: 200 });
      const l = await row(ctx, id);
      const now = ctx.clock.now().toISOString();
      await ctx.db('license_activations').insert({
        license_id: id, machine_id: l.machine_id, kind: 'activation', ip: '198.51.100.7', first_seen_at: now, last_seen_at: now,
      });
      for (let i = 0; i < 55; i++) {
        await ctx.db('license_heartbeats').insert({
          license_id: id, machine_id: l.machine_id, app_version: `2.4.${i}`, os_info: 'Windows 11', ip: '198.51.100.7',
          created_at: new Date(Date.parse(now) - i * 60_000).toISOString(),
        });
      }
      await ctx.handle.audit.record(ctx.db, { id: null, email: null, ip: '198.51.100.7', userAgent: null }, 'license.activated', { type: 'license', id },
        { product: 'easyfacture', type: 'annual', code: 'ABCD-EFGH-JKLM-NPQR', machine: String(l.machine_id), email: 'x@example.fr' });
      const support = await staffAgent(ctx, 'support');
      const page = (await support.get(`/admin/licenses/${id}`).expect(200)).text;
      expect(page).to.contain(String(l.public_id)).and.contain(String(l.machine_id)).and.contain('marie@imprimerie.fr').and.contain('Annuelle');
      expect(page).to.contain('Windows 11').and.contain('198.51.100.7');
      expect(decode(page)).to.match(/id="activations"[\s\S]*<td>code d'activation<\/td>/);
      expect(page).not.to.contain('<td>activation</td>');
      expect(page).to.contain('2.4.0').and.contain('2.4.49').and.not.contain('2.4.50<');
      expect(page).to.match(/id="audit"[\s\S]*license.activated/);
      expect(page).to.contain('Votre rôle permet seulement de consulter cette page.');
      expect(page).not.to.contain(`action="/admin/licenses/${id}/`);
      for (const action of ['revoke', 'suspend', 'reinstate', 'extend']) {
        const res = await post(support, id, action, { reason: 'x', days: '5', confirm: 'yes' });
        expect(res.status, action).to.equal(403);
      }
      expect((await row(ctx, id)).state).to.equal('active');
      const admin = await staffAgent(ctx, 'admin');
      const adminPage = (await admin.get(`/admin/licenses/${id}`).expect(200)).text;
      for (const action of ['revoke', 'suspend', 'extend']) expect(adminPage).to.contain(`action="/admin/licenses/${id}/${action}"`);
      expect(adminPage).not.to.contain(`action="/admin/licenses/${id}/reinstate"`);
      await admin.get('/admin/licenses/99999').expect(404);
      await admin.get('/admin/licenses/abc').expect(404);
      expect((await admin.get(`/admin/licenses/${id}?lang=en`).expect(200)).text).to.contain('Revoke the license').and.contain('Last heartbeats')
        .and.contain('<td>activation code</td>');
    });
  });

  describe('actions', () => {
    it('revokes with a reason after confirmation, then reinstates', async () => {
      const id = await insertLicense(ctx, { type: 'monthly' });
      const admin = await staffAgent(ctx, 'admin');
      const missing = await post(admin, id, 'revoke', { reason: '  ' });
      expect(missing.status).to.equal(422);
      expect(decode(missing.text)).to.contain(REASON_REQUIRED);
      const { confirmPage, res } = await postConfirmed(admin, id, 'revoke', { reason: 'Carte bancaire contestée' });
      expect(confirmPage).to.contain('sera révoquée').and.contain('Carte bancaire contestée');
      expect(res.status).to.equal(303);
      const after = await row(ctx, id);
      expect(after).to.include({ state: 'revoked', state_reason: 'Carte bancaire contestée' });
      expect(after.state_changed_at).to.not.equal(null);
      const page = (await admin.get(`/admin/licenses/${id}`).expect(200)).text;
      expect(page).to.contain(`Licence ${String(after.public_id)} révoquée.`).and.contain('id="state-reason">Carte bancaire contestée<');
      expect(await audits(ctx, id)).to.deep.include({
        action: 'license.revoked', details: { from: 'active', to: 'revoked', reason: 'Carte bancaire contestée', context: 'reason' },
      });
      // Revoking again: 409 with a notice.
      const again = await post(admin, id, 'revoke', { reason: 'encore', confirm: 'yes' });
      expect(again.status).to.equal(409);
      expect(again.text).to.contain('id="notice"');

      const back = await postConfirmed(admin, id, 'reinstate');
      expect(back.confirmPage).to.contain('redeviendra active');
      expect(back.res.status).to.equal(303);
      expect(await row(ctx, id)).to.include({ state: 'active', state_reason: null });
      expect((await audits(ctx, id)).map((a) => a.action)).to.include('license.reinstated');
    });

    it('suspends with a reason, and reinstates a suspended license', async () => {
      const id = await insertLicense(ctx, { type: 'annual' });
      const admin = await staffAgent(ctx, 'admin');
      const { res } = await postConfirmed(admin, id, 'suspend', { reason: 'Vérification en cours' });
      expect(res.status).to.equal(303);
      expect(await row(ctx, id)).to.include({ state: 'suspended', state_reason: 'Vérification en cours' });
      expect((await post(admin, id, 'suspend', { reason: 'x', confirm: 'yes' })).status).to.equal(409);
      const { res: back } = await postConfirmed(admin, id, 'reinstate');
      expect(back.status).to.equal(303);
      expect(await row(ctx, id)).to.include({ state: 'active' });
      expect((await audits(ctx, id)).map((a) => a.action)).to.include.members(['license.suspended', 'license.reinstated']);
    });

    it('extends by days or to a date, with a reason; refuses bad input and lifetime licenses', async () => {
      const id = await insertLicense(ctx, { type: 'monthly', expiresDays: 10 });
      const admin = await staffAgent(ctx, 'admin');
      for (const [fields, error] of [
        [{ days: '0', reason: 'geste commercial' }, 'entre 1 et 3650'],
        [{ days: '3651', reason: 'geste commercial' }, 'entre 1 et 3650'],
        [{ days: '5', until: '2027-01-01', reason: 'geste commercial' }, 'pas les deux'],
        [{ reason: 'geste commercial' }, 'Indiquez un nombre de jours ou une date.'],
        [{ until: '2026-02-30', reason: 'geste commercial' }, 'Date invalide'],
        [{ until: '2101-01-01', reason: 'geste commercial' }, 'Date invalide'],
        [{ until: '2026-01-01', reason: 'geste commercial' }, 'dans le futur'],
        [{ days: '5' }, REASON_REQUIRED],
      ] as const) {
        const res = await post(admin, id, 'extend', fields);
        expect(res.status, JSON.stringify(fields)).to.equal(422);
        expect(decode(res.text), JSON.stringify(fields)).to.contain(error);
      }
      const res = await post(admin, id, 'extend', { days: '30', reason: 'geste commercial' });
      expect(res.status).to.equal(303);
      expect(new Date(String((await row(ctx, id)).expires_at)).toISOString()).to.equal('2027-01-01T10:00:00.000Z');
      expect(await audits(ctx, id)).to.deep.include({
        action: 'license.extended', details: { before_at: '2026-12-02T10:00:00.000Z', after_at: '2027-01-01T10:00:00.000Z', reason: 'geste commercial' },
      });
      const page = (await admin.get(`/admin/licenses/${id}`).expect(200)).text;
      expect(page).to.contain('prolongée jusqu&#39;au 2027-01-01');

      expect((await post(admin, id, 'extend', { until: '2027-06-30', reason: 'accord annuel' })).status).to.equal(303);
      expect(new Date(String((await row(ctx, id)).expires_at)).toISOString()).to.equal('2027-06-30T23:59:59.000Z');

      // An expired license is extended from today.
      const expired = await insertLicense(ctx, { type: 'monthly', expiresDays: -40 });
      expect((await post(admin, expired, 'extend', { days: '7', reason: 'relance' })).status).to.equal(303);
      expect(new Date(String((await row(ctx, expired)).expires_at)).toISOString()).to.equal('2026-11-29T10:00:00.000Z');

      const lifetime = await insertLicense(ctx, { type: 'lifetime' });
      expect((await admin.get(`/admin/licenses/${lifetime}`).expect(200)).text).not.to.contain(`action="/admin/licenses/${lifetime}/extend"`);
      const refused = await post(admin, lifetime, 'extend', { days: '5', reason: 'x' });
      expect(refused.status).to.equal(409);
      expect(decode(refused.text)).to.contain('Une licence à vie ne se prolonge pas.');
      expect((await row(ctx, lifetime)).expires_at).to.equal(null);
    });
  });

  describe('GET /admin/licenses/stats', () => {
    it('counts active trials, paid licenses, the trial → paid conversion and validations per day', async () => {
      const m = (n: number) => n.toString(16).padStart(32, '0');
      // easyfacture: 4 machines had a trial; 2 of them later bought (one monthly, one lifetime); one bought before its trial (not counted).
      await insertLicense(ctx, { machine: m(1), email: 'a@x.fr', issuedDays: -40, expiresDays: -10 });
      await insertLicense(ctx, { machine: m(1), type: 'monthly', issuedDays: -9, expiresDays: 21 });
      await insertLicense(ctx, { machine: m(2), email: 'b@x.fr', issuedDays: -5, expiresDays: 25 });
      await insertLicense(ctx, { machine: m(2), type: 'lifetime', issuedDays: -1 });
      await insertLicense(ctx, { machine: m(3), email: 'c@x.fr', issuedDays: -3, expiresDays: 27 });
      await insertLicense(ctx, { machine: m(4), type: 'annual', issuedDays: -100, expiresDays: 265 });
      await insertLicense(ctx, { machine: m(4), email: 'd@x.fr', issuedDays: -2, expiresDays: 28, state: 'revoked' });
      // Not counted as paid in force: expired, revoked.
      await insertLicense(ctx, { machine: m(5), type: 'monthly', issuedDays: -60, expiresDays: -30 });
      await insertLicense(ctx, { machine: m(6), type: 'annual', state: 'revoked' });
      // artisan_nd: one running trial, no conversion.
      await insertLicense(ctx, { product: 'artisan_nd', machine: m(7) });
      const ef = (await ctx.db('products').where({ code: 'easyfacture' }).first('id')) as { id: number };
      await ctx.db('license_validation_days').insert([
        { product_id: ef.id, day: '2026-11-22', validations: 12, failures: 2 },
        { product_id: ef.id, day: '2026-11-20', validations: 5, failures: 0 },
        { product_id: ef.id, day: '2026-09-01', validations: 99, failures: 0 },
      ]);
      const support = await staffAgent(ctx, 'support');
      const page = (await support.get('/admin/licenses/stats').expect(200)).text;
      const cells = (code: string) => {
        const tr = new RegExp(`<tr id="stats-${code}">([\\s\\S]*?)</tr>`).exec(page)?.[1] ?? '';
        return Object.fromEntries([...tr.matchAll(/data-stat="([a-z-]+)">(?:<a [^>]*>)?([^<]*)/g)].map((x) => [x[1], x[2]]));
      };
      expect(cells('easyfacture')).to.deep.equal({
        'active-trials': '2', paid: '3', 'trial-machines': '4', converted: '2', conversion: '50 %', validations: '17',
      });
      expect(cells('artisan_nd')).to.deep.equal({
        'active-trials': '1', paid: '0', 'trial-machines': '1', converted: '0', conversion: '0 %', validations: '0',
      });
      expect(page).to.contain('id="validations-chart"').and.contain('/vendor/chart.js/chart.umd.min.js').and.contain('/js/admin-dashboard.js');
      const datasets = JSON.parse(decode(/data-datasets="([^"]*)"/.exec(page.slice(page.indexOf('id="validations-chart"')))![1]!)) as { label: string; data: number[] }[];
      expect(datasets[1]!.label).to.equal('EasyFacture');
      expect(datasets[1]!.data).to.have.length(30);
      expect(datasets[1]!.data.slice(-3)).to.deep.equal([5, 0, 12]);
      expect(page).to.match(/<th scope="row">2026-11-22<\/th><td class="number">0<\/td><td class="number">12 <small>\(2 échecs\)/);
      expect((await support.get('/admin/licenses/stats?lang=en').expect(200)).text).to.contain('Trial → paid conversion');
    });
  });
});
