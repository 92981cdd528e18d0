/** /admin/activation-codes, /admin/api-tokens and /admin/products: admin-only pages of the license server. */
import crypto from 'node:crypto';
import { expect } from 'chai';
import type { Role } from '../../../src/accounts/index.js';
import { hashToken } from '../../../src/accounts/tokens.js';
import { parseActivationCode } from '../../../src/licenses/activation-code.js';
import { createAccount, csrfOf, loginAgent } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { decodeHtml as decode, hiddenFields, type Agent } from '../../helpers/forms.js';
import { csvLines } from '../../helpers/csv.js';
import { auditSummary } from '../../../src/audit/index.js';
import { createI18n } from '../../../src/http/i18n.js';

const en = createI18n('en', false).t.en;

async function staffAgent(ctx: TestContext, role: Exclude<Role, 'partner'>, email = `${role}@artisan-nd.test`): Promise<Agent> {
  await createAccount(ctx, email, role);
  return loginAgent(ctx, email);
}



async function postForm(agent: Agent, page: string, action: string, fields: Record<string, string>) {
  const csrf = await csrfOf(agent, page);
  return agent.post(action).type('form').send({ ...fields, _csrf: csrf });
}

async function auditActions(ctx: TestContext, action: string): Promise<{ targetType: string | null; targetId: string | null; summary: string }[]> {
  return (await ctx.handle.audit.list({ action }, 100)).map((r) => ({ targetType: r.targetType, targetId: r.targetId, summary: auditSummary(en, r) }));
}

describe('admin license settings', function () {
  let ctx: TestContext;
  beforeEach(async () => { ctx = await createTestContext(); });
  afterEach(async () => { await ctx.close(); });

  it('is for admins: support gets 403 on every page and form', async () => {
    const support = await staffAgent(ctx, 'support');
    for (const path of ['/admin/activation-codes', '/admin/activation-codes/1', '/admin/api-tokens', '/admin/products', '/admin/products/1']) {
      await support.get(path).expect(403);
    }
    const csrf = await csrfOf(support, '/admin/licenses');
    for (const path of ['/admin/activation-codes', '/admin/api-tokens', '/admin/api-tokens/1/revoke', '/admin/products', '/admin/products/1']) {
      await support.post(path).type('form').send({ _csrf: csrf, label: 'x', code: 'abc', confirm: 'yes' }).expect(403);
    }
    expect(await ctx.db('api_tokens').count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 0);
  });

  describe('/admin/activation-codes', () => {
    it('generates a batch of valid codes, lists it, pages its codes, shows the used ones and exports CSV', async () => {
      const admin = await staffAgent(ctx, 'admin');
      const page = (await admin.get('/admin/activation-codes').expect(200)).text;
      expect(page).to.contain('id="generate-form"').and.contain('Aucun lot de codes');
      const res = await postForm(
        admin, '/admin/activation-codes', '/admin/activation-codes',
        { product: 'artisan_nd', type: 'annual', duration_days: '', count: '60', expires_at: '2027-12-31', note: 'Salon 2027' },
      );
      expect(res.status, res.text.slice(0, 400)).to.equal(303);
      const batch = (await ctx.db('activation_batches').first()) as Record<string, unknown>;
      expect(res.headers.location).to.equal(`/admin/activation-codes/${String(batch.id)}`);
      expect(batch).to.include({ license_type: 'annual', size: 60, note: 'Salon 2027' });
      expect(Number(batch.duration_days)).to.equal(365);
      expect(new Date(String(batch.expires_at)).toISOString()).to.equal('2027-12-31T23:59:59.000Z');
      const codes = (await ctx.db('activation_codes').where({ batch_id: batch.id }).orderBy('id')) as { id: number; code: string }[];
      expect(codes).to.have.length(60);
      for (const c of codes) expect(parseActivationCode(c.code), c.code).to.equal(c.code);
      expect(new Set(codes.map((c) => c.code)).size).to.equal(60);
      expect(await auditActions(ctx, 'activation_batch.created')).to.deep.equal([{
        targetType: 'activation_batch', targetId: String(batch.id), summary: '60 artisan_nd annual codes',
      }]);

      // One code used by a license.
      const now = ctx.clock.now().toISOString();
      const product = (await ctx.db('products').where({ code: 'artisan_nd' }).first('id')) as { id: number };
      const machine = 'cd'.repeat(16);
      const publicId = crypto.randomUUID();
      const [lic] = (await ctx.db('licenses').insert({
        public_id: publicId, product_id: product.id, machine_id: machine, email: 'x@example.fr', license_type: 'annual', state: 'active',
        issued_at: now, expires_at: '2027-11-22T10:00:00.000Z', activation_code_id: codes[1]!.id, created_at: now, updated_at: now,
      }).returning('id')) as { id: number }[];
      await ctx.db('activation_codes').where({ id: codes[1]!.id }).update({ used_at: now, license_id: lic!.id, machine_id: machine });

      const list = (await admin.get('/admin/activation-codes').expect(200)).text;
      expect(list).to.match(new RegExp(`id="batch-${String(batch.id)}"[\\s\\S]*?artisan_nd[\\s\\S]*?Annuelle[\\s\\S]*?365[\\s\\S]*?60[\\s\\S]*?data-used>1<`));
      expect(list).to.contain('Salon 2027').and.contain('admin@artisan-nd.test');
      const show = (await admin.get(`/admin/activation-codes/${String(batch.id)}`).expect(200)).text;
      expect(show).to.contain('Lot de codes n° ').and.contain('60 résultats').and.contain('Page 1 sur 2').and.contain(codes[0]!.code)
        .and.not.contain(codes[55]!.code);
      expect(show).to.contain(`href="/admin/licenses/${lic!.id}"`).and.contain(publicId).and.contain(machine);
      const used = (await admin.get(`/admin/activation-codes/${String(batch.id)}?used=yes`).expect(200)).text;
      expect(used).to.contain('1 résultat').and.contain(codes[1]!.code).and.not.contain(codes[0]!.code);
      expect((await admin.get(`/admin/activation-codes/${String(batch.id)}?used=no&page=2`).expect(200)).text).to.contain(codes[59]!.code);

      const csv = await admin.get(`/admin/activation-codes/${String(batch.id)}?format=csv&sep=comma`).expect(200);
      expect(csv.headers['content-type']).to.match(/^text\/csv/);
      expect(csv.headers['content-disposition']).to.contain(`activation-codes-${String(batch.id)}.csv`);
      const lines = csvLines(csv);
      expect(lines[0]).to.equal('code,used_at,machine_id,license_id');
      expect(lines).to.have.length(61);
      expect(lines[1]).to.equal(`${codes[0]!.code},,,`);
      expect(lines[2]).to.equal(`${codes[1]!.code},2026-11-22T10:00:00.000Z,${machine},${publicId}`);
      for (const l of lines.slice(1)) expect(parseActivationCode(l.split(',')[0])).to.not.equal(null);
      await admin.get('/admin/activation-codes/99999').expect(404);
    });

    it('takes the default duration, makes lifetime codes without one, and refuses bad input with 422', async () => {
      const admin = await staffAgent(ctx, 'admin');
      await postForm(
        admin, '/admin/activation-codes', '/admin/activation-codes', { product: 'easyfacture', type: 'monthly', count: '3' },
      ).then((r) => expect(r.status).to.equal(303));
      await postForm(
        admin, '/admin/activation-codes', '/admin/activation-codes',
        { product: 'easyfacture', type: 'lifetime', duration_days: '99', count: '2' },
      ).then((r) => expect(r.status).to.equal(303));
      const batches = (await ctx.db('activation_batches').orderBy('id')) as Record<string, unknown>[];
      expect(batches.map((b) => [
        b.license_type, b.duration_days === null ? null : Number(b.duration_days), Number(b.size),
      ])).to.deep.equal([['monthly', 30, 3], ['lifetime', null, 2]]);
      for (const [fields, error] of [
        [{ product: 'nope', type: 'monthly', count: '3' }, 'Choisissez un produit.'],
        [{ product: 'easyfacture', type: 'trial', count: '3' }, 'Choisissez un type de licence.'],
        [{ product: 'easyfacture', type: 'monthly', count: '0' }, 'de 1 à 10000'],
        [{ product: 'easyfacture', type: 'monthly', count: '10001' }, 'de 1 à 10000'],
        [{ product: 'easyfacture', type: 'annual', duration_days: '3651', count: '3' }, 'de 1 à 3650 jours'],
        [{ product: 'easyfacture', type: 'annual', count: '3', expires_at: '2020-01-01' }, 'dans le futur'],
        [{ product: 'easyfacture', type: 'annual', count: '3', expires_at: 'demain' }, 'Date invalide'],
      ] as const) {
        const res = await postForm(admin, '/admin/activation-codes', '/admin/activation-codes', fields);
        expect(res.status, JSON.stringify(fields)).to.equal(422);
        expect(decode(res.text), JSON.stringify(fields)).to.contain(error);
      }
      expect(Number(((await ctx.db('activation_codes').count({ n: '*' }).first()) as { n: unknown }).n)).to.equal(5);
      // The largest batch: 10 000 codes in one go.
      await postForm(
        admin, '/admin/activation-codes', '/admin/activation-codes', { product: 'artisan_nd', type: 'annual', count: '10000' },
      ).then((r) => expect(r.status).to.equal(303));
      const big = (await ctx.db('activation_batches').orderBy('id', 'desc').first('id')) as { id: number };
      const [n] = (await ctx.db('activation_codes').where({ batch_id: big.id }).countDistinct({ n: 'code' })) as { n: unknown }[];
      expect(Number(n!.n)).to.equal(10_000);
    });
  });

  describe('/admin/api-tokens', () => {
    it('creates a token shown once that the API accepts, lists it, and revokes it after confirmation', async () => {
      await createAccount(ctx, 'other-admin@artisan-nd.test', 'admin');
      const other = await ctx.handle.accounts.byEmail('other-admin@artisan-nd.test');
      await ctx.handle.accounts.createApiToken(other!, 'cli', { id: null, email: null, ip: null, userAgent: 'cli' });
      const admin = await staffAgent(ctx, 'admin');
      expect((await postForm(admin, '/admin/api-tokens', '/admin/api-tokens', { label: '  ' })).status).to.equal(422);
      const res = await postForm(admin, '/admin/api-tokens', '/admin/api-tokens', { label: 'Script de révocation' });
      expect(res.status).to.equal(200);
      expect(res.headers['cache-control']).to.equal('no-store');
      const token = /id="new-token" type="text" readonly value="(andt_[^"]+)"/.exec(res.text)?.[1];
      expect(token).to.be.a('string');
      expect(decode(res.text)).to.contain('il ne sera plus jamais affiché');
      const row = (await ctx.db('api_tokens').where({ label: 'Script de révocation' }).first()) as Record<string, unknown>;
      expect(row.token_hash).to.equal(hashToken(token!));
      expect(JSON.stringify(await ctx.db('api_tokens').select())).not.to.contain(token);
      const owner = await ctx.handle.accounts.byApiToken(token!);
      expect(owner?.email).to.equal('admin@artisan-nd.test');

      const list = (await admin.get('/admin/api-tokens').expect(200)).text;
      expect(list).to.contain('Script de révocation').and.contain('other-admin@artisan-nd.test').and.contain('2 résultats');
      expect(list).not.to.contain(token);
      expect((await auditActions(ctx, 'api_token.created')).map((r) => r.summary)).to.include('“Script de révocation”');

      const id = Number(row.id);
      const first = await postForm(admin, '/admin/api-tokens', `/admin/api-tokens/${id}/revoke`, {});
      expect(first.status).to.equal(200);
      expect(decode(first.text)).to.contain('Le jeton « Script de révocation » de admin@artisan-nd.test ne sera plus accepté.');
      const done = await admin.post(`/admin/api-tokens/${id}/revoke`).type('form').send(hiddenFields(first.text));
      expect(done.status).to.equal(303);
      expect((await ctx.db('api_tokens').where({ id }).first()).revoked_at).to.not.equal(null);
      expect(await ctx.handle.accounts.byApiToken(token!)).to.equal(null);
      expect(await auditActions(ctx, 'api_token.revoked')).to.deep.equal([{
        targetType: 'api_token', targetId: String(id), summary: '“Script de révocation” of admin@artisan-nd.test',
      }]);
      const after = decode((await admin.get('/admin/api-tokens').expect(200)).text);
      expect(after).to.contain('Jeton « Script de révocation » révoqué.');
      expect(after).not.to.contain(`action="/admin/api-tokens/${id}/revoke"`);
      // Revoking again changes nothing.
      const again = await postForm(admin, '/admin/api-tokens', `/admin/api-tokens/${id}/revoke`, { confirm: 'yes' });
      expect(again.status).to.equal(303);
      expect(await auditActions(ctx, 'api_token.revoked')).to.have.length(1);
      await postForm(admin, '/admin/api-tokens', '/admin/api-tokens/99999/revoke', { confirm: 'yes' }).then((r) => expect(r.status).to.equal(404));
    });
  });

  describe('/admin/products', () => {
    it('lists the products, adds one, edits its policy, with audit rows; bad input re-renders with 422', async () => {
      const admin = await staffAgent(ctx, 'admin');
      const list = (await admin.get('/admin/products').expect(200)).text;
      expect(list).to.contain('id="product-easyfacture"').and.contain('id="product-artisan_nd"').and.contain('id="product-form"');
      const good = { code: 'mastertrade_pos', name: 'Mastertrade POS', trial_days: '14', grace_days: '3', max_activations: '2', heartbeat_interval_seconds: '3600', renewal_url: 'https://shop.example.com/renew' };
      for (const [fields, field, error] of [
        [{ ...good, code: 'Bad-Code' }, 'code', '2 à 32 caractères'],
        [{ ...good, code: 'easyfacture' }, 'code', 'existe déjà'],
        [{ ...good, name: '' }, 'name', 'Indiquez un nom.'],
        [{ ...good, trial_days: '0' }, 'trial_days', 'de 1 à 365'],
        [{ ...good, grace_days: '91' }, 'grace_days', 'de 0 à 90'],
        [{ ...good, max_activations: '101' }, 'max_activations', 'de 1 à 100'],
        [{ ...good, heartbeat_interval_seconds: '59' }, 'heartbeat_interval_seconds', 'de 60 à 604800'],
        [{ ...good, renewal_url: 'javascript:alert(1)' }, 'renewal_url', 'http(s)'],
        [{ ...good, renewal_url: '//evil.example' }, 'renewal_url', 'http(s)'],
      ] as const) {
        const res = await postForm(admin, '/admin/products', '/admin/products', fields);
        expect(res.status, JSON.stringify(fields)).to.equal(422);
        const text = decode(res.text);
        expect(text, field).to.contain(error);
        expect(text).to.match(new RegExp(`name="${field}"[^>]*aria-invalid="true"`));
        expect(text).to.contain(`value="${fields.name}"`);
      }
      const res = await postForm(admin, '/admin/products', '/admin/products', good);
      expect(res.status).to.equal(303);
      const p = (await ctx.db('products').where({ code: 'mastertrade_pos' }).first()) as Record<string, unknown>;
      expect(p).to.include({ name: 'Mastertrade POS', renewal_url: 'https://shop.example.com/renew' });
      expect([p.trial_days, p.grace_days, p.max_activations, p.heartbeat_interval_seconds].map(Number)).to.deep.equal([14, 3, 2, 3600]);
      expect((await admin.get('/admin/products').expect(200)).text).to.contain('Produit mastertrade_pos ajouté.').and.contain('id="product-mastertrade_pos"');
      expect((await auditActions(ctx, 'product.created'))[0]).to.deep.include({ targetType: 'product', targetId: String(p.id) });

      const edit = (await admin.get(`/admin/products/${String(p.id)}`).expect(200)).text;
      expect(edit).to.contain('value="Mastertrade POS"').and.contain('value="3600"').and.not.contain('name="code"');
      const bad = await postForm(admin, `/admin/products/${String(p.id)}`, `/admin/products/${String(p.id)}`, { ...good, trial_days: '366' });
      expect(bad.status).to.equal(422);
      expect(decode(bad.text)).to.contain('de 1 à 365').and.contain('value="366"');
      const saved = await postForm(
        admin, `/admin/products/${String(p.id)}`, `/admin/products/${String(p.id)}`,
        { ...good, trial_days: '30', renewal_url: '/subscription' },
      );
      expect(saved.status).to.equal(303);
      const after = (await ctx.db('products').where({ id: p.id }).first()) as Record<string, unknown>;
      expect(Number(after.trial_days)).to.equal(30);
      expect(after.renewal_url).to.equal('/subscription');
      const [updated] = await auditActions(ctx, 'product.updated');
      expect(updated!.summary).to.equal('mastertrade_pos: “Mastertrade POS”, trial 14 d, grace 3 d, machines at most: 2, heartbeat every 3600 s, renewal https://shop.example.com/renew'
        + ' → “Mastertrade POS”, trial 30 d, grace 3 d, machines at most: 2, heartbeat every 3600 s, renewal /subscription');
      await admin.get('/admin/products/99999').expect(404);
      expect((await admin.get('/admin/products?lang=en').expect(200)).text).to.contain('Add a product');
    });
  });
});
