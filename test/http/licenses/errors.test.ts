import { expect } from 'chai';
import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { HIGH_LIMITS, machine, post, trial } from '../../helpers/licenses.js';

const ROUTES = [
  '/api/v1/licenses/trial', '/api/v1/licenses/activate', '/api/v1/licenses/validate', '/api/v1/licenses/heartbeat',
  '/api/license/validate', '/api/license/heartbeat',
];

function expectError(res: request.Response, status: number, code: string): void {
  expect(res.status, res.text).to.equal(status);
  expect(res.type).to.equal('application/json');
  expect(res.body).to.include({ success: false, error: code });
  expect(res.body.message).to.be.a('string');
  expect(res.body).to.have.property('details');
  expect(res.body.timestamp).to.match(/^\d{4}-\d{2}-\d{2}T/);
  expect(res.body.request_id).to.be.a('string').and.equal(res.headers['x-request-id']);
}

type RawPost = (method: string, target: (port: number) => string, body: string) => Promise<{ status: number; body: string }>;

/** Runs `fn` with a function sending raw request targets to the app on a real port. */
async function withServer(ctx: TestContext, fn: (raw: RawPost) => Promise<void>): Promise<void> {
  const server = createServer(ctx.app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const raw: RawPost = (method, target, body) => new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path: target(port), headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => { text += c; }).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject).end(body);
  });
  try {
    await fn(raw);
  } finally {
    server.close();
  }
}

describe('license API: bad requests', () => {
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext({ seed: false, env: HIGH_LIMITS }); });
  after(async () => { await ctx.close(); });

  it('answers 400 INVALID_REQUEST JSON (never HTML, never 500) to malformed JSON, non-objects and bodies over 16 KB', async () => {
    for (const path of ROUTES) {
      expectError(await request(ctx.app).post(path).set('Content-Type', 'application/json').send('{"machine_id": '), 400, 'INVALID_REQUEST');
      expectError(await request(ctx.app).post(path).set('Content-Type', 'application/json').send('[1,2]'), 400, 'INVALID_REQUEST');
      expectError(await request(ctx.app).post(path).set('Content-Type', 'application/json').send('"text"'), 400, 'INVALID_REQUEST');
      expectError(await request(ctx.app).post(path).set('Content-Type', 'application/json').send('null'), 400, 'INVALID_REQUEST');
      expectError(await request(ctx.app).post(path).type('form').send('machine_id=x'), 400, 'INVALID_REQUEST');
      expectError(await request(ctx.app).post(path).send({ machine_id: machine(), padding: 'x'.repeat(17 * 1024) }), 400, 'INVALID_REQUEST');
    }
  });

  it('validate: refuses compressed bodies, other charsets and a declared length over 16 KB with 400, and accepts charset=utf-8', async () => {
    for (const path of ['/api/v1/licenses/validate', '/api/license/validate']) {
      const field = path.startsWith('/api/license/') ? 'device_id' : 'machine_id';
      const body = JSON.stringify({ [field]: machine(), [path.startsWith('/api/license/') ? 'key' : 'license_key']: 'ANDL1.a.b.c' });
      expectError(await request(ctx.app).post(path).set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send(body), 400, 'INVALID_REQUEST');
      expectError(await request(ctx.app).post(path).set('Content-Type', 'application/json; charset=latin1').send(body), 400, 'INVALID_REQUEST');
      // An empty body is {} (as body-parser reads it, for every API route): the machine id is missing.
      expectError(await request(ctx.app).post(path).set('Content-Type', 'application/json').send(''), 400, 'MACHINE_ID_REQUIRED');
      expectError(await request(ctx.app).post(path).set('Content-Type', 'application/json; charset=utf-16').send(body), 400, 'INVALID_REQUEST');
      const ok = await request(ctx.app).post(path).set('Content-Type', 'application/json; charset=UTF-8').send(body);
      expect(ok.status, ok.text).to.equal(200);
      expect(ok.body.valid).to.equal(false);
    }
  });

  it('routes as Express does (case, one trailing slash): validate answers there too, errors stay JSON and signed', async () => {
    const t = await trial(ctx);
    const body = JSON.stringify({ machine_id: t.machineId, license_key: t.license_key });
    for (const path of ['/api/v1/licenses/validate/', '/API/v1/Licenses/Validate']) {
      const res = await request(ctx.app).post(path).set('Content-Type', 'application/json').send(body);
      expect(res.status, path).to.equal(200);
      expect(res.body.valid).to.equal(true);
      expect(res.headers['x-signature']).to.be.a('string');
    }
    const extra = await request(ctx.app).post('/api/v1/licenses/validate').set('Content-Type', 'application/json; charset=utf-8; v=1').send(`\uFEFF${body}`);
    expect(extra.status, 'a media-type parameter and a BOM are accepted').to.equal(200);
    const beat = await request(ctx.app).post('/api/v1/licenses/HEARTBEAT/').send({ machine_id: machine(), license_key: 'bad', app_version: '1', os_info: 'x' });
    expect(beat.status).to.equal(404);
    expect(beat.headers['x-signature'], 'a heartbeat error on a variant path is signed').to.be.a('string');
    const upper = await request(ctx.app).post('/API/v1/licenses/trial').set('Content-Type', 'application/json').send('{');
    expectError(upper, 400, 'INVALID_REQUEST');
    const query = await request(ctx.app).post('/api/v1/licenses/validate?client=1').set('Content-Type', 'application/json').send(body);
    expect(query.status, 'a query string is ignored').to.equal(200);
    expect(query.body.valid).to.equal(true);
    // Targets supertest cannot send: the absolute form (RFC 9112 §3.2.2), as a
    // proxy may send it, and a fragment; Express routes on parseurl's pathname.
    await withServer(ctx, async (raw) => {
      const absolute = await raw('POST', (port) => `http://127.0.0.1:${port}/api/v1/licenses/validate`, body);
      expect(absolute.status, absolute.body).to.equal(200);
      expect(JSON.parse(absolute.body).valid).to.equal(true);
      const fragment = await raw('POST', () => '/api/v1/licenses/validate#x', body);
      expect(fragment.status, fragment.body).to.equal(200);
    });
  });

  it('validate: when even the signed error cannot be signed, the app error handler answers 500 SERVER_ERROR JSON', async () => {
    const service = ctx.handle.licenses as unknown as { signer: unknown };
    const signer = service.signer;
    service.signer = () => Promise.reject(new Error('signing is down'));
    try {
      const res = await post(ctx, '/api/v1/licenses/validate', { machine_id: machine(), license_key: 'ANDL1.a.b.c' });
      expectError(res, 500, 'SERVER_ERROR');
      expect(res.headers['x-signature']).to.equal(undefined);
      expect(res.headers['cache-control']).to.equal('no-store');
      await withServer(ctx, async (raw) => {
        const absolute = await raw('POST', (port) => `http://127.0.0.1:${port}/api/v1/licenses/validate`, JSON.stringify({ machine_id: machine(), license_key: 'ANDL1.a.b.c' }));
        expect(absolute.status).to.equal(500);
        expect(JSON.parse(absolute.body).error, 'JSON, not an HTML page').to.equal('SERVER_ERROR');
      });
    } finally {
      service.signer = signer;
    }
    const after = await post(ctx, '/api/v1/licenses/validate', { machine_id: machine(), license_key: 'ANDL1.a.b.c' });
    expect(after.status).to.equal(200);
    expect(after.headers['x-signature']).to.be.a('string');
  });

  it('answers MACHINE_ID_REQUIRED and INVALID_MACHINE_ID (exactly 32 hex characters)', async () => {
    const field = (path: string) => (path.startsWith('/api/license/') ? 'device_id' : 'machine_id');
    for (const path of ROUTES) {
      for (const missing of [{}, { [field(path)]: null }, { [field(path)]: '' }]) expectError(await post(ctx, path, missing), 400, 'MACHINE_ID_REQUIRED');
      for (const bad of ['abc', 'g'.repeat(32), '0'.repeat(33), 12345, ['0'.repeat(32)]]) expectError(
        await post(ctx, path, { [field(path)]: bad }), 400, 'INVALID_MACHINE_ID',
      );
    }
  });

  it('answers INVALID_REQUEST naming the members of the wrong type or missing', async () => {
    const res = await post(ctx, '/api/v1/licenses/validate', { machine_id: machine(), license_key: 42 });
    expectError(res, 400, 'INVALID_REQUEST');
    expect(res.body.details).to.deep.equal({ license_key: 'INVALID' });
    const hb = await post(ctx, '/api/v1/licenses/heartbeat', { machine_id: machine(), license_key: 'ANDL1.a.b.c', app_version: 2 });
    expectError(hb, 400, 'INVALID_REQUEST');
    expect(hb.body.details).to.deep.equal({ app_version: 'INVALID', os_info: 'REQUIRED' });
    const act = await post(ctx, '/api/v1/licenses/activate', { machine_id: machine(), email: 'a@example.com' });
    expectError(act, 400, 'INVALID_REQUEST');
    expect(act.body.details).to.deep.equal({ activation_code: 'REQUIRED' });
  });
});

describe('license API: per-IP rate limits', () => {
  let ctx: TestContext;
  beforeEach(async () => { ctx = await createTestContext({ seed: false, env: { LICENSE_VALIDATIONS_PER_HOUR: '3' } }); });
  afterEach(async () => { await ctx.close(); });

  it('allows 3 trials per hour per IP; the 4th is a 429 with retry_after and Retry-After', async () => {
    for (let i = 0; i < 3; i++) await trial(ctx);
    const res = await post(ctx, '/api/v1/licenses/trial', { machine_id: machine(), email: 'late@example.com', product: 'easyfacture', version: '1' });
    expectError(res, 429, 'RATE_LIMIT_EXCEEDED');
    expect(res.body.retry_after).to.be.within(3500, 3600);
    expect(res.headers['retry-after']).to.equal(String(res.body.retry_after));
  });

  it('counts v1 and compatibility validations in one limit (LICENSE_VALIDATIONS_PER_HOUR)', async () => {
    const t = await trial(ctx);
    expect((await post(ctx, '/api/v1/licenses/validate', { machine_id: t.machineId, license_key: t.license_key })).status).to.equal(200);
    expect((await post(ctx, '/api/license/validate', { device_id: t.machineId, key: t.license_key })).status).to.equal(200);
    expect((await post(ctx, '/api/v1/licenses/validate', { machine_id: t.machineId, license_key: t.license_key })).status).to.equal(200);
    const res = await post(ctx, '/api/license/validate', { device_id: t.machineId, key: t.license_key });
    expectError(res, 429, 'RATE_LIMIT_EXCEEDED');
    expect(res.headers['retry-after']).to.match(/^\d+$/);
    expectError(await post(ctx, '/api/v1/licenses/validate', { machine_id: t.machineId, license_key: t.license_key }), 429, 'RATE_LIMIT_EXCEEDED');
  });

  it('behind TRUST_PROXY hops, counts validations per client address (X-Forwarded-For), not per proxy', async () => {
    await ctx.close();
    ctx = await createTestContext({ seed: false, env: { LICENSE_VALIDATIONS_PER_HOUR: '2', TRUST_PROXY: '1' } });
    const t = await trial(ctx);
    const from = (ip: string) => request(ctx.app).post('/api/v1/licenses/validate')
      .set('X-Forwarded-For', ip)
      .send({ machine_id: t.machineId, license_key: t.license_key });
    for (let i = 0; i < 2; i++) expect((await from('203.0.113.5')).status).to.equal(200);
    expectError(await from('203.0.113.5'), 429, 'RATE_LIMIT_EXCEEDED');
    const other = await from('203.0.113.6');
    expect(other.status, 'another client behind the same proxy has its own allowance').to.equal(200);
    expect(other.body.valid).to.equal(true);
  });

  it('without TRUST_PROXY, ignores X-Forwarded-For: a client cannot reset its allowance by forging it', async () => {
    const t = await trial(ctx);
    const from = (ip: string) => request(ctx.app).post('/api/v1/licenses/validate')
      .set('X-Forwarded-For', ip)
      .send({ machine_id: t.machineId, license_key: t.license_key });
    for (let i = 0; i < 3; i++) expect((await from(`203.0.113.${i + 1}`)).status).to.equal(200);
    expectError(await from('203.0.113.99'), 429, 'RATE_LIMIT_EXCEEDED');
  });

  it('allows 10 activation attempts per hour per IP; the 11th is a 429', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await post(ctx, '/api/v1/licenses/activate', { machine_id: machine(), activation_code: 'AAAA-AAAA-AAAA-AAAA', email: 'a@example.com' });
      expectError(res, 404, 'INVALID_ACTIVATION_CODE');
    }
    const res = await post(ctx, '/api/v1/licenses/activate', { machine_id: machine(), activation_code: 'AAAA-AAAA-AAAA-AAAA', email: 'a@example.com' });
    expectError(res, 429, 'RATE_LIMIT_EXCEEDED');
    expect(res.headers['retry-after']).to.equal(String(res.body.retry_after));
  });

  it('answers a compatibility heartbeat for an unknown key with 404 LICENSE_NOT_FOUND', async () => {
    const t = await trial(ctx);
    expectError(await post(ctx, '/api/license/heartbeat', { device_id: machine(), key: t.license_key }), 404, 'LICENSE_NOT_FOUND');
    expectError(await post(ctx, '/api/license/heartbeat', { device_id: t.machineId, key: 'ANDL1.x.y.z' }), 404, 'LICENSE_NOT_FOUND');
  });
});
