import { expect } from 'chai';
import request from 'supertest';
import { createTestContext, type TestContext } from '../../helpers/context.js';

describe('HTTPS_REDIRECT=1 behind a proxy (TRUST_PROXY=1)', () => {
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext({ env: { HTTPS_REDIRECT: '1', TRUST_PROXY: '1', BASE_URL: 'https://portail.example.fr' } }); });
  after(async () => ctx.close());

  it('redirects a plain-HTTP GET or HEAD with 301 to the same address on https', async () => {
    const res = await request(ctx.app).get('/download?lang=en').set('X-Forwarded-Proto', 'http').expect(301);
    expect(res.headers.location).to.equal('https://portail.example.fr/download?lang=en');
    const head = await request(ctx.app).head('/').expect(301);
    expect(head.headers.location).to.equal('https://portail.example.fr/');
  });

  it('redirects other methods with 308 (method and body kept), the license API included', async () => {
    const res = await request(ctx.app).post('/subscription/login').type('form').send({ email: 'a@b.c' }).expect(308);
    expect(res.headers.location).to.equal('https://portail.example.fr/subscription/login');
    const api = await request(ctx.app).post('/api/v1/licenses/validate').send({ machine_id: 'm', license_key: 'k' }).expect(308);
    expect(api.headers.location).to.equal('https://portail.example.fr/api/v1/licenses/validate');
  });

  it('answers requests the proxy received over https (X-Forwarded-Proto: https)', async () => {
    const res = await request(ctx.app).get('/').set('X-Forwarded-Proto', 'https').expect(200);
    expect(res.text).to.contain('<html');
  });

  it('answers /healthz, /readyz and /metrics over plain HTTP', async () => {
    await request(ctx.app).get('/healthz').expect(200);
    await request(ctx.app).get('/readyz').expect(200);
    await request(ctx.app).get('/metrics').expect(200);
  });
});

describe('HTTPS_REDIRECT=1 without TRUST_PROXY', () => {
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext({ env: { HTTPS_REDIRECT: '1' } }); });
  after(async () => ctx.close());

  it('ignores X-Forwarded-Proto from an untrusted peer and redirects to the Host asked for', async () => {
    const res = await request(ctx.app).get('/').set('X-Forwarded-Proto', 'https').set('Host', 'portail.example.fr').expect(301);
    expect(res.headers.location).to.equal('https://portail.example.fr/');
  });

  it('refuses a Host header that is not a host name instead of redirecting to it', async () => {
    await request(ctx.app).get('/').set('Host', 'evil.example/@x').expect(400);
  });
});

describe('without HTTPS_REDIRECT', () => {
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext({ env: { TRUST_PROXY: '1' } }); });
  after(async () => ctx.close());

  it('answers plain HTTP', async () => {
    await request(ctx.app).get('/').set('X-Forwarded-Proto', 'http').expect(200);
  });
});
