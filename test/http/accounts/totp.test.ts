import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { authenticator } from 'otplib';
import { cli } from '../../helpers/cli.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { testDatabaseEnv } from '../../helpers/db.js';
import { csrfFrom, decodeHtml, formAgent, type Agent } from '../../helpers/forms.js';
import { createAccount, csrfOf, loginAgent, PASSWORD, waitMail } from '../../helpers/accounts.js';

/** The code an authenticator app shows for `secret` at the test clock, `steps` 30-second steps away. */
function codeAt(ctx: TestContext, secret: string, steps = 0): string {
  return authenticator.clone({ epoch: ctx.clock.now().getTime() + steps * 30_000 }).generate(secret);
}

/** A 6-digit code that is none of the three the server accepts now. */
function wrongCode(ctx: TestContext, secret: string): string {
  const valid = new Set([-1, 0, 1].map((s) => codeAt(ctx, secret, s)));
  for (let n = 123456; ; n += 1) if (!valid.has(String(n))) return String(n);
}

/** Enrol the agent's account from its account page: the manual key read on the page, and the recovery codes shown. */
async function enrol(ctx: TestContext, agent: Agent): Promise<{ secret: string; codes: string[] }> {
  const page = await agent.get('/subscription/account/totp').expect(200);
  const secret = decodeHtml(/id="totp-key">([^<]+)</.exec(page.text)![1]!).replace(/\s/g, '');
  const res = await agent.post('/subscription/account/totp').type('form')
    .send({ code: codeAt(ctx, secret), _csrf: csrfFrom(page.text) }).expect(200);
  const codes = [...res.text.matchAll(/<li><code>([a-z0-9]{5}-[a-z0-9]{5})<\/code><\/li>/g)].map((m) => m[1]!);
  return { secret, codes };
}

/** The password step of a login: the agent is sent to the code page. */
async function passwordStep(ctx: TestContext, email: string): Promise<Agent> {
  const { agent, csrf } = await formAgent(ctx.app, '/subscription/login');
  const res = await agent.post('/subscription/login').type('form').send({ email, password: PASSWORD, _csrf: csrf }).expect(303);
  expect(res.headers.location).to.equal('/subscription/login/totp');
  return agent;
}

async function codeStep(agent: Agent, code: string) {
  const csrf = await csrfOf(agent, '/subscription/login/totp');
  return agent.post('/subscription/login/totp').type('form').send({ code, _csrf: csrf });
}

describe('two-step login (TOTP)', function () {
  this.timeout(30000);
  let ctx: TestContext;
  beforeEach(async () => { ctx = await createTestContext(); });
  afterEach(async () => { await ctx.close(); });

  it('enrols from the account page: QR image and manual key, a code confirms, 10 recovery codes shown once and kept hashed', async () => {
    const id = await createAccount(ctx, 'p@example.fr');
    const agent = await loginAgent(ctx, 'p@example.fr');
    expect((await agent.get('/subscription/account').expect(200)).text).to.contain('Activer la connexion en deux étapes');
    const page = await agent.get('/subscription/account/totp').expect(200);
    expect(page.text).to.match(/<img class="totp-qr" src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+"/).and.not.contain('<script');
    const secret = /id="totp-key">([^<]+)</.exec(page.text)![1]!.replace(/\s/g, '');
    const row = await ctx.db('account_totp').where({ account_id: id }).first();
    expect(row.secret, 'the secret is sealed at rest').not.to.contain(secret);
    expect(row.enabled_at).to.equal(null);
    const wrong = await agent.post('/subscription/account/totp').type('form').send({ code: wrongCode(ctx, secret), _csrf: csrfFrom(page.text) });
    expect(wrong.status).to.equal(422);
    expect(wrong.text).to.contain('Ce code ne correspond pas');
    const { codes } = await enrol(ctx, agent);
    expect(codes).to.have.length(10);
    const hashes = (await ctx.db('account_recovery_codes').where({ account_id: id })).map((r: { code_hash: string }) => r.code_hash).sort();
    expect(hashes).to.deep.equal(codes.map((c) => createHash('sha256').update(c.replace('-', '')).digest('hex')).sort());
    expect(await ctx.db('audit_log').where({ action: 'totp.enabled' }).first()).to.include({ actor_email: 'p@example.fr' });
    const account = await agent.get('/subscription/account').expect(200);
    expect(account.text).to.contain('10 codes de secours inutilisés').and.not.contain(codes[0]);
    expect((await agent.get('/subscription/account/totp')).headers.location, 'enrolled: no second secret').to.equal('/subscription/account');
  });

  it('asks the code after the password, opens the session only then, and refuses the same code replayed in its window', async () => {
    await createAccount(ctx, 'p@example.fr');
    const { secret } = await enrol(ctx, await loginAgent(ctx, 'p@example.fr'));
    ctx.clock.advance(30);
    const agent = await passwordStep(ctx, 'p@example.fr');
    expect((await agent.get('/subscription/dashboard')).headers.location, 'not logged in yet').to.match(/^\/subscription\/login\?next=/);
    const code = codeAt(ctx, secret);
    const ok = await codeStep(agent, code);
    expect(ok.status).to.equal(303);
    expect(ok.headers.location).to.equal('/subscription/dashboard');
    expect((await agent.get('/subscription/dashboard').expect(200)).text).to.contain('Vous êtes connecté.');

    const thief = await passwordStep(ctx, 'p@example.fr');
    const replay = await codeStep(thief, code);
    expect(replay.status).to.equal(401);
    expect(replay.text).to.contain('Code incorrect ou déjà utilisé');
    expect((await thief.get('/subscription/dashboard')).status).to.equal(303);
    ctx.clock.advance(30);
    expect((await codeStep(thief, codeAt(ctx, secret))).headers.location, 'the next step\'s code works').to.equal('/subscription/dashboard');
  });

  it('forgets a login left waiting for its code more than 5 minutes', async () => {
    await createAccount(ctx, 'p@example.fr');
    const { secret } = await enrol(ctx, await loginAgent(ctx, 'p@example.fr'));
    const agent = await passwordStep(ctx, 'p@example.fr');
    const csrf = await csrfOf(agent, '/subscription/login/totp');
    ctx.clock.advance(5 * 60 + 1);
    const late = await agent.post('/subscription/login/totp').type('form').send({ code: codeAt(ctx, secret), _csrf: csrf });
    expect(late.headers.location).to.equal('/subscription/login');
    expect((await agent.get('/subscription/login').expect(200)).text).to.contain('Saisissez de nouveau votre adresse');
  });

  it('counts wrong codes in the login lockout: the 10th locks the account and mails the owner', async () => {
    await createAccount(ctx, 'p@example.fr');
    const { secret } = await enrol(ctx, await loginAgent(ctx, 'p@example.fr'));
    ctx.clock.advance(30);
    const agent = await passwordStep(ctx, 'p@example.fr');
    for (let i = 0; i < 10; i++) expect((await codeStep(agent, wrongCode(ctx, secret))).status).to.equal(401);
    expect(await ctx.db('audit_log').where({ action: 'account.locked' }).first()).to.exist;
    expect((await waitMail(ctx, 'p@example.fr')).subject).to.contain('temporairement bloqué');
    expect((await codeStep(agent, codeAt(ctx, secret))).status, 'even the right code is refused while locked').to.equal(401);
    ctx.clock.advance(15 * 60 + 1);
    const again = await passwordStep(ctx, 'p@example.fr');
    expect((await codeStep(again, codeAt(ctx, secret))).headers.location).to.equal('/subscription/dashboard');
    expect(await ctx.db('accounts').where({ email: 'p@example.fr' }).first()).to.include({ failed_logins: 0 });
  });

  it('accepts a recovery code once, audits it, and refuses it the second time', async () => {
    await createAccount(ctx, 'c@example.fr', 'customer');
    const { codes } = await enrol(ctx, await loginAgent(ctx, 'c@example.fr'));
    const first = await codeStep(await passwordStep(ctx, 'c@example.fr'), codes[3]!.toUpperCase());
    expect(first.headers.location).to.equal('/account');
    expect(await ctx.db('audit_log').where({ action: 'totp.recovery_used' }).first()).to.include({ actor_email: 'c@example.fr' });
    const second = await codeStep(await passwordStep(ctx, 'c@example.fr'), codes[3]!);
    expect(second.status).to.equal(401);
    expect(second.text).to.contain('Code incorrect ou déjà utilisé');
  });

  it('turns off with the password and a code, not with a wrong code', async () => {
    await createAccount(ctx, 'p@example.fr');
    const agent = await loginAgent(ctx, 'p@example.fr');
    const { secret } = await enrol(ctx, agent);
    ctx.clock.advance(30);
    let csrf = await csrfOf(agent, '/subscription/account');
    await agent.post('/subscription/account/totp/disable').type('form').send({ password: PASSWORD, code: wrongCode(ctx, secret), _csrf: csrf }).expect(303);
    expect((await agent.get('/subscription/account').expect(200)).text).to.contain('Mot de passe ou code incorrect').and.contain('Activée');
    csrf = await csrfOf(agent, '/subscription/account');
    await agent.post('/subscription/account/totp/disable').type('form').send({ password: PASSWORD, code: codeAt(ctx, secret), _csrf: csrf }).expect(303);
    expect((await agent.get('/subscription/account').expect(200)).text).to.contain('Connexion en deux étapes désactivée.');
    expect(await ctx.db('audit_log').where({ action: 'totp.disabled' }).first()).to.exist;
    expect(await ctx.db('account_recovery_codes').count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 0);
    await loginAgent(ctx, 'p@example.fr');
  });
});

describe('STAFF_2FA_REQUIRED and npm run admin:reset-2fa', function () {
  this.timeout(60000);
  let ctx: TestContext;
  beforeEach(async () => { ctx = await createTestContext({ env: { STAFF_2FA_REQUIRED: '1' } }); });
  afterEach(async () => { await ctx.close(); });

  it('sends an admin to enrolment after login and keeps /admin closed until enrolled; support staff are not asked', async () => {
    await createAccount(ctx, 'boss@example.fr', 'admin');
    await createAccount(ctx, 'help@example.fr', 'support');
    const { agent, csrf } = await formAgent(ctx.app, '/subscription/login');
    const login = await agent.post('/subscription/login').type('form').send({ email: 'boss@example.fr', password: PASSWORD, _csrf: csrf }).expect(303);
    expect(login.headers.location).to.equal('/subscription/account/totp');
    for (const path of ['/admin', '/admin/partners', '/admin/audit']) {
      expect((await agent.get(path)).headers.location, path).to.equal('/subscription/account/totp');
    }
    expect((await agent.get('/subscription/account/totp').expect(200)).text).to.contain('Les administrateurs doivent activer');
    await (await loginAgent(ctx, 'help@example.fr')).get('/admin').expect(200);
    const { secret } = await enrol(ctx, agent);
    expect((await agent.get('/admin').expect(200)).text).to.contain('Administration');
    ctx.clock.advance(30);
    const next = await passwordStep(ctx, 'boss@example.fr');
    expect((await codeStep(next, codeAt(ctx, secret))).headers.location).to.equal('/admin');
  });

  it('removes an owner\'s two-step login from the command line, with an audit row', async () => {
    await createAccount(ctx, 'boss@example.fr', 'superadmin');
    const { agent, csrf } = await formAgent(ctx.app, '/subscription/login');
    await agent.post('/subscription/login').type('form').send({ email: 'boss@example.fr', password: PASSWORD, _csrf: csrf }).expect(303);
    await enrol(ctx, agent);
    const env = { DB_DIR: ctx.config.paths.db, LOGS_DIR: ctx.config.paths.logs, ...testDatabaseEnv(ctx.config.paths.db) };
    const res = await cli('admin-reset-2fa.ts', ['--email', 'Boss@Example.fr'], env, '');
    expect(res.code, res.err).to.equal(0);
    expect(res.out).to.contain('Two-step login removed').and.contain('boss@example.fr');
    expect(await ctx.db('account_totp').first()).to.equal(undefined);
    expect(await ctx.db('account_recovery_codes').first()).to.equal(undefined);
    expect(await ctx.db('audit_log').where({ action: 'totp.reset' }).first()).to.include({ actor_email: null });
    const { agent: owner, csrf: c2 } = await formAgent(ctx.app, '/subscription/login');
    const login = await owner.post('/subscription/login').type('form').send({ email: 'boss@example.fr', password: PASSWORD, _csrf: c2 }).expect(303);
    expect(login.headers.location, 'the password alone, then enrolment again').to.equal('/subscription/account/totp');
    const twice = await cli('admin-reset-2fa.ts', ['--email', 'boss@example.fr'], env, '');
    expect(twice.code).to.equal(1);
    expect(twice.err).to.contain('was not on');
    const unknown = await cli('admin-reset-2fa.ts', ['--email', 'nobody@example.fr'], env, '');
    expect(unknown.code).to.equal(1);
    expect(unknown.err).to.contain('No account');
  });
});
