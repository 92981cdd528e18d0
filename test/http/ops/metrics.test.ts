import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import request from 'supertest';
import { createAccount, loginAgent } from '../../helpers/accounts.js';
import { createTestContext, DEMO_DEB, type TestContext } from '../../helpers/context.js';
import { has, parseExposition, valueOf, type Exposition } from '../../helpers/exposition.js';
import { FakeStripe, FAKE_STRIPE_KEY, FAKE_WEBHOOK_SECRET } from '../../helpers/fake-stripe.js';
import { HIGH_LIMITS, machine, post, trial } from '../../helpers/licenses.js';
import { credit, newInstallation, recharge } from '../../helpers/recharge.js';
import { waitFor } from '../../helpers/wait.js';

const DEB_BYTES = fs.statSync(DEMO_DEB).size;

async function scrape(ctx: TestContext): Promise<Exposition> {
  const res = await request(ctx.app).get('/metrics').expect(200);
  expect(res.headers['content-type']).to.match(/^text\/plain; version=0\.0\.4/);
  expect(res.headers['cache-control']).to.equal('no-store');
  return parseExposition(res.text);
}

/** Scrape until `check` holds (counters move when an answer has finished, which may be just after the client has it). */
async function scrapeUntil(ctx: TestContext, check: (exp: Exposition) => boolean, what: string): Promise<Exposition> {
  return waitFor(async () => {
    const exp = await scrape(ctx);
    return check(exp) ? exp : null;
  }, { what });
}

describe('GET /metrics', () => {
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext({ env: HIGH_LIMITS }); });
  after(async () => ctx.close());

  it('counts requests by route pattern and status, never by raw URL', async () => {
    await request(ctx.app).get('/').expect(200);
    await request(ctx.app).get('/no-such-page-7f3a').expect(404);
    await request(ctx.app).get('/licenses/987654').expect(303);
    const exp = await scrapeUntil(ctx, (e) => valueOf(e, 'http_requests_total', { route: 'unmatched', status: '404' }) >= 1, 'the 404 counted');
    expect(exp.types.get('http_requests_total')).to.equal('counter');
    expect(exp.types.get('http_request_duration_seconds')).to.equal('histogram');
    expect(valueOf(exp, 'http_requests_total', { method: 'GET', route: '/', status: '200' })).to.equal(1);
    expect(valueOf(exp, 'http_requests_total', { method: 'GET', route: '/licenses/:id', status: '303' })).to.equal(1);
    expect(valueOf(exp, 'http_request_duration_seconds_count', { method: 'GET', route: '/', status: '200' })).to.equal(1);
    expect(valueOf(exp, 'http_request_duration_seconds_bucket', { route: '/', status: '200', le: '+Inf' })).to.equal(1);
    const routes = exp.samples.filter((s) => s.name === 'http_requests_total').map((s) => s.labels.route);
    expect(routes.join(' ')).to.not.contain('no-such-page').and.not.contain('987654');
  });

  it('counts a download, its bytes, and the license validations by result (the fast path named by its route)', async () => {
    await request(ctx.app).get('/download/files/artisan-nd_0.1.0_all.deb').expect(200);
    const t = await trial(ctx);
    await post(ctx, '/api/v1/licenses/validate', { machine_id: t.machineId, license_key: t.license_key }).expect(200);
    await post(ctx, '/api/v1/licenses/validate', { machine_id: machine(), license_key: t.license_key }).expect(200);
    const exp = await scrapeUntil(ctx, (e) => valueOf(e, 'downloads_total') >= 1, 'the download counted');
    expect(valueOf(exp, 'downloads_total', { outcome: 'complete' })).to.equal(1);
    expect(valueOf(exp, 'download_bytes_total')).to.equal(DEB_BYTES);
    expect(valueOf(exp, 'download_refusals_total')).to.equal(0);
    expect(valueOf(exp, 'license_validations_total', { result: 'valid' })).to.equal(1);
    expect(valueOf(exp, 'license_validations_total', { result: 'MACHINE_MISMATCH' })).to.equal(1);
    expect(valueOf(exp, 'http_requests_total', { method: 'POST', route: '/api/v1/licenses/validate', status: '200' })).to.equal(2);
    expect(valueOf(exp, 'http_requests_total', { method: 'GET', route: '/download/files/:filename', status: '200' })).to.equal(1);
  });

  it('counts the key files a recharge seals and the billing runs', async () => {
    const partner = await createAccount(ctx, 'metrics-partner@example.fr');
    await credit(ctx, partner, 100);
    await recharge(await loginAgent(ctx, 'metrics-partner@example.fr'), newInstallation(), 40);
    await ctx.handle.billingRun.run('2026-11-22');
    const exp = await scrape(ctx);
    expect(valueOf(exp, 'key_files_sealed_total')).to.equal(1);
    expect(valueOf(exp, 'recharge_units_total')).to.equal(40);
    expect(valueOf(exp, 'job_runs_total', { job: 'billing', outcome: 'ok' })).to.equal(1);
    expect(valueOf(exp, 'job_failures_total')).to.equal(0);
  });

  it('reports the database pool, process memory and event-loop lag', async () => {
    const exp = await scrape(ctx);
    expect(has(exp, 'db_pool_connections', { state: 'used' })).to.equal(true);
    expect(has(exp, 'db_pool_connections', { state: 'free' })).to.equal(true);
    expect(valueOf(exp, 'process_resident_memory_bytes')).to.be.greaterThan(0);
    expect(has(exp, 'nodejs_heap_size_used_bytes')).to.equal(true);
    expect(has(exp, 'nodejs_eventloop_lag_seconds')).to.equal(true);
  });

  it('answers a client on another address than loopback with the 404 page, whatever X-Forwarded-For says', async function () {
    const external = Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
    // A host with loopback alone cannot reach itself from another address.
    if (!external) this.skip();
    const proxied = await createTestContext({ env: { TRUST_PROXY: '1' } });
    const server = http.createServer(proxied.app);
    try {
      await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
      const base = `http://${external!.address}:${(server.address() as AddressInfo).port}`;
      const res = await request(base).get('/metrics').set('X-Forwarded-For', '127.0.0.1').expect(404);
      expect(res.text).to.not.contain('http_requests_total');
      await request(`http://127.0.0.1:${(server.address() as AddressInfo).port}`).get('/metrics').expect(200);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await proxied.close();
    }
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  const TOKEN = 'scrape-token-0123456789abcdef';
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext({ env: { METRICS_TOKEN: TOKEN } }); });
  after(async () => ctx.close());

  it('asks for the bearer token, even on loopback, and answers it', async () => {
    const none = await request(ctx.app).get('/metrics').expect(401);
    expect(none.headers['www-authenticate']).to.match(/^Bearer/);
    expect(none.text).to.not.contain('http_requests_total');
    await request(ctx.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}x`).expect(401);
    await request(ctx.app).get('/metrics').set('Authorization', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`).expect(401);
    const res = await request(ctx.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200);
    expect(valueOf(parseExposition(res.text), 'http_requests_total', { route: '/metrics', status: '401' })).to.equal(3);
  });
});

describe('GET /metrics: gateway notifications', () => {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext({ env: { STRIPE_SECRET_KEY: FAKE_STRIPE_KEY, STRIPE_WEBHOOK_SECRET: FAKE_WEBHOOK_SECRET } });
  });
  after(async () => ctx.close());

  it('counts notifications refused, received, repeated and processed by gateway and status', async () => {
    const payload = JSON.stringify({ id: 'evt_metrics_1', object: 'event', type: 'customer.created', created: 1764000000, data: { object: { id: 'cus_1' } } });
    const send = (signature: string) => request(ctx.app).post('/webhooks/stripe').set('Content-Type', 'application/json')
      .set('Stripe-Signature', signature).send(payload);
    await send('t=1,v1=00').expect(400);
    await send(FakeStripe.sign(payload)).expect(200);
    await send(FakeStripe.sign(payload)).expect(200);
    const exp = await scrapeUntil(ctx, (e) => valueOf(e, 'webhook_events_total', { status: 'ignored' })
      + valueOf(e, 'webhook_events_total', { status: 'processed' }) >= 1, 'the event processed');
    expect(valueOf(exp, 'webhook_events_total', { gateway: 'stripe', status: 'refused' })).to.equal(1);
    expect(valueOf(exp, 'webhook_events_total', { gateway: 'stripe', status: 'received' })).to.equal(1);
    expect(valueOf(exp, 'webhook_events_total', { gateway: 'stripe', status: 'duplicate' })).to.equal(1);
    expect(valueOf(exp, 'webhook_events_total', { gateway: 'stripe', status: 'failed' })).to.equal(0);
  });
});
