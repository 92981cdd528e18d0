/**
 * The license API with a client package's key (`Authorization: Bearer sk_…`): accepted for the key's product on
 * trial, activate and validate; 401 for a key that is unknown, malformed or revoked; 403 for another product; the
 * answers of validate, refusals included, stay signed. Without a key the API answers as before.
 */
import { expect } from 'chai';
import request from 'supertest';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import { createAccount, loginAgent } from '../../helpers/accounts.js';
import { textOf } from '../../helpers/billing-admin.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import {
  HIGH_LIMITS, machine, makeBatch, makeProduct, publishedKeys, trial, verifyResponseSignature, type PublishedKey,
} from '../../helpers/licenses.js';

describe('license API with a client API key', function () {
  this.timeout(30000);
  let ctx: TestContext;
  let key: string;
  let keys: PublishedKey[];
  const send = (path: string, body: object, bearer = key) => request(ctx.app).post(path).set('Authorization', `Bearer ${bearer}`).send(body);
  before(async () => {
    ctx = await createTestContext({ env: HIGH_LIMITS });
    ({ key } = await ctx.handle.packages.create({ client: 'acme', plan: 'pro', email: 'it@acme.example', product: 'artisan_nd' }, SYSTEM_ACTOR));
    keys = await publishedKeys(ctx);
  });
  after(async () => ctx.close());

  it('starts a trial of the key’s product and refuses one of another product (403), writing nothing', async () => {
    const ok = await send('/api/v1/licenses/trial', { machine_id: machine(), email: 'a@acme.example', product: 'artisan_nd', version: '1.0' }).expect(201);
    expect(ok.body).to.include({ success: true, license_type: 'trial' });
    const before = Number(((await ctx.db('licenses').count({ n: '*' })) as { n: unknown }[])[0]!.n);
    const other = await send('/api/v1/licenses/trial', { machine_id: machine(), email: 'b@acme.example', product: 'easyfacture', version: '1.0' }).expect(403);
    expect(other.body).to.include({ success: false, error: 'FORBIDDEN', message: 'This API key is for product artisan_nd' });
    expect(Number(((await ctx.db('licenses').count({ n: '*' })) as { n: unknown }[])[0]!.n)).to.equal(before);
  });

  it('refuses an unknown or malformed key (401, WWW-Authenticate: Bearer) and leaves key-less requests as they were', async () => {
    for (const bad of [`sk_pro_${'A'.repeat(22)}`, 'sk_nope']) {
      const res = await send('/api/v1/licenses/trial', { machine_id: machine(), email: 'c@acme.example', product: 'artisan_nd', version: '1.0' }, bad)
        .expect(401);
      expect(res.body).to.include({ success: false, error: 'UNAUTHORIZED' });
      expect(res.headers['www-authenticate']).to.equal('Bearer');
    }
    await trial(ctx, machine(), 'd@acme.example', 'easyfacture');
  });

  it('activates a code of the key’s product; a code of another product is refused and stays unused', async () => {
    const [mine] = await makeBatch(ctx, 'artisan_nd', 'annual', 1);
    const [theirs] = await makeBatch(ctx, 'easyfacture', 'annual', 1);
    const refused = await send('/api/v1/licenses/activate', { machine_id: machine(), activation_code: theirs, email: 'e@acme.example' }).expect(403);
    expect(refused.body.error).to.equal('FORBIDDEN');
    expect((await ctx.db('activation_codes').where({ code: theirs }).first() as Record<string, unknown>).used_at).to.equal(null);
    const ok = await send('/api/v1/licenses/activate', { machine_id: machine(), activation_code: mine, email: 'e@acme.example' }).expect(200);
    expect(ok.body.license_type).to.equal('annual');
  });

  it('validates licenses of the key’s product; another product’s license is a signed 403, a revoked key a signed 401', async () => {
    const m = machine();
    const own = (await send('/api/v1/licenses/trial', { machine_id: m, email: 'f@acme.example', product: 'artisan_nd', version: '1.0' }).expect(201)).body;
    const res = await send('/api/v1/licenses/validate', { machine_id: m, license_key: own.license_key }).expect(200);
    expect(res.body).to.include({ success: true, valid: true });
    verifyResponseSignature(res, keys);
    const other = await trial(ctx, machine(), 'g@acme.example', 'easyfacture');
    const forbidden = await send('/api/v1/licenses/validate', { machine_id: other.machineId, license_key: other.license_key }).expect(403);
    expect(forbidden.body.error).to.equal('FORBIDDEN');
    verifyResponseSignature(forbidden, keys);
    const compat = await send('/api/license/validate', { device_id: other.machineId, key: other.license_key }).expect(403);
    verifyResponseSignature(compat, keys);
    // Another product's license that runs on two machines: a new machine refused with the key is not recorded on it.
    await makeProduct(ctx, 'deuxpostes', { max_activations: 2 });
    const multi = await trial(ctx, machine(), 'i@acme.example', 'deuxpostes');
    const licenseId = ((await ctx.db('licenses').where({ machine_id: multi.machineId }).first('id')) as { id: unknown }).id;
    const machines = async () => ((await ctx.db('license_activations').where({ license_id: licenseId }).select('machine_id')) as { machine_id: string }[])
      .map((r) => r.machine_id);
    const before = await machines();
    const stranger = machine();
    await send('/api/v1/licenses/validate', { machine_id: stranger, license_key: multi.license_key }).expect(403);
    expect(await machines()).to.deep.equal(before).and.not.include(stranger);

    const pkg = (await ctx.db('client_packages').where({ client_slug: 'acme' }).first('id')) as { id: number };
    expect(await ctx.handle.packages.revoke(Number(pkg.id), SYSTEM_ACTOR)).to.equal(true);
    const revoked = await send('/api/v1/licenses/validate', { machine_id: m, license_key: own.license_key }).expect(401);
    expect(revoked.body).to.include({ success: false, error: 'UNAUTHORIZED' });
    verifyResponseSignature(revoked, keys);
    await send('/api/v1/licenses/trial', { machine_id: machine(), email: 'h@acme.example', product: 'artisan_nd', version: '1.0' }).expect(401);
    // Without the key, the same license still validates.
    await request(ctx.app).post('/api/v1/licenses/validate').send({ machine_id: m, license_key: own.license_key }).expect(200);
  });
});

describe('license API with CLIENT_KEY_REQUIRED_PRODUCTS', function () {
  this.timeout(30000);
  let ctx: TestContext;
  let key: string;
  let keys: PublishedKey[];
  const count = async (table: string) => Number(((await ctx.db(table).count({ n: '*' })) as { n: unknown }[])[0]!.n);
  const expectKeyRequired = (res: request.Response, product: string) => {
    expect(res.body).to.include({
      success: false, error: 'UNAUTHORIZED', message: `A client API key is required for product ${product} (Authorization: Bearer sk_…)`,
    });
    expect(res.headers['www-authenticate']).to.equal('Bearer');
  };
  before(async () => {
    ctx = await createTestContext({ env: { ...HIGH_LIMITS, CLIENT_KEY_REQUIRED_PRODUCTS: 'artisan_nd,deuxpostes' } });
    ({ key } = await ctx.handle.packages.create({ client: 'acme', plan: 'pro', email: 'it@acme.example', product: 'artisan_nd' }, SYSTEM_ACTOR));
    keys = await publishedKeys(ctx);
  });
  after(async () => ctx.close());

  it('refuses a trial of a listed product without a key (401) and writes nothing; other products need none', async () => {
    const before = await count('licenses');
    const res = await request(ctx.app).post('/api/v1/licenses/trial')
      .send({ machine_id: machine(), email: 'a@acme.example', product: 'artisan_nd', version: '1.0' }).expect(401);
    expectKeyRequired(res, 'artisan_nd');
    expect(await count('licenses')).to.equal(before);
    await request(ctx.app).post('/api/v1/licenses/trial').set('Authorization', `Bearer ${key}`)
      .send({ machine_id: machine(), email: 'a@acme.example', product: 'artisan_nd', version: '1.0' }).expect(201);
    await trial(ctx, machine(), 'b@acme.example', 'easyfacture');
  });

  it('refuses the activation of a listed product’s code without a key (401), leaving the code unused', async () => {
    const [code] = await makeBatch(ctx, 'artisan_nd', 'annual', 1);
    const [free] = await makeBatch(ctx, 'easyfacture', 'annual', 1);
    const res = await request(ctx.app).post('/api/v1/licenses/activate').send({ machine_id: machine(), activation_code: code, email: 'c@acme.example' })
      .expect(401);
    expectKeyRequired(res, 'artisan_nd');
    expect((await ctx.db('activation_codes').where({ code }).first() as Record<string, unknown>).used_at).to.equal(null);
    await request(ctx.app).post('/api/v1/licenses/activate').send({ machine_id: machine(), activation_code: free, email: 'c@acme.example' }).expect(200);
    await request(ctx.app).post('/api/v1/licenses/activate').set('Authorization', `Bearer ${key}`)
      .send({ machine_id: machine(), activation_code: code, email: 'c@acme.example' }).expect(200);
  });

  it('a revoked client that drops its key can no longer validate a listed product’s license (signed 401, nothing recorded)', async () => {
    const m = machine();
    const own = (await request(ctx.app).post('/api/v1/licenses/trial').set('Authorization', `Bearer ${key}`)
      .send({ machine_id: m, email: 'd@acme.example', product: 'artisan_nd', version: '1.0' }).expect(201)).body as { license_key: string };
    const keyless = await request(ctx.app).post('/api/v1/licenses/validate').send({ machine_id: m, license_key: own.license_key }).expect(401);
    expectKeyRequired(keyless, 'artisan_nd');
    verifyResponseSignature(keyless, keys);
    const compat = await request(ctx.app).post('/api/license/validate').send({ device_id: m, key: own.license_key }).expect(401);
    expect(compat.headers['www-authenticate']).to.equal('Bearer');
    verifyResponseSignature(compat, keys);
    await request(ctx.app).post('/api/v1/licenses/validate').set('Authorization', `Bearer ${key}`).send({ machine_id: m, license_key: own.license_key })
      .expect(200);
    // Another listed product allowing two machines: a keyless validation from a new machine is refused before it is recorded.
    await makeProduct(ctx, 'deuxpostes', { max_activations: 2 });
    const multi = await ctx.handle.licenses.trial({ machineId: machine(), email: 'e@acme.example', productCode: 'deuxpostes', version: '1.0' }, SYSTEM_ACTOR);
    const stranger = machine();
    await request(ctx.app).post('/api/v1/licenses/validate').send({ machine_id: stranger, license_key: multi.token }).expect(401);
    expect(await ctx.db('license_activations').where({ license_id: multi.license.id, machine_id: stranger }).first()).to.equal(undefined);
    // A product not listed validates without a key, as for the public desktop clients.
    const other = await trial(ctx, machine(), 'f@acme.example', 'easyfacture');
    const free = await request(ctx.app).post('/api/v1/licenses/validate').send({ machine_id: other.machineId, license_key: other.license_key }).expect(200);
    expect(free.body).to.include({ valid: true });

    const pkg = (await ctx.db('client_packages').where({ client_slug: 'acme' }).first('id')) as { id: number };
    // The admin page says that, for this product, a request without a key is refused too.
    await createAccount(ctx, 'ck-admin@example.fr', 'admin');
    const admin = await loginAgent(ctx, 'ck-admin@example.fr');
    expect(textOf((await admin.get(`/admin/packages/${pkg.id}`).expect(200)).text))
      .to.contain('artisan_nd figure dans CLIENT_KEY_REQUIRED_PRODUCTS : ses requêtes sans clé sont refusées aussi');
    expect(await ctx.handle.packages.revoke(Number(pkg.id), SYSTEM_ACTOR)).to.equal(true);
    const revoked = await request(ctx.app).post('/api/v1/licenses/validate').set('Authorization', `Bearer ${key}`)
      .send({ machine_id: m, license_key: own.license_key }).expect(401);
    expect(revoked.body).to.include({ error: 'UNAUTHORIZED', message: 'This API key is not valid (unknown or revoked)' });
    verifyResponseSignature(revoked, keys);
    // Dropping the revoked key does not help.
    expectKeyRequired(await request(ctx.app).post('/api/v1/licenses/validate').send({ machine_id: m, license_key: own.license_key }).expect(401), 'artisan_nd');
    await request(ctx.app).post('/api/v1/licenses/trial').send({ machine_id: machine(), email: 'g@acme.example', product: 'artisan_nd', version: '1.0' })
      .expect(401);
  });
});
