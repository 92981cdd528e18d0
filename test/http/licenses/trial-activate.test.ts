import { expect } from 'chai';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { activate, HIGH_LIMITS, machine, makeBatch, post, publishedKeys, trial, verifyTokenOffline } from '../../helpers/licenses.js';

const count = async (ctx: TestContext, table: string, where: Record<string, unknown> = {}) => Number((await ctx.db(table)
  .where(where)
  .count({ n: '*' })
  .first())!.n);

describe('license API: trial', () => {
  let ctx: TestContext;
  beforeEach(async () => { ctx = await createTestContext({ seed: false, env: HIGH_LIMITS }); });
  afterEach(async () => { await ctx.close(); });

  it('starts a 30-day trial whose license_key verifies offline with the published keys only', async () => {
    const m = machine().toUpperCase();
    const res = await post(ctx, '/api/v1/licenses/trial', { machine_id: m, email: 'Alice@Example.com', product: 'easyfacture', version: '2.4.1' })
      .set('X-Request-Id', 'client-req-0001');
    expect(res.status, res.text).to.equal(201);
    expect(res.headers['x-request-id']).to.equal('client-req-0001');
    expect(res.body).to.include({ success: true, license_type: 'trial', expires_at: '2026-12-22T10:00:00Z', days_remaining: 30 });
    expect(res.body.message).to.be.a('string');
    const payload = verifyTokenOffline(res.body.license_key as string, await publishedKeys(ctx));
    expect(payload).to.deep.include({
      v: 1, typ: 'license', product: 'easyfacture', machine_id: m.toLowerCase(), license_type: 'trial', email: 'Alice@Example.com',
      issued_at: '2026-11-22T10:00:00Z', expires_at: '2026-12-22T10:00:00Z',
    });
    const row = await ctx.db('licenses').first();
    expect(row).to.include({ public_id: payload.license_id, machine_id: m.toLowerCase(), license_type: 'trial', state: 'active', app_version: '2.4.1' });
    expect(await count(ctx, 'license_activations', { license_id: row.id, kind: 'trial' })).to.equal(1);
    const audit = await ctx.db('audit_log').where({ action: 'license.trial_created' }).first();
    expect(audit).to.include({ target_type: 'license', target_id: String(row.id) });
  });

  it('refuses a second trial for the same machine, or the same e-mail in another case, with the existing dates', async () => {
    const first = await trial(ctx, machine(), 'bob@example.com');
    ctx.clock.advance(86400 * 2);
    const again = await post(ctx, '/api/v1/licenses/trial', { machine_id: first.machineId, email: 'other@example.com', product: 'easyfacture', version: '1' });
    expect(again.status).to.equal(409);
    expect(again.body).to.include({ success: false, error: 'TRIAL_ALREADY_EXISTS' });
    expect(again.body.existing_license).to.deep.equal({ expires_at: first.expires_at, days_remaining: 28 });
    expect(again.body.request_id).to.equal(again.headers['x-request-id']);
    const byEmail = await post(ctx, '/api/v1/licenses/trial', { machine_id: machine(), email: 'BOB@Example.COM', product: 'easyfacture', version: '1' });
    expect(byEmail.status).to.equal(409);
    expect(byEmail.body.error).to.equal('TRIAL_ALREADY_EXISTS');
    // Another product is another trial.
    await trial(ctx, first.machineId, 'bob@example.com', 'artisan_nd');
    expect(await count(ctx, 'licenses')).to.equal(2);
  });

  it('answers one 201 and one 409 to two simultaneous trials for one machine', async () => {
    const m = machine();
    const answers = await Promise.all(['a@example.com', 'b@example.com'].map((email) => post(
      ctx, '/api/v1/licenses/trial', { machine_id: m, email, product: 'easyfacture', version: '1' },
    )));
    expect(answers.map((a) => a.status).sort()).to.deep.equal([201, 409]);
    expect(answers.find((a) => a.status === 409)!.body.error).to.equal('TRIAL_ALREADY_EXISTS');
    expect(await count(ctx, 'licenses')).to.equal(1);
  });

  it('answers 400 INVALID_REQUEST for an unknown product and for a bad e-mail', async () => {
    const res = await post(ctx, '/api/v1/licenses/trial', { machine_id: machine(), email: 'a@example.com', product: 'nope', version: '1' });
    expect(res.status).to.equal(400);
    expect(res.body).to.include({ error: 'INVALID_REQUEST' });
    expect(res.body.details).to.deep.equal({ product: 'UNKNOWN' });
    const bad = await post(ctx, '/api/v1/licenses/trial', { machine_id: machine(), email: 'not-an-email', product: 'easyfacture' });
    expect(bad.status).to.equal(400);
    expect(bad.body.details).to.deep.equal({ email: 'INVALID', version: 'REQUIRED' });
  });
});

describe('license API: activate', () => {
  let ctx: TestContext;
  beforeEach(async () => { ctx = await createTestContext({ seed: false, env: HIGH_LIMITS }); });
  afterEach(async () => { await ctx.close(); });

  it('activates an annual code (any case, spaces) once: paid license, code used, activation and audit rows', async () => {
    const [code] = await makeBatch(ctx, 'easyfacture', 'annual', 3);
    const m = machine();
    const body = await activate(ctx, ` ${code!.toLowerCase().replace(/-/g, ' ')} `, m, 'carol@example.com');
    expect(body).to.include({ success: true, license_type: 'annual', expires_at: '2027-11-23T10:00:00Z', days_remaining: 366 });
    const payload = verifyTokenOffline(body.license_key, await publishedKeys(ctx));
    expect(payload).to.include({
      product: 'easyfacture', license_type: 'annual', machine_id: m, email: 'carol@example.com',
      expires_at: '2027-11-23T10:00:00Z',
    });
    const lic = await ctx.db('licenses').where({ public_id: payload.license_id }).first();
    const used = await ctx.db('activation_codes').where({ code }).first();
    expect(used.used_at).to.not.equal(null);
    expect(used).to.include({ machine_id: m, license_id: lic.id });
    expect(Number(lic.activation_code_id)).to.equal(Number(used.id));
    expect(await count(ctx, 'license_activations', { license_id: lic.id, kind: 'activation' })).to.equal(1);
    expect(await ctx.db('audit_log').where({ action: 'license.activated', target_id: String(lic.id) }).first()).to.exist;
    const again = await post(ctx, '/api/v1/licenses/activate', { machine_id: m, activation_code: code, email: 'carol@example.com' });
    expect(again.status).to.equal(404);
    expect(again.body).to.include({ success: false, error: 'INVALID_ACTIVATION_CODE' });
  });

  it('gives a lifetime license without expiry', async () => {
    const [code] = await makeBatch(ctx, 'artisan_nd', 'lifetime', 1);
    const body = await activate(ctx, code!);
    expect(body).to.include({ license_type: 'lifetime', expires_at: null, days_remaining: null });
    expect(verifyTokenOffline(body.license_key, await publishedKeys(ctx))).to.include({ expires_at: null, product: 'artisan_nd' });
  });

  it('refuses unknown codes, malformed codes and codes of an expired batch with 404 INVALID_ACTIVATION_CODE', async () => {
    const [expired] = await makeBatch(ctx, 'easyfacture', 'monthly', 1, { expiresAt: new Date('2026-11-01T00:00:00Z') });
    const [unknown] = [(await makeBatch(ctx, 'easyfacture', 'monthly', 1))[0]!];
    await ctx.db('activation_codes').where({ code: unknown }).del();
    for (const code of [expired, unknown, 'ABCD-EFGH-JKMN-PQRS', 'hello']) {
      const res = await post(ctx, '/api/v1/licenses/activate', { machine_id: machine(), activation_code: code, email: 'x@example.com' });
      expect(res.status, String(code)).to.equal(404);
      expect(res.body.error).to.equal('INVALID_ACTIVATION_CODE');
    }
    expect(await count(ctx, 'licenses')).to.equal(0);
  });

  it('lets only one of two simultaneous uses of a code win', async () => {
    const [code] = await makeBatch(ctx, 'easyfacture', 'monthly', 1);
    const answers = await Promise.all([machine(), machine()].map((m) => post(
      ctx, '/api/v1/licenses/activate', { machine_id: m, activation_code: code, email: 'x@example.com' },
    )));
    expect(answers.map((a) => a.status).sort()).to.deep.equal([200, 404]);
    expect(answers.find((a) => a.status === 404)!.body.error).to.equal('INVALID_ACTIVATION_CODE');
    expect(await count(ctx, 'licenses')).to.equal(1);
    expect(await count(ctx, 'audit_log', { action: 'license.activated' })).to.equal(1);
  });
});
