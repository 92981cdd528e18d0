import { expect } from 'chai';
import { AccountsRepository } from '../../../src/accounts/index.js';
import { isSqlite } from '../../../src/platform/db.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { formAgent } from '../../helpers/forms.js';
import { linkIn, loginAgent, mails, PASSWORD, register, REGISTRATION, request, waitMail } from '../../helpers/accounts.js';

describe('POST /subscription/register and GET /subscription/verify', () => {
  let ctx: TestContext;
  beforeEach(async () => { ctx = await createTestContext(); });
  afterEach(async () => { await ctx.close(); });

  it('creates a pending partner, mails a verification link that activates it once, and audits both', async () => {
    const agent = await register(ctx);
    const sent = await agent.get('/subscription/register/sent').expect(200);
    expect(sent.text).to.contain('Vérifiez votre boîte de réception');
    const account = await ctx.db('accounts').where({ email: REGISTRATION.email }).first();
    expect(account).to.include({
      state: 'pending_verification', role: 'partner', company: 'Imprimerie Durand', country: 'FR', public_ref: `PTN-${String(account.id).padStart(4, '0')}`,
    });
    const mail = await waitMail(ctx, REGISTRATION.email);
    expect(mail.subject).to.contain('Confirmez votre adresse');
    expect(mail.html).to.contain('Confirmer mon adresse');
    const link = linkIn(mail, '/subscription/verify?token=');
    const token = new URL(link, 'http://x').searchParams.get('token')!;
    expect(token).to.have.length(43);
    const stored = await ctx.db('account_tokens').where({ account_id: account.id }).first();
    expect(stored.token_hash).to.have.length(64).and.not.contain(token);

    const verified = await agent.get(link).expect(303);
    expect(verified.headers.location).to.equal('/subscription/login');
    expect((await agent.get('/subscription/login').expect(200)).text).to.contain('Votre adresse est confirmée');
    expect(await ctx.db('accounts').where({ id: account.id }).first()).to.include({ state: 'active' });
    const again = await request(ctx.app).get(link).expect(410);
    expect(again.text).to.contain('déjà été utilisé').and.contain('Recevoir un nouveau lien');
    const actions = (await ctx.db('audit_log').where({ target_id: String(account.id) }).orderBy('id')).map((r: { action: string }) => r.action);
    expect(actions).to.include.members(['account.registered', 'account.verified']);
  });

  it('says an expired link expired and sends a new one on request', async () => {
    await register(ctx);
    const link = linkIn(await waitMail(ctx, REGISTRATION.email), '/subscription/verify?token=');
    ctx.clock.advance(24 * 3600 + 1);
    const res = await request(ctx.app).get(link).expect(410);
    expect(res.text).to.contain('Ce lien a expiré');
    const { agent, csrf } = await formAgent(ctx.app, '/subscription/register');
    await agent.post('/subscription/verify/resend').type('form').send({ email: REGISTRATION.email, _csrf: csrf }).expect(303);
    const second = linkIn(await waitMail(ctx, REGISTRATION.email, 2), '/subscription/verify?token=');
    expect(second).not.to.equal(link);
    await request(ctx.app).get(second).expect(303);
  });

  it('answers the loser of two simultaneous registrations of one address like a known address (no 500, one account)', async () => {
    // The other registration (here written by the test) lands between this one's lookup and its insert.
    const other = {
      email: REGISTRATION.email, passwordHash: 'x', role: 'partner', state: 'pending_verification', company: 'Autre', name: 'Autre', phone: '',
      country: 'FR', locale: 'fr', termsAcceptedAt: ctx.clock.now(), verifiedAt: null,
    } as const;
    const isLookup = (q: { sql: string; bindings?: unknown[] }) => /^select .* from [`"]accounts[`"]/i.test(q.sql) && q.bindings?.includes(REGISTRATION.email);
    let settled: Promise<unknown> | null = null;
    let onQuery: (q: { sql: string; bindings?: unknown[] }) => void;
    if (isSqlite(ctx.db)) {
      // One connection, served in order: an insert queued when the lookup starts runs right after it.
      onQuery = (q) => { if (!settled && isLookup(q)) settled = new AccountsRepository(ctx.db).insert(other, ctx.clock.now()); };
    } else {
      // The other insert is made, not committed, before the request (the lookup cannot see it); it commits
      // once this registration's insert is waiting on the unique index.
      const trx = await ctx.db.transaction();
      await new AccountsRepository(trx).insert(other, ctx.clock.now());
      onQuery = (q) => { if (!settled && /^insert into "accounts"/.test(q.sql)) settled = trx.commit(); };
    }
    ctx.db.on('query', onQuery);
    const { agent, csrf } = await formAgent(ctx.app, '/subscription/register');
    const res = await agent.post('/subscription/register').type('form').send({ ...REGISTRATION, _csrf: csrf });
    ctx.db.off('query', onQuery);
    await settled;
    expect(res.status, res.text.slice(0, 300)).to.equal(303);
    expect(res.headers.location).to.equal('/subscription/register/sent');
    const rows = await ctx.db('accounts').where({ email: REGISTRATION.email });
    expect(rows.map((r: { company: string }) => r.company)).to.deep.equal(['Autre']);
    expect((await ctx.db('audit_log').where({ action: 'account.register_existing' })).length).to.equal(1);
    // The address is pending: the answer is a (new) verification link, as for any pending address.
    expect((await waitMail(ctx, REGISTRATION.email)).subject).to.contain('Confirmez votre adresse');
  });

  it('answers a garbage token with the invalid-link page', async () => {
    const res = await request(ctx.app).get('/subscription/verify?token=abc').expect(404);
    expect(res.text).to.contain('n’est pas valide');
    await request(ctx.app).get('/subscription/verify').expect(404);
    await request(ctx.app).get('/subscription/verify?token=a&token=b').expect(404);
  });

  it('answers a known address exactly like a new one, and mails the owner a notice instead', async () => {
    await register(ctx);
    await request(ctx.app).get(linkIn(await waitMail(ctx, REGISTRATION.email), '/subscription/verify?token=')).expect(303);
    const { agent, csrf } = await formAgent(ctx.app, '/subscription/register');
    const res = await agent.post('/subscription/register').type('form').send({ ...REGISTRATION, company: 'Autre', _csrf: csrf }).expect(303);
    expect(res.headers.location).to.equal('/subscription/register/sent');
    const notice = await waitMail(ctx, REGISTRATION.email, 2);
    expect(notice.subject).to.contain('Tentative d’inscription');
    expect(await ctx.db('accounts').count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 1);
    expect((await ctx.db('accounts').first()).company).to.equal('Imprimerie Durand');
  });

  it('re-renders with field errors in English, keeps what was typed except passwords', async () => {
    const { agent, csrf } = await formAgent(ctx.app, '/subscription/register', 'en');
    const res = await agent.post('/subscription/register').set('Accept-Language', 'en').type('form').send({
      company: 'ACME <script>', name: '', email: 'bad', phone: 'call me', country: 'XX', password: 'short', password_confirm: 'other', _csrf: csrf,
    }).expect(422);
    expect(res.text).to.contain('Enter your name.').and.contain('This email address is not valid').and.contain('This number is not valid')
      .and.contain('Choose a country from the list.').and.contain('at least 12 characters').and.contain('You must accept the terms');
    expect(res.text).to.contain('value="ACME &lt;script&gt;"').and.contain('value="bad"').and.not.contain('value="short"');
    expect(await ctx.db('accounts').count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 0);
  });

  it('refuses a common password and two different passwords', async () => {
    const { agent, csrf } = await formAgent(ctx.app, '/subscription/register');
    const common = await agent.post('/subscription/register').type('form')
      .send({ ...REGISTRATION, password: 'password1234', password_confirm: 'password1234', _csrf: csrf })
      .expect(422);
    expect(common.text).to.contain('trop courant');
    const mismatch = await agent.post('/subscription/register').type('form')
      .send({ ...REGISTRATION, password_confirm: `${PASSWORD}x`, _csrf: csrf })
      .expect(422);
    expect(mismatch.text).to.contain('ne sont pas identiques');
  });

  it('ignores a posted role or state (no mass assignment)', async () => {
    await register(ctx, { role: 'superadmin', state: 'active' } as never);
    expect(await ctx.db('accounts').first()).to.include({ role: 'partner', state: 'pending_verification' });
  });

  it('does not let an unverified partner log in, and says why', async () => {
    await register(ctx);
    const { agent, csrf } = await formAgent(ctx.app, '/subscription/login');
    const res = await agent.post('/subscription/login').type('form').send({ email: REGISTRATION.email, password: PASSWORD, _csrf: csrf }).expect(403);
    expect(res.text).to.contain('Confirmez d’abord votre adresse');
    await request(ctx.app).get(linkIn(await waitMail(ctx, REGISTRATION.email), '/subscription/verify?token=')).expect(303);
    const partner = await loginAgent(ctx, REGISTRATION.email);
    const dash = await partner.get('/subscription/dashboard').expect(200);
    expect(dash.text).to.contain('Imprimerie Durand').and.contain('PTN-');
    expect((await mails(ctx)).every((m) => !m.text.includes(PASSWORD))).to.equal(true);
  });
});
