import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { cli } from '../../helpers/cli.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { testDatabaseEnv } from '../../helpers/db.js';
import { formAgent } from '../../helpers/forms.js';
import { createAccount, linkIn, loginAgent, PASSWORD, request, waitMail } from '../../helpers/accounts.js';
import { auditSentence } from '../../helpers/audit.js';

describe('npm run admin:create and admin:token', function () {
  this.timeout(60000);
  let ctx: TestContext;
  let env: Record<string, string>;
  let dir: string;
  before(async () => {
    ctx = await createTestContext();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'artisan-cli-'));
    // The CLI uses the same database as the context (SQLite file or the PostgreSQL test schema).
    env = { DB_DIR: ctx.config.paths.db, LOGS_DIR: dir, ...testDatabaseEnv(ctx.config.paths.db) };
  });
  after(async () => {
    await ctx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates a superadmin from a password on standard input, who then reaches /admin', async () => {
    const res = await cli('admin-create.ts', ['--email', 'Boss@Example.fr'], env, `${PASSWORD}\n`);
    expect(res.code, res.err).to.equal(0);
    expect(res.out).to.contain('Created superadmin').and.contain('boss@example.fr');
    expect(await ctx.db('accounts').where({ email: 'boss@example.fr' }).first()).to.include({ role: 'superadmin', state: 'active' });
    const agent = await loginAgent(ctx, 'boss@example.fr');
    await agent.get('/admin').expect(200);
    expect(await ctx.db('audit_log').where({ action: 'account.created' }).first()).to.exist;
  });

  it('prints the login address from BASE_URL, or on localhost at PORT when BASE_URL is not set', async () => {
    const withBase = await cli('admin-create.ts', ['--email', 'base@example.fr'], { ...env, BASE_URL: 'https://portal.example.test/', HOST: '0.0.0.0' }, `${PASSWORD}\n`);
    expect(withBase.code, withBase.err).to.equal(0);
    expect(withBase.out).to.contain('Log in at https://portal.example.test/subscription/login\n');
    const local = await cli('admin-create.ts', ['--email', 'local@example.fr'], { ...env, HOST: '0.0.0.0', PORT: '8123' }, `${PASSWORD}\n`);
    expect(local.code, local.err).to.equal(0);
    expect(local.out).to.contain('Log in at http://localhost:8123/subscription/login\n');
  });

  it('refuses a weak password, a taken address and a missing address', async () => {
    const weak = await cli('admin-create.ts', ['--email', 'other@example.fr'], env, 'short\n');
    expect(weak.code).to.equal(1);
    expect(weak.err).to.contain('at least 12 characters');
    const taken = await cli('admin-create.ts', ['--email', 'boss@example.fr'], env, `${PASSWORD}\n`);
    expect(taken.code).to.equal(1);
    expect(taken.err).to.contain('already uses');
    const usage = await cli('admin-create.ts', [], env, '');
    expect(usage.code).to.equal(1);
    expect(usage.err).to.contain('Usage');
  });

  it('prints a bearer token once and stores only its SHA-256', async () => {
    const res = await cli('admin-token.ts', ['--email', 'boss@example.fr', '--label', 'ci'], env, '');
    expect(res.code, res.err).to.equal(0);
    const token = res.out.trim();
    expect(token).to.match(/^andt_[A-Za-z0-9_-]{43}$/);
    const row = await ctx.db('api_tokens').first();
    expect(row.token_hash).to.have.length(64).and.not.equal(token);
    expect(await ctx.handle.accounts.byApiToken(token)).to.include({ email: 'boss@example.fr' });
    await createAccount(ctx, 'partner@example.fr');
    const partner = await cli('admin-token.ts', ['--email', 'partner@example.fr'], env, '');
    expect(partner.code).to.equal(1);
  });
});

describe('npm run partner:credit and keys:rotate', function () {
  this.timeout(60000);
  let ctx: TestContext;
  let env: Record<string, string>;
  before(async () => {
    ctx = await createTestContext();
    env = {
      DB_DIR: ctx.config.paths.db,
      LOGS_DIR: path.join(ctx.dir, 'logs'),
      SUBSCRIPTION_DIR: path.join(ctx.dir, 'subscription'),
      ...testDatabaseEnv(ctx.config.paths.db),
    };
  });
  after(async () => { await ctx.close(); });

  it('credits a partner with a ledger row and an audit row, and refuses bad input', async () => {
    const id = await createAccount(ctx, 'p@example.fr');
    const res = await cli('partner-credit.ts', ['--email', 'p@example.fr', '--units', '500', '--reason', 'abonnement novembre'], env, '');
    expect(res.code, res.err).to.equal(0);
    expect(res.out).to.contain('Credited 500 units').and.contain('balance now 500');
    expect(await ctx.handle.ledger.balance(id)).to.equal(500);
    expect(await ctx.db('ledger_entries').first()).to.include({ kind: 'credit', units: 500, reason: 'abonnement novembre' });
    expect(await ctx.db('audit_log').where({ action: 'balance.credit' }).first()).to.exist;
    expect((await cli('partner-credit.ts', ['--email', 'p@example.fr', '--units', '-5', '--reason', 'x'], env, '')).code).to.equal(1);
    expect((await cli('partner-credit.ts', ['--email', 'nobody@example.fr', '--units', '5', '--reason', 'x'], env, '')).code).to.equal(1);
    expect(await ctx.handle.ledger.balance(id)).to.equal(500);
  });

  it('rotates the issuer key: a new active key, the old one retired', async () => {
    const res = await cli('keys-rotate.ts', [], env, '');
    expect(res.code, res.err).to.equal(0);
    const rows = await ctx.db('issuer_keys').orderBy('id');
    expect(rows.map((r: { status: string }) => r.status)).to.deep.equal(['retired', 'active']);
    expect(res.out).to.contain(`New active issuer key ${rows[1].kid}`).and.contain(rows[0].kid);
    expect(fs.readdirSync(path.join(ctx.dir, 'subscription', 'keys')).sort()).to.deep.equal(rows.map((r: { kid: string }) => `${r.kid}.key`).sort());
    const audit = await ctx.db('audit_log').where({ action: 'issuer_key.rotated' }).first();
    expect(audit).to.include({ target_id: rows[1].kid, user_agent: 'cli' });
    expect(auditSentence(audit)).to.contain(`${rows[0].kid} → ${rows[1].kid}`);
  });
});

describe('logs', () => {
  const lines: string[] = [];
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext({ logLines: lines }); });
  after(async () => { await ctx.close(); });

  it('contain no password, token or cookie, and one JSON object per line', async () => {
    await createAccount(ctx, 'p@example.fr');
    await loginAgent(ctx, 'p@example.fr');
    const { agent, csrf } = await formAgent(ctx.app, '/subscription/forgot');
    await agent.post('/subscription/forgot').set('User-Agent', 'evil"}\t{"level":60').type('form').send({ email: 'p@example.fr', _csrf: csrf }).expect(303);
    const link = linkIn(await waitMail(ctx, 'p@example.fr'), '/subscription/reset?token=');
    const token = new URL(link, 'http://x').searchParams.get('token')!;
    await request(ctx.app).get(link).expect(200);
    await request(ctx.app).get('/nope%0A{"forged":true}').expect(404);
    const text = lines.join('');
    expect(text).to.contain('request completed');
    expect(text).not.to.contain(PASSWORD).and.not.contain(token).and.not.contain('sid=');
    for (const line of text.trim().split('\n')) expect(() => JSON.parse(line), line).not.to.throw();
    expect(text).to.contain('[redacted]');
  });

  it('log a page served from the cache like any other request, with its request id', async () => {
    await request(ctx.app).get('/features').expect(200);
    const hit = await request(ctx.app).get('/features').set('X-Request-Id', 'hit-12345678').expect(200);
    expect(hit.headers['x-request-id']).to.equal('hit-12345678');
    const line = lines
      .map((l) => JSON.parse(l) as { req?: { id?: string; path?: string }; cache?: string; msg: string })
      .find((l) => l.req?.id === 'hit-12345678');
    expect(line).to.include({ msg: 'request completed', cache: 'hit' });
    expect(line!.req).to.include({ path: '/features' });
  });
});
