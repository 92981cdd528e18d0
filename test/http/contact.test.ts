import { expect } from 'chai';
import { SMTPServer } from 'smtp-server';
import request from 'supertest';
import { createTestContext, sentMails, type TestContext } from '../helpers/context.js';
import { csrfFrom, formAgent } from '../helpers/forms.js';

const GOOD = { name: 'Marie Durand', email: 'marie@example.fr', message: 'Bonjour, je voudrais devenir revendeur.' };

describe('POST /contact', () => {
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext({ env: { CONTACT_PER_HOUR: '4' } }); });
  after(async () => { await ctx.close(); });

  it('refuses a post without a CSRF token (403) and stores nothing, showing the form again with what was typed', async () => {
    const res = await request(ctx.app).post('/contact').type('form').send(GOOD).expect(403);
    expect(res.text).to.contain('Ce formulaire avait expiré').and.contain(`value="${GOOD.name}"`).and.contain(`>${GOOD.message}</textarea>`);
    expect(await ctx.db('contact_messages').count({ n: '*' }).first()).to.satisfy((r: { n: number | string }) => Number(r.n) === 0);
  });

  it('refuses a wrong CSRF token (403)', async () => {
    const { agent } = await formAgent(ctx.app, '/contact');
    await agent.post('/contact').type('form').send({ ...GOOD, _csrf: 'forged' }).expect(403);
  });

  it('keeps the message typed on a page whose token went stale: the form again, a fresh token, "send it again", then it goes', async () => {
    const { csrf: stale } = await formAgent(ctx.app, '/contact', 'en');
    const agent = request.agent(ctx.app); // the cookies are gone (cleared, or the session ended meanwhile)
    const res = await agent.post('/contact').set('Accept-Language', 'en').type('form').send({ ...GOOD, _csrf: stale }).expect(403);
    expect(res.text).to.contain('This form had expired').and.contain('send it again');
    expect(res.text).to.contain(`value="${GOOD.name}"`).and.contain(`value="${GOOD.email}"`).and.contain(`>${GOOD.message}</textarea>`);
    expect(res.text).not.to.contain('Action refused');
    const fresh = csrfFrom(res.text);
    expect(fresh).not.to.equal(stale);
    expect(await ctx.db('contact_messages').count({ n: '*' }).first()).to.satisfy((r: { n: number | string }) => Number(r.n) === 0);
    await agent.post('/contact').set('Accept-Language', 'en').type('form').send({ ...GOOD, _csrf: fresh }).expect(303);
    expect(await ctx.db('contact_messages').where({ name: GOOD.name }).count({ n: '*' }).first()).to.satisfy((r: { n: number | string }) => Number(r.n) === 1);
    await ctx.db('contact_messages').del();
  });

  it('stores the message, mails it to ADMIN_EMAIL as an .eml file and confirms after a redirect', async () => {
    const { agent, csrf } = await formAgent(ctx.app, '/contact');
    const res = await agent.post('/contact').type('form').send({ ...GOOD, _csrf: csrf }).expect(303);
    expect(res.headers.location).to.equal('/contact');
    const page = await agent.get('/contact').expect(200);
    expect(page.text).to.contain('Merci, votre message a bien été envoyé.');
    const again = await agent.get('/contact').expect(200);
    expect(again.text, 'the flash is shown once').not.to.contain('Merci, votre message');
    const row = await ctx.db('contact_messages').orderBy('id', 'desc').first();
    expect(row).to.include({ name: GOOD.name, email: GOOD.email, message: GOOD.message, mail_status: 'sent', locale: 'fr' });
    const mail = sentMails(ctx).at(-1)!;
    expect(mail).to.match(/^To: admin@artisan-nd\.test$/m).and.match(/^Reply-To: marie@example\.fr$/m);
    expect(mail).to.contain('Marie Durand');
  });

  it('re-renders the form with field errors and keeps what was typed', async () => {
    const { agent, csrf } = await formAgent(ctx.app, '/contact', 'en');
    const res = await agent.post('/contact').set('Accept-Language', 'en').type('form')
      .send({ name: 'Jo <b>', email: 'not-an-email', message: 'short', _csrf: csrf }).expect(422);
    expect(res.text).to.contain('This email address is not valid').and.contain('at least 10 characters');
    expect(res.text).to.contain('value="Jo &lt;b&gt;"').and.contain('value="not-an-email"').and.contain('>short</textarea>');
    expect(res.text).to.contain('aria-invalid="true"');
    expect(csrfFrom(res.text)).to.equal(csrf);
  });

  it('pretends success to a bot that fills the honeypot and keeps nothing', async () => {
    const before = await ctx.db('contact_messages').count({ n: '*' }).first();
    const mailsBefore = sentMails(ctx).length;
    const { agent, csrf } = await formAgent(ctx.app, '/contact');
    await agent.post('/contact').type('form').send({ ...GOOD, website: 'http://spam.example', _csrf: csrf }).expect(303);
    expect(await ctx.db('contact_messages').count({ n: '*' }).first()).to.deep.equal(before);
    expect(sentMails(ctx).length).to.equal(mailsBefore);
  });

  it('limits posts per IP and answers 429 with Retry-After in the visitor language', async () => {
    const { agent, csrf } = await formAgent(ctx.app, '/contact', 'en');
    let last = await agent.post('/contact').type('form').send({ ...GOOD, _csrf: csrf });
    for (let i = 0; i < 5 && last.status !== 429; i++) {
      last = await agent.post('/contact').set('Accept-Language', 'en').type('form').send({ ...GOOD, _csrf: csrf });
    }
    expect(last.status).to.equal(429);
    expect(Number(last.headers['retry-after'])).to.be.within(1, 3600);
    expect(last.text).to.contain('Too many requests');
  });
});

describe('POST /contact: the per-hour limit', () => {
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext({ env: { CONTACT_PER_HOUR: '2' } }); });
  after(async () => { await ctx.close(); });

  it('counts only the messages sent: 5 stale posts and 5 with field errors, then valid ones still go through', async () => {
    const { agent, csrf } = await formAgent(ctx.app, '/contact');
    for (let i = 0; i < 5; i++) await agent.post('/contact').type('form').send({ ...GOOD, _csrf: 'stale' }).expect(403);
    for (let i = 0; i < 5; i++) await agent.post('/contact').type('form').send({ ...GOOD, email: 'not-an-email', _csrf: csrf }).expect(422);
    await agent.post('/contact').type('form').send({ ...GOOD, _csrf: csrf }).expect(303);
    await agent.post('/contact').type('form').send({ ...GOOD, _csrf: csrf }).expect(303);
    await agent.post('/contact').type('form').send({ ...GOOD, _csrf: csrf }).expect(429);
    expect(Number((await ctx.db('contact_messages').count({ n: '*' }).first())!.n)).to.equal(2);
  });
});

describe('POST /contact with SMTP_URL', () => {
  let ctx: TestContext;
  let server: SMTPServer;
  const received: { to: string[]; data: string }[] = [];

  before(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      // close() ends the mailer's idle pooled connection after 0.1 s instead of waiting 30 s for it (smtp-server's default).
      closeTimeout: 100,
      onData(stream, session, cb) {
        let data = '';
        stream.on('data', (c: Buffer) => { data += c.toString(); });
        stream.on('end', () => { received.push({ to: session.envelope.rcptTo.map((r) => r.address), data }); cb(); });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as { port: number };
    ctx = await createTestContext({ env: { SMTP_URL: `smtp://127.0.0.1:${port}?ignoreTLS=true` } });
  });
  after(async () => {
    await ctx.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('delivers the message to the SMTP server', async () => {
    const { agent, csrf } = await formAgent(ctx.app, '/contact');
    await agent.post('/contact').type('form').send({ ...GOOD, _csrf: csrf }).expect(303);
    expect(received).to.have.length(1);
    expect(received[0]!.to).to.deep.equal(['admin@artisan-nd.test']);
    expect(received[0]!.data).to.contain('Marie Durand').and.contain('Subject: [artisan_nd] Contact #1');
    expect(sentMails(ctx)).to.deep.equal([]);
    expect(await ctx.db('contact_messages').first()).to.include({ mail_status: 'sent' });
  });

  it('keeps the message and marks it when the SMTP server is unreachable', async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const { agent, csrf } = await formAgent(ctx.app, '/contact');
    await agent.post('/contact').type('form').send({ ...GOOD, name: 'Paul', _csrf: csrf }).expect(303);
    const row = await ctx.db('contact_messages').where({ name: 'Paul' }).first();
    expect(row).to.include({ mail_status: 'failed' });
    server = new SMTPServer({ authOptional: true });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
});

describe('POST /contact with a hostile body', () => {
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext(); });
  after(async () => { await ctx.close(); });

  it('answers 413 (not 500) to an oversized form, and stores nothing', async () => {
    const { agent, csrf } = await formAgent(ctx.app, '/contact');
    const res = await agent.post('/contact').type('form').send({ ...GOOD, message: 'x'.repeat(40_000), _csrf: csrf }).expect(413);
    expect(res.text).to.contain('Envoi trop volumineux');
    expect(Number((await ctx.db('contact_messages').count({ n: '*' }).first())!.n)).to.equal(0);
  });

  it('re-renders with errors for fields sent as arrays, and answers NUL bytes with the 400 page', async () => {
    const { agent, csrf } = await formAgent(ctx.app, '/contact');
    const arrays = await agent.post('/contact')
      .type('form')
      .send(`name=a&name=b&email=xy%40z.fr&message=${'m'.repeat(20)}&_csrf=${encodeURIComponent(csrf)}`)
      .expect(422);
    expect(arrays.text).to.contain('Indiquez votre nom.');
    // Control characters are refused before the form's own checks (src/http/control-chars.ts).
    const res = await agent.post('/contact')
      .type('form')
      .send(`name=Jo%00&email=jo%40example.fr&message=${'m'.repeat(20)}%00&_csrf=${encodeURIComponent(csrf)}`)
      .expect(400);
    expect(res.text).to.contain('Un champ du formulaire contient un caractère invisible non autorisé');
    const header = await agent.post('/contact').type('form').send({ ...GOOD, name: 'Eve\r\nBcc: victim@example.com', _csrf: csrf }).expect(422);
    expect(header.text).to.contain('Indiquez votre nom.');
    expect(Number((await ctx.db('contact_messages').count({ n: '*' }).first())!.n)).to.equal(0);
  });
});
