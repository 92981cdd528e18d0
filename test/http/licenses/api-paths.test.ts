/**
 * Every request under /api, in whatever form (`//api/…`, `/%61pi/…`, any
 * case, a wrong method), answers the API's JSON error envelope, signed on the
 * paths of the signed routes: 404 NOT_FOUND for a path the API does not
 * answer at, 405 METHOD_NOT_ALLOWED with `Allow` for a method a path lacks
 * (src/http/api-fallback.ts). Never an HTML page, a CSRF refusal or an
 * unsigned answer where a client expects a signed one.
 */
import { expect } from 'chai';
import request from 'supertest';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { HIGH_LIMITS, machine, publishedKeys, verifyResponseSignature, type PublishedKey } from '../../helpers/licenses.js';

function expectEnvelope(res: request.Response, status: number, code: string): void {
  expect(res.status, `${res.status} ${res.text.slice(0, 200)}`).to.equal(status);
  expect(res.type).to.equal('application/json');
  expect(res.body).to.include({ success: false, error: code });
  expect(res.body.request_id).to.equal(res.headers['x-request-id']);
}

describe('API paths outside the exact form', () => {
  let ctx: TestContext;
  let keys: PublishedKey[];
  before(async () => {
    ctx = await createTestContext({ seed: false, env: HIGH_LIMITS });
    keys = await publishedKeys(ctx);
  });
  after(async () => { await ctx.close(); });
  const body = { machine_id: machine(), license_key: 'ANDL1.a.b.c' };

  it('answers a signed 404 to a doubled slash before a signed route, never HTML', async () => {
    for (const path of ['//api/v1/licenses/validate', '//api/v1/licenses/heartbeat', '/api//license/validate']) {
      const res = await request(ctx.app).post(path).send(body);
      expectEnvelope(res, 404, 'NOT_FOUND');
      verifyResponseSignature(res, keys);
    }
  });

  it('answers a JSON 404 to a percent-encoded letter, before session and CSRF', async () => {
    expectEnvelope(await request(ctx.app).post('/%61pi/v1/licenses/trial').send({ machine_id: machine() }), 404, 'NOT_FOUND');
    expectEnvelope(await request(ctx.app).post('/%61pi/v1/licenses/trial').type('form').send('a=1'), 404, 'NOT_FOUND');
    const signed = await request(ctx.app).post('/%61pi/v1/licenses/%76alidate').send(body);
    expectEnvelope(signed, 404, 'NOT_FOUND');
    verifyResponseSignature(signed, keys);
    expectEnvelope(await request(ctx.app).post('/api/v1/nothing').type('form').send('a=1'), 404, 'NOT_FOUND');
    expectEnvelope(await request(ctx.app).get('/API/nothing/'), 404, 'NOT_FOUND');
  });

  it('answers a signed 405 with Allow to a wrong method on a signed route', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/licenses/validate'], ['PUT', '/api/v1/licenses/heartbeat'], ['DELETE', '/api/license/validate'],
      ['GET', '/API/License/Heartbeat/'],
    ] as const) {
      const res = await request(ctx.app)[method === 'GET' ? 'get' : method === 'PUT' ? 'put' : 'delete'](path);
      expectEnvelope(res, 405, 'METHOD_NOT_ALLOWED');
      expect(res.headers.allow, path).to.equal('POST');
      expect(res.body.details).to.deep.equal({ allow: ['POST'] });
      verifyResponseSignature(res, keys);
    }
  });

  it('answers an unsigned 405 with Allow on the other routes', async () => {
    const trial = await request(ctx.app).get('/api/v1/licenses/trial');
    expectEnvelope(trial, 405, 'METHOD_NOT_ALLOWED');
    expect(trial.headers.allow).to.equal('POST');
    expect(trial.headers['x-signature']).to.equal(undefined);
    const doc = await request(ctx.app).post('/api/v1/openapi.json').send({});
    expectEnvelope(doc, 405, 'METHOD_NOT_ALLOWED');
    expect(doc.headers.allow).to.equal('GET, HEAD');
    expect((await request(ctx.app).post(`/api/v1/admin/licenses/${machine()}`)).headers.allow).to.equal('DELETE');
    expect((await request(ctx.app).delete('/api/docs')).status).to.equal(405);
  });

  it('still serves the routes in their own form, any case, one trailing slash', async () => {
    await request(ctx.app).get('/API/V1/OPENAPI.JSON/').expect(200);
    await request(ctx.app).get('/api/docs').expect(200);
    const res = await request(ctx.app).post('/api/v1/licenses/validate').send(body).expect(200);
    verifyResponseSignature(res, keys);
  });
});
