import { expect } from 'chai';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { createAccount, csrfOf, loginAgent, PASSWORD, request } from '../../helpers/accounts.js';
import { csrfFrom } from '../../helpers/forms.js';

/** The session cookie an agent holds, as a Cookie header value. */
async function cookieOf(agent: Awaited<ReturnType<typeof loginAgent>>, ctx: TestContext): Promise<string> {
  const res = await agent.get('/subscription/account');
  expect(res.status).to.equal(200);
  const jar = (agent as unknown as { jar: { getCookie(name: string, opts: object): { value: string } | undefined } }).jar;
  const c = jar.getCookie('sid', { domain: '127.0.0.1', path: '/', script: false, secure: false });
  if (!c) throw new Error(`no sid cookie (${ctx.config.baseUrl})`);
  return `sid=${c.value}`;
}

describe('sessions: timeouts and server-side invalidation', () => {
  let ctx: TestContext;
  beforeEach(async () => { ctx = await createTestContext(); });
  afterEach(async () => { await ctx.close(); });

  it('ends a partner session after 30 min idle, and says so', async () => {
    await createAccount(ctx, 'p@example.fr');
    const agent = await loginAgent(ctx, 'p@example.fr');
    ctx.clock.advance(29 * 60);
    await agent.get('/subscription/dashboard').expect(200);
    ctx.clock.advance(29 * 60);
    await agent.get('/subscription/dashboard').expect(200);
    ctx.clock.advance(31 * 60);
    const res = await agent.get('/subscription/dashboard').expect(303);
    expect(res.headers.location).to.match(/^\/subscription\/login/);
    const login = await agent.get('/subscription/login');
    expect(login.text).to.contain('Votre session a expiré');
  });

  it('ends a partner session 8 h after login even when active', async () => {
    await createAccount(ctx, 'p@example.fr');
    const agent = await loginAgent(ctx, 'p@example.fr');
    for (let i = 0; i < 19; i++) {
      ctx.clock.advance(25 * 60); // 19 × 25 min = 7 h 55
      await agent.get('/subscription/dashboard').expect(200);
    }
    ctx.clock.advance(25 * 60);
    await agent.get('/subscription/dashboard').expect(303);
  });

  it('uses 15 min idle and 4 h absolute for admins', async () => {
    await createAccount(ctx, 'a@example.fr', 'admin');
    const agent = await loginAgent(ctx, 'a@example.fr');
    ctx.clock.advance(14 * 60);
    await agent.get('/admin').expect(200);
    ctx.clock.advance(16 * 60);
    await agent.get('/admin').expect(303);
    const again = await loginAgent(ctx, 'a@example.fr');
    for (let i = 0; i < 17; i++) {
      ctx.clock.advance(14 * 60);
      await again.get('/admin').expect(200);
    }
    ctx.clock.advance(14 * 60);
    await again.get('/admin').expect(303);
  });

  it('makes a copied cookie useless after logout', async () => {
    await createAccount(ctx, 'p@example.fr');
    const agent = await loginAgent(ctx, 'p@example.fr');
    const stolen = await cookieOf(agent, ctx);
    await request(ctx.app).get('/subscription/dashboard').set('Cookie', stolen).expect(200);
    const csrf = await csrfOf(agent, '/subscription/dashboard');
    await agent.post('/subscription/logout').type('form').send({ _csrf: csrf }).expect(303);
    await request(ctx.app).get('/subscription/dashboard').set('Cookie', stolen).expect(303);
    expect(await ctx.db('account_sessions').first()).to.include({ end_reason: 'logout' });
  });

  it('ends every session when an admin-side suspension happens', async () => {
    const id = await createAccount(ctx, 'p@example.fr');
    const agent = await loginAgent(ctx, 'p@example.fr');
    await ctx.db('accounts').where({ id }).update({ state: 'suspended' });
    const res = await agent.get('/subscription/dashboard').expect(303);
    expect(res.headers.location).to.match(/^\/subscription\/login/);
    expect((await ctx.db('account_sessions').first()).ended_at).not.to.equal(null);
  });

  it('ends the session when the role changes, so the next login gets a new session id', async () => {
    const id = await createAccount(ctx, 'p@example.fr');
    const agent = await loginAgent(ctx, 'p@example.fr');
    await ctx.db('accounts').where({ id }).update({ role: 'support' });
    await agent.get('/subscription/account').expect(303);
    expect(await ctx.db('account_sessions').first()).to.include({ end_reason: 'role_changed' });
    const again = await loginAgent(ctx, 'p@example.fr');
    await again.get('/admin').expect(200);
  });

  it('lists the open sessions and logs out the others on request', async () => {
    await createAccount(ctx, 'p@example.fr');
    const first = await loginAgent(ctx, 'p@example.fr');
    const second = await loginAgent(ctx, 'p@example.fr');
    const page = await first.get('/subscription/account').expect(200);
    expect(page.text.match(/<tr>/g)?.length, 'header row and two sessions').to.equal(3);
    expect(page.text).to.contain('cette session');
    const csrf = await csrfOf(first, '/subscription/account');
    await first.post('/subscription/account/sessions/end-others').type('form').send({ _csrf: csrf }).expect(303);
    expect((await first.get('/subscription/account').expect(200)).text).to.contain('1 autre session fermée.');
    await second.get('/subscription/account').expect(303);
  });

  it('names the browser and system of each session ("Firefox 128 on Ubuntu"), not the raw User-Agent', async () => {
    await createAccount(ctx, 'p@example.fr');
    const firefox = 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
    const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
    const agents = [];
    for (const ua of [firefox, chrome]) {
      const agent = request.agent(ctx.app);
      const csrf = csrfFrom((await agent.get('/subscription/login').set('User-Agent', ua).expect(200)).text);
      await agent.post('/subscription/login').set('User-Agent', ua).type('form').send({ email: 'p@example.fr', password: PASSWORD, _csrf: csrf }).expect(303);
      agents.push(agent);
    }
    const cells = (html: string) => [...html.matchAll(/<td title="[^"]*">([^<]*)<\/td>/g)].map((m) => m[1]).sort();
    const fr = await agents[0]!.get('/subscription/account').set('User-Agent', firefox).expect(200);
    expect(cells(fr.text)).to.deep.equal(['Chrome 126 sur Windows 10', 'Firefox 128 sur Ubuntu']);
    const en = await agents[1]!.get('/subscription/account?lang=en').set('User-Agent', chrome).expect(200);
    expect(cells(en.text)).to.deep.equal(['Chrome 126 on Windows 10', 'Firefox 128 on Ubuntu']);
    expect(en.text).not.to.contain('>Mozilla/5.0');
  });

  it('changes the password (checking the current one) and ends the other sessions', async () => {
    await createAccount(ctx, 'p@example.fr');
    const me = await loginAgent(ctx, 'p@example.fr');
    const other = await loginAgent(ctx, 'p@example.fr');
    let csrf = await csrfOf(me, '/subscription/account');
    const wrong = await me.post('/subscription/account/password').type('form')
      .send({ current_password: 'not my password', password: 'a brand new passphrase', password_confirm: 'a brand new passphrase', _csrf: csrf })
      .expect(422);
    expect(wrong.text).to.contain('Le mot de passe actuel est incorrect.');
    csrf = await csrfOf(me, '/subscription/account');
    await me.post('/subscription/account/password').type('form')
      .send({ current_password: PASSWORD, password: 'a brand new passphrase', password_confirm: 'a brand new passphrase', _csrf: csrf })
      .expect(303);
    await me.get('/subscription/account').expect(200);
    await other.get('/subscription/account').expect(303);
    await loginAgent(ctx, 'p@example.fr', 'a brand new passphrase');
    expect(await ctx.db('audit_log').where({ action: 'password.changed' }).first()).to.exist;
  });

  it('counts wrong current passwords as failed logins and, at the 5th for the account, ends its sessions and says why on the login page', async () => {
    await createAccount(ctx, 'p@example.fr');
    const stolen = await loginAgent(ctx, 'p@example.fr');
    const owner = await loginAgent(ctx, 'p@example.fr');
    const guess = async (agent: typeof stolen, n: number) => {
      const csrf = await csrfOf(agent, '/subscription/account');
      return agent.post('/subscription/account/password').type('form')
        .send({ current_password: `guess number ${n}`, password: 'a brand new passphrase', password_confirm: 'a brand new passphrase', _csrf: csrf });
    };
    for (let n = 1; n <= 4; n++) expect((await guess(stolen, n)).status, `guess ${n}`).to.equal(422);
    const row = await ctx.db('accounts').where({ email: 'p@example.fr' }).first();
    expect(row).to.include({ failed_logins: 4, password_change_failures: 4 });
    const fifth = await guess(stolen, 5);
    expect(fifth.status).to.equal(303);
    expect(fifth.headers.location).to.equal('/subscription/login');
    const login = await stolen.get('/subscription/login').expect(200);
    expect(login.text).to.contain('Trop de mots de passe actuels erronés').and.contain('vos sessions ont été fermées');
    await stolen.get('/subscription/account').expect(303);
    await owner.get('/subscription/account').expect(303);
    expect(await ctx.db('account_sessions').whereNull('ended_at')).to.have.length(0);
    expect(await ctx.db('account_sessions').where({ end_reason: 'password_attempts' })).to.have.length(2);
    expect(await ctx.db('accounts').where({ email: 'p@example.fr' }).first()).to.include({ failed_logins: 5, password_change_failures: 0 });
    expect((await ctx.db('audit_log').where({ action: 'password.change_refused' })).length).to.equal(5);
    expect(await ctx.db('audit_log').where({ action: 'password.change_limit' }).first()).to.exist;
    // The owner logs in again with the password; the counters start again.
    await loginAgent(ctx, 'p@example.fr');
    expect(await ctx.db('accounts').where({ email: 'p@example.fr' }).first()).to.include({ failed_logins: 0, password_change_failures: 0 });
  });

  it('locks the account when wrong current passwords and wrong logins reach the login limit together', async () => {
    await createAccount(ctx, 'p@example.fr');
    const agent = await loginAgent(ctx, 'p@example.fr');
    await ctx.db('accounts').where({ email: 'p@example.fr' }).update({ failed_logins: 9 });
    const csrf = await csrfOf(agent, '/subscription/account');
    await agent.post('/subscription/account/password').type('form')
      .send({ current_password: 'not it at all', password: 'a brand new passphrase', password_confirm: 'a brand new passphrase', _csrf: csrf }).expect(422);
    const row = await ctx.db('accounts').where({ email: 'p@example.fr' }).first();
    expect(row).to.include({ failed_logins: 0, lockouts: 1 });
    expect(row.locked_until).to.not.equal(null);
    expect(await ctx.db('audit_log').where({ action: 'account.locked' }).first()).to.exist;
    // Locked: even the right current password is refused.
    const again = await csrfOf(agent, '/subscription/account');
    await agent.post('/subscription/account/password').type('form')
      .send({ current_password: PASSWORD, password: 'a brand new passphrase', password_confirm: 'a brand new passphrase', _csrf: again }).expect(422);
  });

  it('saves the profile but never the e-mail, role or state', async () => {
    const id = await createAccount(ctx, 'p@example.fr');
    const agent = await loginAgent(ctx, 'p@example.fr');
    const csrf = await csrfOf(agent, '/subscription/account');
    await agent.post('/subscription/account/profile').type('form').send({
      company: 'Nouvelle Société', name: 'Jeanne', phone: '+32 2 123 45 67', country: 'BE', locale: 'en',
      role: 'superadmin', state: 'active', email: 'x@evil.example', _csrf: csrf,
    }).expect(303);
    const saved = await ctx.db('accounts').where({ id }).first();
    expect(saved).to.include({ company: 'Nouvelle Société', country: 'BE', locale: 'en', role: 'partner', email: 'p@example.fr' });
    const bad = await agent.post('/subscription/account/profile').type('form')
      .send({ company: '', name: 'J', phone: 'x', country: 'BE', locale: 'de', _csrf: csrf })
      .expect(422);
    // The account now speaks English (its saved language drives its pages).
    expect(bad.text).to.contain('Enter your company name.');
    // Each language is offered under its own name.
    const page = (await agent.get('/subscription/account').expect(200)).text;
    expect(page).to.contain('<option value="fr" lang="fr">Français</option>').and.contain('<option value="en" lang="en" selected>English</option>');
  });
});
