import { expect } from 'chai';
import request from 'supertest';
import { isSqlite } from '../../../src/platform/db.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import {
  activate, apiToken, HIGH_LIMITS, machine, makeBatch, makeProduct, post, publishedKeys, trial, verifyResponseSignature,
  verifyTokenOffline, type PublishedKey,
} from '../../helpers/licenses.js';

describe('license API: validate, heartbeat, revocation, compatibility routes', () => {
  let ctx: TestContext;
  let keys: PublishedKey[];
  beforeEach(async () => {
    ctx = await createTestContext({ seed: false, env: HIGH_LIMITS });
    keys = await publishedKeys(ctx);
  });
  afterEach(async () => { await ctx.close(); });

  const validate = (machine_id: string, license_key: string) => post(ctx, '/api/v1/licenses/validate', { machine_id, license_key });

  it('validates a trial from the database, with a signed answer', async () => {
    const t = await trial(ctx, machine(), 'dan@example.com');
    ctx.clock.advance(86400 * 10 + 3600);
    const res = await validate(t.machineId.toUpperCase(), t.license_key);
    expect(res.status).to.equal(200);
    expect(res.headers['x-request-id']).to.be.a('string').and.not.equal('');
    expect(res.body).to.deep.equal({
      success: true, valid: true, license_type: 'trial', expires_at: '2026-12-22T10:00:00Z', days_remaining: 19, is_active: true,
      customer_email: 'dan@example.com',
      grace_days: 7, heartbeat_interval_seconds: 86400,
    });
    verifyResponseSignature(res, keys);
  });

  it('answers LICENSE_NOT_FOUND for a forged, unknown or garbage token', async () => {
    const t = await trial(ctx);
    const [p, kid, payload, sig] = t.license_key.split('.');
    const tampered = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    tampered.expires_at = '2099-01-01T00:00:00Z';
    const forged = [p, kid, Buffer.from(JSON.stringify(tampered)).toString('base64url'), sig].join('.');
    const garbage = ['ANDL1.xx.yy.zz', 'nonsense', `${t.license_key}x`, t.license_key.replace('ANDL1', 'ANDL2')];
    for (const key of [forged, ...garbage, 'deleted']) {
      if (key === 'deleted') {
        await ctx.db('license_activations').del();
        await ctx.db('licenses').del();
      }
      const res = await validate(t.machineId, key === 'deleted' ? t.license_key : key);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ success: true, valid: false, error: 'LICENSE_NOT_FOUND', message: 'License not found' });
      verifyResponseSignature(res, keys);
    }
  });

  it('answers LICENSE_EXPIRED with expired_at and renewal_url once expires_at is past (grace is offline only)', async () => {
    const t = await trial(ctx);
    ctx.clock.advance(86400 * 30);
    expect((await validate(t.machineId, t.license_key)).body).to.include({ valid: true, days_remaining: 0 });
    ctx.clock.advance(1);
    const res = await validate(t.machineId, t.license_key);
    expect(res.body).to.include({
      success: true, valid: false, error: 'LICENSE_EXPIRED', expired_at: '2026-12-22T10:00:00Z',
      renewal_url: `${ctx.config.baseUrl}/subscription`,
    });
    verifyResponseSignature(res, keys);
  });

  it('sends a fresh license_key when the expiry changed (extension), none otherwise', async () => {
    const t = await trial(ctx);
    await ctx.db('licenses').update({ expires_at: '2027-01-21T10:00:00.000Z' });
    const res = await validate(t.machineId, t.license_key);
    expect(res.body).to.include({ valid: true, expires_at: '2027-01-21T10:00:00Z', days_remaining: 60 });
    const fresh = verifyTokenOffline(res.body.license_key as string, keys);
    expect(fresh).to.include({ expires_at: '2027-01-21T10:00:00Z', machine_id: t.machineId });
    expect((await validate(t.machineId, res.body.license_key as string)).body).to.not.have.property('license_key');
  });

  it('answers MACHINE_MISMATCH for another machine on a one-machine product', async () => {
    const t = await trial(ctx);
    const res = await validate(machine(), t.license_key);
    expect(res.body).to.include({ valid: false, error: 'MACHINE_MISMATCH' });
  });

  it('records new machines up to max_activations, then answers TOO_MANY_ACTIVATIONS with the support link', async () => {
    await makeProduct(ctx, 'duo', { max_activations: 2 });
    const t = await trial(ctx, machine(), 'duo@example.com', 'duo');
    const second = machine();
    expect((await validate(second, t.license_key)).body).to.include({ valid: true });
    expect((await validate(second, t.license_key)).body).to.include({ valid: true });
    const third = await validate(machine(), t.license_key);
    const { id } = (await ctx.db('licenses').where({ machine_id: t.machineId }).first('id')) as { id: number };
    expect(third.body).to.deep.equal({ success: true, valid: false, error: 'TOO_MANY_ACTIVATIONS', message: third.body.message,
      support_url: `${ctx.config.baseUrl}/support/tickets/new?license=${id}` });
    expect(Number((await ctx.db('license_activations').count({ n: '*' }).first())!.n)).to.equal(2);
    expect((await validate(t.machineId, t.license_key)).body).to.include({ valid: true });
  });

  it('says is_active false for a suspended license', async () => {
    const t = await trial(ctx);
    await ctx.db('licenses').update({ state: 'suspended' });
    expect((await validate(t.machineId, t.license_key)).body).to.include({ valid: true, is_active: false });
  });

  it('revokes through DELETE /api/v1/admin/licenses/:machine_id with a bearer token; the next validate says LICENSE_REVOKED', async () => {
    const t = await trial(ctx);
    const [code] = await makeBatch(ctx, 'artisan_nd', 'monthly', 1);
    const paid = await activate(ctx, code!, t.machineId);
    const token = await apiToken(ctx);
    const none = await request(ctx.app).delete(`/api/v1/admin/licenses/${t.machineId}`);
    expect(none.status).to.equal(401);
    expect(none.body).to.include({ success: false, error: 'UNAUTHORIZED' });
    expect(none.headers['x-request-id']).to.be.a('string');
    const wrong = await request(ctx.app).delete(`/api/v1/admin/licenses/${t.machineId}`).set('Authorization', `Bearer ${token}x`);
    expect(wrong.status).to.equal(401);
    const bad = await request(ctx.app).delete('/api/v1/admin/licenses/xyz').set('Authorization', `Bearer ${token}`);
    expect(bad.status).to.equal(400);
    expect(bad.body.error).to.equal('INVALID_MACHINE_ID');
    const res = await request(ctx.app).delete(`/api/v1/admin/licenses/${t.machineId.toUpperCase()}`).set('Authorization', `Bearer ${token}`);
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.include({ success: true, revoked: 2 });
    for (const key of [t.license_key, paid.license_key]) {
      const v = await validate(t.machineId, key);
      expect(v.body).to.deep.equal({ success: true, valid: false, error: 'LICENSE_REVOKED', message: 'This license has been revoked' });
    }
    const rows = await ctx.db('licenses').select('state', 'state_reason');
    expect(rows.every((r: { state: string; state_reason: string }) => r.state === 'revoked' && r.state_reason === 'revoked through the API')).to.equal(true);
    const audit = await ctx.db('audit_log').where({ action: 'license.revoked' });
    expect(audit).to.have.length(2);
    expect(audit[0].actor_email).to.match(/^admin-/);
    const again = await request(ctx.app).delete(`/api/v1/admin/licenses/${t.machineId}`).set('Authorization', `Bearer ${token}`);
    expect(again.status).to.equal(404);
    expect(again.body.error).to.equal('LICENSE_NOT_FOUND');
  });

  it('stores one heartbeat per interval; the second within 24 h is a 429 with Retry-After', async () => {
    const t = await trial(ctx);
    const beat = { machine_id: t.machineId, license_key: t.license_key, app_version: '2.5.0', os_info: 'Windows 11' };
    const res = await post(ctx, '/api/v1/licenses/heartbeat', beat);
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.deep.equal({ success: true, message: res.body.message, last_check: '2026-11-22T10:00:00Z' });
    verifyResponseSignature(res, keys);
    const lic = await ctx.db('licenses').first();
    expect(lic).to.include({ app_version: '2.5.0', os_info: 'Windows 11' });
    expect(lic.last_heartbeat_at).to.not.equal(null);
    ctx.clock.advance(3600);
    const second = await post(ctx, '/api/v1/licenses/heartbeat', beat);
    expect(second.status).to.equal(429);
    expect(second.body).to.include({ success: false, error: 'RATE_LIMIT_EXCEEDED', retry_after: 82800 });
    expect(second.headers['retry-after']).to.equal('82800');
    ctx.clock.advance(82800);
    expect((await post(ctx, '/api/v1/licenses/heartbeat', beat)).status).to.equal(200);
    expect(Number((await ctx.db('license_heartbeats').count({ n: '*' }).first())!.n)).to.equal(2);
  });

  it('refuses two simultaneous heartbeats but one', async () => {
    const t = await trial(ctx);
    const beat = { machine_id: t.machineId, license_key: t.license_key, app_version: '1', os_info: 'Linux' };
    const answers = await Promise.all([1, 2].map(() => post(ctx, '/api/v1/licenses/heartbeat', beat)));
    expect(answers.map((a) => a.status).sort()).to.deep.equal([200, 429]);
  });

  it('answers 404 LICENSE_NOT_FOUND to a heartbeat with an unknown token or from another machine', async () => {
    const t = await trial(ctx);
    for (const [m, key] of [[machine(), t.license_key], [t.machineId, 'ANDL1.a.b.c']]) {
      const res = await post(ctx, '/api/v1/licenses/heartbeat', { machine_id: m, license_key: key, app_version: '1', os_info: 'x' });
      expect(res.status).to.equal(404);
      expect(res.body.error).to.equal('LICENSE_NOT_FOUND');
    }
  });

  it('refuses a heartbeat for a revoked or an expired license with 403, signed, and stores nothing', async () => {
    const revoked = await trial(ctx);
    const expired = await trial(ctx);
    await ctx.db('licenses').where({ machine_id: revoked.machineId }).update({ state: 'revoked', state_reason: 'chargeback' });
    ctx.clock.advance(86400 * 30 + 1);
    for (const [t, code] of [[revoked, 'LICENSE_REVOKED'], [expired, 'LICENSE_EXPIRED']] as const) {
      const res = await post(ctx, '/api/v1/licenses/heartbeat', { machine_id: t.machineId, license_key: t.license_key, app_version: '1', os_info: 'x' });
      expect(res.status, code).to.equal(403);
      expect(res.body).to.include({ success: false, error: code });
      verifyResponseSignature(res, keys);
      const compat = await post(ctx, '/api/license/heartbeat', { key: t.license_key, device_id: t.machineId });
      expect(compat.status).to.equal(403);
      expect(compat.body.error).to.equal(code);
    }
    expect(Number((await ctx.db('license_heartbeats').count({ n: '*' }).first())!.n)).to.equal(0);
  });

  it('signs the error answers of validate and heartbeat too (400, 404, 429)', async () => {
    const t = await trial(ctx);
    const bad = await post(ctx, '/api/v1/licenses/validate', { machine_id: 'zz', license_key: t.license_key });
    expect(bad.status).to.equal(400);
    expect(bad.body.error).to.equal('INVALID_MACHINE_ID');
    verifyResponseSignature(bad, keys);
    const malformed = await request(ctx.app).post('/api/license/validate').set('Content-Type', 'application/json').send('{"key":');
    expect(malformed.status).to.equal(400);
    verifyResponseSignature(malformed, keys);
    const unknown = await post(ctx, '/api/v1/licenses/heartbeat', { machine_id: machine(), license_key: t.license_key, app_version: '1', os_info: 'x' });
    expect(unknown.status).to.equal(404);
    verifyResponseSignature(unknown, keys);
    const beat = { machine_id: t.machineId, license_key: t.license_key, app_version: '1', os_info: 'x' };
    expect((await post(ctx, '/api/v1/licenses/heartbeat', beat)).status).to.equal(200);
    const limited = await post(ctx, '/api/v1/licenses/heartbeat', beat);
    expect(limited.status).to.equal(429);
    verifyResponseSignature(limited, keys);
    // Trial answers are not signed routes: no signature headers there.
    const again = await post(ctx, '/api/v1/licenses/trial', { machine_id: t.machineId, email: 'x@example.com', product: 'easyfacture', version: '1' });
    expect(again.status).to.equal(409);
    expect(again.headers).to.not.have.property('x-signature');
  });

  it('refuses control characters in version, app_version and os_info with 400 (never a 500)', async () => {
    const m = machine();
    const res = await post(ctx, '/api/v1/licenses/trial', { machine_id: m, email: 'nul@example.com', product: 'easyfacture', version: '1.0\u0000' });
    expect(res.status).to.equal(400);
    expect(res.body).to.include({ error: 'INVALID_REQUEST' });
    expect(res.body.details).to.deep.equal({ version: 'INVALID' });
    const t = await trial(ctx, m, 'nul@example.com');
    for (const body of [
      { machine_id: m, license_key: t.license_key, app_version: '1', os_info: 'Win\u0000' },
      { machine_id: m, license_key: t.license_key, app_version: '1\n2', os_info: 'Linux' },
    ]) {
      const beat = await post(ctx, '/api/v1/licenses/heartbeat', body);
      expect(beat.status).to.equal(400);
      expect(beat.body.error).to.equal('INVALID_REQUEST');
    }
    const compat = await post(ctx, '/api/license/heartbeat', { key: t.license_key, device_id: m, os_info: 'x\u0007' });
    expect(compat.status).to.equal(400);
    expect(Number((await ctx.db('license_heartbeats').count({ n: '*' }).first())!.n)).to.equal(0);
  });

  it('counts days_remaining from the issue second: a trial started between two seconds answers 30 days', async () => {
    ctx.clock.advance(0.75);
    const t = await trial(ctx);
    expect(t.days_remaining).to.equal(30);
    expect((await validate(t.machineId, t.license_key)).body).to.include({ valid: true, days_remaining: 30 });
  });

  it('leaves no read transaction open after a validation (SQLite: the WAL can be checkpointed)', async function () {
    if (!isSqlite(ctx.db)) this.skip();
    const t = await trial(ctx);
    for (let i = 0; i < 3; i++) expect((await validate(t.machineId, t.license_key)).body).to.include({ valid: true });
    const rows = (await ctx.db.raw('PRAGMA wal_checkpoint(TRUNCATE)')) as { busy: number }[];
    expect(rows[0]!.busy, 'a lookup connection still holds a snapshot').to.equal(0);
  });

  it('serves the Mastertrade compatibility routes, signed', async () => {
    const t = await trial(ctx);
    const v = await post(ctx, '/api/license/validate', { key: t.license_key, device_id: t.machineId });
    expect(v.status).to.equal(200);
    expect(v.body).to.deep.equal({ valid: true, expiry: '2026-12-22T10:00:00Z', allowed: true });
    verifyResponseSignature(v, keys);
    await ctx.db('licenses').update({ state: 'suspended' });
    expect((await post(
      ctx, '/api/license/validate', { key: t.license_key, device_id: t.machineId },
    )).body).to.deep.equal({ valid: true, expiry: '2026-12-22T10:00:00Z', allowed: false });
    expect((await post(
      ctx, '/api/license/validate', { key: 'nope', device_id: t.machineId },
    )).body).to.deep.equal({ valid: false, expiry: null, allowed: false });
    const missing = await post(ctx, '/api/license/validate', { key: t.license_key });
    expect(missing.status).to.equal(400);
    expect(missing.body.error).to.equal('MACHINE_ID_REQUIRED');
    const h = await post(ctx, '/api/license/heartbeat', { key: t.license_key, device_id: t.machineId, app_version: '3.0' });
    expect(h.status).to.equal(200);
    expect(h.body).to.deep.equal({ ok: true, last_check: '2026-11-22T10:00:00Z' });
    verifyResponseSignature(h, keys);
    const h2 = await post(ctx, '/api/license/heartbeat', { key: t.license_key, device_id: t.machineId });
    expect(h2.status).to.equal(429);
    expect(h2.headers['retry-after']).to.equal('86400');
  });

  it('counts validations per product and day in memory and writes them in one batch', async () => {
    const t = await trial(ctx);
    await validate(t.machineId, t.license_key);
    await validate(t.machineId, t.license_key);
    await validate(machine(), t.license_key);
    expect(Number((await ctx.db('license_validation_days').count({ n: '*' }).first())!.n), 'nothing written per request').to.equal(0);
    await ctx.handle.licenses.flushStatistics();
    await validate(t.machineId, t.license_key);
    await ctx.handle.licenses.flushStatistics();
    const rows = await ctx.db('license_validation_days').select();
    expect(rows).to.have.length(1);
    expect(rows[0]).to.include({ day: '2026-11-22' });
    expect(Number(rows[0].validations)).to.equal(4);
    expect(Number(rows[0].failures)).to.equal(1);
    expect((await ctx.db('licenses').first()).last_validated_at).to.not.equal(null);
  });
});
