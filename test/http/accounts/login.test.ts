import { expect } from 'chai';
import { ARGON2_OPTIONS } from '../../../src/accounts/index.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { formAgent } from '../../helpers/forms.js';
import { createAccount, loginAgent, PASSWORD, request, waitMail } from '../../helpers/accounts.js';

let ipCounter = 0;

/** One login attempt from a new client IP (so the per-IP limiter stays out of the way). */
async function tryLogin(ctx: TestContext, email: string, password: string, lang = 'fr') {
  const ip = `198.51.100.${(ipCounter += 1) % 250}`;
  const { agent, csrf } = await formAgent(ctx.app, '/subscription/login', lang);
  return agent.post('/subscription/login').set('X-Forwarded-For', ip).set('Accept-Language', lang).type('form').send({ email, password, _csrf: csrf });
}

describe('POST /subscription/login', () => {
  let ctx: TestContext;
  beforeEach(async () => { ctx = await createTestContext({ env: { TRUST_PROXY: '1' } }); });
  afterEach(async () => { await ctx.close(); });

  it('logs a partner in with a new session id, lands on the dashboard and audits it', async () => {
    await createAccount(ctx, 'p@example.fr');
    const { agent, csrf } = await formAgent(ctx.app, '/subscription/login');
    const before = String((await agent.get('/subscription/login')).headers['set-cookie'] ?? '');
    const res = await agent.post('/subscription/login').type('form').send({ email: 'P@Example.fr ', password: PASSWORD, _csrf: csrf }).expect(303);
    expect(res.headers.location).to.equal('/subscription/dashboard');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).to.match(/^sid=/).and.match(/HttpOnly/i).and.match(/SameSite=Lax/i);
    expect(cookie.split(';')[0]).not.to.equal(before.split(';')[0]);
    const dash = await agent.get('/subscription/dashboard').expect(200);
    expect(dash.text).to.contain('Vous êtes connecté.').and.contain('Se déconnecter');
    expect(await ctx.db('audit_log').where({ action: 'login.succeeded' }).first()).to.include({ actor_email: 'p@example.fr' });
  });

  it('sends an admin to /admin after login', async () => {
    await createAccount(ctx, 'boss@example.fr', 'superadmin');
    const agent = await loginAgent(ctx, 'boss@example.fr');
    expect((await agent.get('/admin').expect(200)).text).to.contain('Administration');
  });

  it('answers the same status and body for an unknown e-mail and a wrong password', async () => {
    await createAccount(ctx, 'p@example.fr');
    const unknown = await tryLogin(ctx, 'nobody@example.fr', 'whatever whatever');
    const wrong = await tryLogin(ctx, 'p@example.fr', 'whatever whatever');
    expect(unknown.status).to.equal(401);
    expect(wrong.status).to.equal(401);
    const strip = (html: string) => html.replace(/name="_csrf" value="[^"]+"/g, '').replace(/value="[^"]*@example\.fr"/g, '');
    expect(strip(unknown.text)).to.equal(strip(wrong.text));
    expect(wrong.text).to.contain('Adresse e-mail ou mot de passe incorrect');
  });

  it('locks the account after 10 failures for 15 min, mails the owner, then doubles on repeat', async () => {
    await createAccount(ctx, 'p@example.fr');
    for (let i = 0; i < 10; i++) expect((await tryLogin(ctx, 'p@example.fr', `wrong password ${i}`)).status).to.equal(401);
    const locked = await tryLogin(ctx, 'p@example.fr', PASSWORD);
    expect(locked.status, 'even the right password is refused while locked').to.equal(401);
    const mail = await waitMail(ctx, 'p@example.fr');
    expect(mail.subject).to.contain('temporairement bloqué');
    expect(mail.text).to.contain('15 minutes');
    expect(await ctx.db('audit_log').where({ action: 'account.locked' }).first()).to.exist;
    ctx.clock.advance(15 * 60 + 1);
    for (let i = 0; i < 10; i++) await tryLogin(ctx, 'p@example.fr', `wrong again ${i}`);
    expect((await waitMail(ctx, 'p@example.fr', 2)).text).to.contain('30 minutes');
    ctx.clock.advance(29 * 60);
    expect((await tryLogin(ctx, 'p@example.fr', PASSWORD)).status).to.equal(401);
    ctx.clock.advance(61);
    expect((await tryLogin(ctx, 'p@example.fr', PASSWORD)).status).to.equal(303);
    expect(await ctx.db('accounts').where({ email: 'p@example.fr' }).first()).to.include({ failed_logins: 0, lockouts: 0 });
  });

  it('writes a failed login (count, lockout, audit rows) and a login (session, last login, audit) each in one transaction', async () => {
    await createAccount(ctx, 'p@example.fr');
    await ctx.db('accounts').where({ email: 'p@example.fr' }).update({ failed_logins: 9 });
    const writes: { sql: string; trx: unknown }[] = [];
    // The lockout mail leaves after the answer; its in-app copy (the `notifications` row) is no write of the login.
    const onQuery = (q: { sql: string; __knexTxId?: string }) => {
      if (/^(insert|update|delete)\b/i.test(q.sql) && !/\bnotifications\b/.test(q.sql)) writes.push({ sql: q.sql.slice(0, 40), trx: q.__knexTxId ?? null });
    };
    ctx.db.on('query', onQuery);
    try {
      expect((await tryLogin(ctx, 'p@example.fr', 'wrong password here')).status).to.equal(401);
      const failed = [...writes];
      expect(failed.length, 'count, audit, lockout, audit').to.equal(4);
      expect(new Set(failed.map((w) => w.trx)).size, JSON.stringify(failed)).to.equal(1);
      expect(failed[0]!.trx).to.be.a('string');
      await ctx.db('accounts').where({ email: 'p@example.fr' }).update({ locked_until: null });
      writes.length = 0;
      expect((await tryLogin(ctx, 'p@example.fr', PASSWORD)).status).to.equal(303);
      const started = [...writes];
      expect(started.length, JSON.stringify(writes)).to.equal(3);
      expect(new Set(started.map((w) => w.trx)).size, JSON.stringify(started)).to.equal(1);
      expect(started[0]!.trx).to.be.a('string');
    } finally {
      ctx.db.off('query', onQuery);
    }
  });

  it('tells a suspended partner why', async () => {
    const id = await createAccount(ctx, 'p@example.fr');
    await ctx.db('accounts').where({ id }).update({ state: 'suspended', state_reason: 'facture impayée' });
    const res = await tryLogin(ctx, 'p@example.fr', PASSWORD);
    expect(res.status).to.equal(403);
    expect(res.text).to.contain('Votre compte est suspendu : facture impayée');
  });

  it('limits login posts per IP (429 with Retry-After)', async () => {
    const { agent, csrf } = await formAgent(ctx.app, '/subscription/login', 'en');
    let status = 0;
    let res;
    for (let i = 0; i < 21 && status !== 429; i++) {
      res = await agent.post('/subscription/login').set('Accept-Language', 'en').type('form').send({ email: '', password: '', _csrf: csrf });
      status = res.status;
    }
    expect(status).to.equal(429);
    expect(Number(res!.headers['retry-after'])).to.be.greaterThan(0);
    expect(res!.text).to.contain('Too many requests');
  });

  it('stores argon2id hashes with m=19456 KiB, t=2, p=1', async () => {
    await createAccount(ctx, 'p@example.fr');
    const { password_hash: hash } = await ctx.db('accounts').first();
    const m = /^\$argon2id\$v=19\$([a-z0-9=,]+)\$/.exec(hash);
    expect(Object.fromEntries(m![1]!.split(',').map((kv: string) => kv.split('=')))).to.deep.equal({ m: '19456', t: '2', p: '1' });
    expect(ARGON2_OPTIONS).to.include({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
  });

  it('never redirects after login to another site', async () => {
    await createAccount(ctx, 'p@example.fr');
    const { agent, csrf } = await formAgent(ctx.app, '/subscription/login?next=//evil.example/x');
    const res = await agent.post('/subscription/login').type('form')
      .send({ email: 'p@example.fr', password: PASSWORD, next: '//evil.example/x', _csrf: csrf })
      .expect(303);
    expect(res.headers.location).to.equal('/subscription/dashboard');
  });

  it('brings a visitor back to the page that asked for a login', async () => {
    await createAccount(ctx, 'p@example.fr');
    const first = await request(ctx.app).get('/subscription/account').expect(303);
    expect(first.headers.location).to.equal('/subscription/login?next=%2Fsubscription%2Faccount');
    const { agent, csrf } = await formAgent(ctx.app, String(first.headers.location));
    const res = await agent.post('/subscription/login').type('form')
      .send({ email: 'p@example.fr', password: PASSWORD, next: '/subscription/account', _csrf: csrf })
      .expect(303);
    expect(res.headers.location).to.equal('/subscription/account');
  });
});
