import { expect } from 'chai';
import request from 'supertest';
import { createAccount, PASSWORD, REGISTRATION } from '../helpers/accounts.js';
import { createTestContext, sentMails, type TestContext } from '../helpers/context.js';
import { csrfFrom, formAgent } from '../helpers/forms.js';

/** A token that was valid on a page opened in another session (expired, cookies cleared since). */
async function staleToken(ctx: TestContext, page: string): Promise<string> {
  return (await formAgent(ctx.app, page)).csrf;
}

describe('public forms posted with a stale CSRF token', () => {
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext(); });
  after(async () => { await ctx.close(); });

  it('POST /subscription/login shows the login form again with the e-mail (never the password) and logs nobody in', async () => {
    await createAccount(ctx, 'p@example.fr');
    const agent = request.agent(ctx.app);
    const res = await agent.post('/subscription/login').type('form')
      .send({ email: 'p@example.fr', password: PASSWORD, next: '/subscription/account', _csrf: await staleToken(ctx, '/subscription/login') }).expect(403);
    expect(res.text).to.contain('Ce formulaire avait expiré').and.contain('value="p@example.fr"').and.contain('name="next" value="/subscription/account"');
    expect(res.text).not.to.contain(PASSWORD);
    const again = await agent.post('/subscription/login').type('form')
      .send({ email: 'p@example.fr', password: PASSWORD, _csrf: csrfFrom(res.text) }).expect(303);
    expect(again.headers.location).to.equal('/subscription/dashboard');
  });

  it('POST /subscription/register shows the form again with every field but the passwords, and creates no account', async () => {
    const res = await request(ctx.app).post('/subscription/register').set('Accept-Language', 'en').type('form')
      .send({ ...REGISTRATION, _csrf: await staleToken(ctx, '/subscription/register') }).expect(403);
    expect(res.text).to.contain('This form had expired');
    for (const v of [REGISTRATION.company, REGISTRATION.name, REGISTRATION.email, REGISTRATION.phone]) expect(res.text, v).to.contain(`value="${v}"`);
    expect(res.text).to.match(/<option value="FR" selected>/).and.match(/id="terms"[^>]* checked/);
    expect(res.text).not.to.contain(PASSWORD);
    expect(await ctx.db('accounts').where({ email: REGISTRATION.email }).first()).to.equal(undefined);
  });

  it('POST /register (a customer) shows the customer form again, posting to /register, and creates no account', async () => {
    const res = await request(ctx.app).post('/register').type('form')
      .send({ ...REGISTRATION, email: 'client@exemple.fr', _csrf: await staleToken(ctx, '/register') }).expect(403);
    expect(res.text).to.contain('Ce formulaire avait expiré').and.contain('Créer un compte client').and.contain('action="/register"')
      .and.contain('value="client@exemple.fr"');
    expect(res.text).not.to.contain(PASSWORD);
    expect(await ctx.db('accounts').where({ email: 'client@exemple.fr' }).first()).to.equal(undefined);
  });

  it('POST /subscription/forgot shows the form again with the address and sends no mail', async () => {
    const before = sentMails(ctx).length;
    const res = await request(ctx.app).post('/subscription/forgot').type('form')
      .send({ email: 'p@example.fr', _csrf: await staleToken(ctx, '/subscription/forgot') }).expect(403);
    expect(res.text).to.contain('Ce formulaire avait expiré').and.contain('value="p@example.fr"').and.contain('action="/subscription/forgot"');
    expect(sentMails(ctx).length).to.equal(before);
  });

  it('POST /subscription/reset shows the form again with its link token, the passwords to type again', async () => {
    const typed = { token: 'a'.repeat(43), password: 'cheval agrafe batterie', password_confirm: 'cheval agrafe batterie' };
    const res = await request(ctx.app).post('/subscription/reset')
      .type('form')
      .send({ ...typed, _csrf: await staleToken(ctx, '/subscription/login') })
      .expect(403);
    expect(res.text).to.contain('Ce formulaire avait expiré').and.contain(`name="token" value="${'a'.repeat(43)}"`);
    expect(res.text).not.to.contain('cheval agrafe batterie');
  });

  it('POST /subscription/verify/resend shows the resend form again with the address', async () => {
    const res = await request(ctx.app).post('/subscription/verify/resend').type('form')
      .send({ email: 'q@example.fr', _csrf: await staleToken(ctx, '/subscription/login') }).expect(403);
    expect(res.text).to.contain('Ce formulaire avait expiré').and.contain('value="q@example.fr"').and.contain('action="/subscription/verify/resend"');
  });

  it('keeps the bare 403 for a form of the partner or admin area', async () => {
    const res = await request(ctx.app).post('/admin/keys/rotate').type('form').send({ confirm: 'yes', _csrf: 'stale' }).expect(403);
    expect(res.text).to.contain('Action refusée').and.not.contain('Ce formulaire avait expiré');
  });
});
