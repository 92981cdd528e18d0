import { expect } from 'chai';
import { createTestContext, sentMails, type TestContext } from '../../helpers/context.js';
import { formAgent } from '../../helpers/forms.js';
import { createAccount, linkIn, loginAgent, mails, PASSWORD, request, waitMail } from '../../helpers/accounts.js';
import { waitFor } from '../../helpers/wait.js';

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
    // The unknown address goes first: a mail it wrongly caused would leave before the known one's, which is awaited.
    const unknown = await forgot(ctx, 'nobody@example.fr');
    const known = await forgot(ctx, 'p@example.fr');
    expect(known.res.status).to.equal(303);
    expect(unknown.res.status).to.equal(303);
    expect(known.res.headers.location).to.equal(unknown.res.headers.location);
    expect(known.page.text).to.equal(unknown.page.text);
    await waitMail(ctx, 'p@example.fr');
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
    const mismatch = await agent.post('/subscription/reset').type('form')
      .send({ token, password: 'le nouveau mot de passe', password_confirm: 'autre chose', _csrf: csrf })
      .expect(422);
    expect(mismatch.text).to.contain('ne sont pas identiques');
    const done = await agent.post('/subscription/reset').type('form')
      .send({ token, password: 'le nouveau mot de passe', password_confirm: 'le nouveau mot de passe', _csrf: csrf })
      .expect(303);
    expect(done.headers.location).to.equal('/subscription/login');
    await session.get('/subscription/dashboard').expect(303);
    await loginAgent(ctx, 'p@example.fr', 'le nouveau mot de passe');
    const notice = await waitMail(ctx, 'p@example.fr', 2);
    expect(notice.subject).to.contain('mot de passe a été changé');
    const reused = await request(ctx.app).get(link).expect(410);
    expect(reused.text).to.contain('déjà été utilisé');
    const replay = await agent.post('/subscription/reset').type('form')
      .send({ token, password: 'encore un autre mot', password_confirm: 'encore un autre mot', _csrf: csrf })
      .expect(410);
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
    await agent.post('/subscription/reset').type('form')
      .send({ token, password: 'le nouveau mot de passe', password_confirm: 'le nouveau mot de passe', _csrf: csrf })
      .expect(303);
    await loginAgent(ctx, 'p@example.fr', 'le nouveau mot de passe');
  });
});

describe('POST /subscription/forgot: what a known address costs compared with an unknown one', function () {
  this.timeout(120000);
  let ctx: TestContext;
  let ip = 0;
  before(async () => {
    ctx = await createTestContext({ env: { TRUST_PROXY: '1' }, seed: false });
    await createAccount(ctx, 'p@example.fr');
  });
  after(async () => { await ctx.close(); });

  /** One forgot post from a new client IP (the per-IP limiter stays out of the way); its duration in ms. */
  async function timedForgot(agent: Awaited<ReturnType<typeof formAgent>>['agent'], csrf: string, email: string): Promise<number> {
    ip += 1;
    const start = process.hrtime.bigint();
    const res = await agent.post('/subscription/forgot').set('X-Forwarded-For', `10.9.${ip >> 8}.${ip & 255}`).type('form').send({ email, _csrf: csrf });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    expect(res.status).to.equal(303);
    return ms;
  }

  it('issues the same database statements for both (only the values differ), and mails the known one', async () => {
    const { agent, csrf } = await formAgent(ctx.app, '/subscription/forgot');
    const statements = async (email: string): Promise<string[]> => {
      const seen: string[] = [];
      const onQuery = (q: { sql: string }) => { seen.push(q.sql); };
      ctx.db.on('query', onQuery);
      try {
        await timedForgot(agent, csrf, email);
      } finally {
        ctx.db.off('query', onQuery);
      }
      return seen;
    };
    // The request's own statements end with its commit: the mail leaves after the answer, and its in-app copy
    // (src/notifications: the account looked up, the copy inserted) may start before the client has read the answer.
    const own = (seen: string[]): string[] => seen.slice(0, seen.indexOf('COMMIT;') + 1);
    const before = (await mails(ctx)).filter((m) => m.to === 'p@example.fr').length;
    const known = own(await statements('p@example.fr'));
    const mail = await waitMail(ctx, 'p@example.fr', before + 1);
    const unknown = own(await statements('nobody@example.fr'));
    expect(known).to.include('COMMIT;');
    expect(known).to.deep.equal(unknown);
    expect(known.filter((s) => /^(insert|update)/i.test(s)), 'expiry, token, audit').to.have.length(3);
    expect(mail.text).to.contain('/subscription/reset?token=');
  });

  it('answers both in the same time: medians of 60 interleaved requests each within a wide margin', async () => {
    const { agent, csrf } = await formAgent(ctx.app, '/subscription/forgot');
    // The reset mail leaves after the answer; waiting for it keeps its work out of the next request's time.
    const knownOnce = async (): Promise<number> => {
      const n = sentMails(ctx).length;
      const ms = await timedForgot(agent, csrf, 'p@example.fr');
      await waitFor(() => sentMails(ctx).length > n, { interval: 5, what: 'the reset mail' });
      return ms;
    };
    for (let i = 0; i < 5; i++) { await knownOnce(); await timedForgot(agent, csrf, 'nobody@example.fr'); }
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 60; i++) {
      // Alternate which goes first, so a slow moment of a loaded machine falls on both alike.
      if (i % 2) { known.push(await knownOnce()); unknown.push(await timedForgot(agent, csrf, `nobody${i}@example.fr`)); }
      else { unknown.push(await timedForgot(agent, csrf, `nobody${i}@example.fr`)); known.push(await knownOnce()); }
    }
    const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return (s[29]! + s[30]!) / 2; };
    const [mk, mu] = [median(known), median(unknown)];
    // Wide on purpose (shared cores, app and client in one process: noise of ±25 % is common); what
    // it is for, an argon2 hash or a mail sent before the answer, costs several times the answer.
    expect(Math.abs(mk - mu), `medians ${mk.toFixed(2)} ms (known) and ${mu.toFixed(2)} ms (unknown)`).to.be.below(Math.max(10, 0.6 * Math.min(mk, mu)));
  });
});
