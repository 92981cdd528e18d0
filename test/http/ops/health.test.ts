import { expect } from 'chai';
import request from 'supertest';
import { createTestContext, type TestContext } from '../../helpers/context.js';

describe('GET /healthz and GET /readyz', () => {
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext(); });
  after(async () => ctx.close());

  it('answers /healthz with {"status":"ok"}, JSON, not cached, without a session cookie', async () => {
    const res = await request(ctx.app).get('/healthz').expect(200).expect('Content-Type', /^application\/json/);
    expect(res.body).to.deep.equal({ status: 'ok' });
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(res.headers['set-cookie']).to.equal(undefined);
  });

  it('answers /readyz with {"status":"ready"} when the database answers, every migration is applied and the disk has room', async () => {
    const res = await request(ctx.app).get('/readyz').expect(200).expect('Content-Type', /^application\/json/);
    expect(res.body).to.deep.equal({ status: 'ready' });
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(res.headers['set-cookie']).to.equal(undefined);
  });

  it('answers 503 with reason "migrations" while a migration of db/migrations is not applied', async () => {
    const last = (await ctx.db('knex_migrations').orderBy('id', 'desc').first()) as Record<string, unknown>;
    await ctx.db('knex_migrations').where({ id: last.id }).delete();
    try {
      const res = await request(ctx.app).get('/readyz').expect(503);
      expect(res.body).to.deep.equal({ status: 'not_ready', reason: 'migrations' });
      expect(res.headers['cache-control']).to.equal('no-store');
    } finally {
      await ctx.db('knex_migrations').insert(last);
    }
    await request(ctx.app).get('/readyz').expect(200);
  });
});

describe('GET /readyz when not ready', () => {
  it('answers 503 with reason "disk" when the data folders have less than READY_MIN_FREE_MB free, /healthz still 200', async () => {
    const ctx = await createTestContext({ env: { READY_MIN_FREE_MB: '10000000' } });
    try {
      const res = await request(ctx.app).get('/readyz').expect(503);
      expect(res.body).to.deep.equal({ status: 'not_ready', reason: 'disk' });
      await request(ctx.app).get('/healthz').expect(200);
    } finally {
      await ctx.close();
    }
  });

  it('answers 503 with reason "database" when the database does not answer, /healthz still 200', async () => {
    const ctx = await createTestContext();
    try {
      await ctx.db.destroy();
      const res = await request(ctx.app).get('/readyz').expect(503);
      expect(res.body).to.deep.equal({ status: 'not_ready', reason: 'database' });
      await request(ctx.app).get('/healthz').expect(200);
    } finally {
      await ctx.close();
    }
  });
});
