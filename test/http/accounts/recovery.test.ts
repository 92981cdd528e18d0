import { expect } from 'chai';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { formAgent } from '../../helpers/forms.js';
import { createAccount, linkIn, loginAgent, mails, PASSWORD, request, waitMail } from '../../helpers/accounts.js';

async function forgot(ctx: TestContext, email: string) {
  const { agent, csrf } = await formAgent(ctx.app, '/subscription/forgot');
  const res = await agent.post('/subscription/forgot').type('form').send({ email, _csrf: csrf });
  const page = await agent.get(res.headers.location ?? '/');
  return { res, page };
}

describe('POST /subscription/forgot and /subscription/reset', () => {
  let ctx: TestContext;
  beforeEach(async () => { ctx = await createTestContext(); });
  afterEach(async () => { await ctx.close(); });

  it('answers the same for a known and an unknown address, mailing only the known one', async () => {
    await createAccount(ctx, 'p@example.fr');
    const known = await forgot(ctx, 'p@example.fr');
    const unknown = await forgot(ctx, 'nobody@example.fr');
    expect(known.res.status).to.equal(303);
    expect(unknown.res.status).to.equal(303);
    expect(known.res.headers.location).to.equal(unknown.res.headers.location);
    expect(known.page.text).to.equal(unknown.page.text);
    await waitMail(ctx, 'p@example.fr');
    await new Promise((r) => setTimeout(r, 100));
    expect((await mails(ctx)).map((m) => m.to)).to.deep.equal(['p@example.fr']);
  });

  it('resets the password with the mailed link, once, ends every session and mails a notice', async () => {
    await createAccount(ctx, 'p@example.fr');
    const session = await loginAgent(ctx, 'p@example.fr');
    await forgot(ctx, 'p@example.fr');
    const mail = await waitMail(ctx, 'p@example.fr');
    expect(mail.text).to.contain('30 minutes');
    const link = linkIn(mail, '/subscription/reset?token=');
    const { agent, csrf } = await formAgent(ctx.app, link);
    const token = new URL(link, 'http://x').searchParams.get('token');
    const mismatch = await agent.post('/subscription/reset').type('form').send({ token, password: 'le nouveau mot de passe', password_confirm: 'autre chose', _csrf: csrf }).expect(422);
    expect(mismatch.text).to.contain('ne sont pas identiques');
    const done = await agent.post('/subscription/reset').type('form').send({ token, password: 'le nouveau mot de passe', password_confirm: 'le nouveau mot de passe', _csrf: csrf }).expect(303);
    expect(done.headers.location).to.equal('/subscription/login');
    await session.get('/subscription/dashboard').expect(303);
    await loginAgent(ctx, 'p@example.fr', 'le nouveau mot de passe');
    const notice = await waitMail(ctx, 'p@example.fr', 2);
    expect(notice.subject).to.contain('mot de passe a été changé');
    const reused = await request(ctx.app).get(link).expect(410);
    expect(reused.text).to.contain('déjà été utilisé');
    const replay = await agent.post('/subscription/reset').type('form').send({ token, password: 'encore un autre mot', password_confirm: 'encore un autre mot', _csrf: csrf }).expect(410);
    expect(replay.text).to.contain('déjà été utilisé');
    expect(await ctx.db('audit_log').where({ action: 'password.reset' }).count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 1);
  });

  it('refuses a reset link older than 30 minutes', async () => {
    await createAccount(ctx, 'p@example.fr');
    await forgot(ctx, 'p@example.fr');
    const link = linkIn(await waitMail(ctx, 'p@example.fr'), '/subscription/reset?token=');
    ctx.clock.advance(30 * 60 + 1);
    const res = await request(ctx.app).get(link).expect(410);
    expect(res.text).to.contain('Ce lien a expiré').and.contain('Demander un nouveau lien');
    await loginAgent(ctx, 'p@example.fr', PASSWORD);
  });

  it('clears a lockout when the password is reset', async () => {
    const id = await createAccount(ctx, 'p@example.fr');
    await ctx.db('accounts').where({ id }).update({ locked_until: new Date(ctx.clock.now().getTime() + 3600_000).toISOString(), lockouts: 2 });
    await forgot(ctx, 'p@example.fr');
    const link = linkIn(await waitMail(ctx, 'p@example.fr'), '/subscription/reset?token=');
    const { agent, csrf } = await formAgent(ctx.app, link);
    const token = new URL(link, 'http://x').searchParams.get('token');
    await agent.post('/subscription/reset').type('form').send({ token, password: 'le nouveau mot de passe', password_confirm: 'le nouveau mot de passe', _csrf: csrf }).expect(303);
    await loginAgent(ctx, 'p@example.fr', 'le nouveau mot de passe');
  });
});
