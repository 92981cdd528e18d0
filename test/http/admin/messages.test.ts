/** /admin/messages: the contact form's messages, read by staff and marked handled by admins. */
import { expect } from 'chai';
import request from 'supertest';
import { ContactRepository } from '../../../src/site/contact.repository.js';
import { createAccount, csrfOf, loginAgent } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { csrfFrom, type Agent } from '../../helpers/forms.js';
import { auditSentence } from '../../helpers/audit.js';

const text = (html: string): string => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('admin contact messages', function () {
  let ctx: TestContext;
  let admin: Agent;
  let support: Agent;
  let adminId: number;
  let hostileId: number;
  let englishId: number;

  before(async () => {
    ctx = await createTestContext();
    adminId = await createAccount(ctx, 'msg-admin@example.fr', 'admin');
    await createAccount(ctx, 'msg-support@example.fr', 'support');
    await createAccount(ctx, 'msg-partner@example.fr');
    const repo = new ContactRepository(ctx.db);
    const base = { locale: 'fr', ip: '203.0.113.9', userAgent: 'Firefox' };
    for (let i = 1; i <= 53; i++) {
      await repo.insert({
        ...base, name: `Client ${i}`, email: `client${i}@example.fr`, message: `Bonjour, question numéro ${i}.`,
        createdAt: new Date(Date.UTC(2026, 9, 1) + i * 60_000),
      });
    }
    hostileId = await repo.insert({
      ...base, name: 'Jean <b>Dupont</b>', email: 'jean.dupont@example.fr',
      message: 'Première ligne\n<script>alert(1)</script>\n\nDeuxième paragraphe', createdAt: new Date('2026-11-20T08:00:00Z'),
    });
    englishId = await repo.insert({
      ...base, locale: 'en', name: 'Ann Smith', email: 'ann+shop@example.com', message: 'Hello, how do I pay by invoice?',
      createdAt: new Date('2026-11-21T08:00:00Z'),
    });
    admin = await loginAgent(ctx, 'msg-admin@example.fr');
    support = await loginAgent(ctx, 'msg-support@example.fr');
  });
  after(async () => ctx.close());

  it('lists messages newest first, 50 a page, with the number waiting', async () => {
    const page = (await admin.get('/admin/messages').expect(200)).text;
    expect(text(page)).to.contain('55 messages en attente de traitement.').and.contain('55 résultats');
    expect(page.indexOf('Ann Smith')).to.be.below(page.indexOf('Jean &lt;b&gt;Dupont&lt;/b&gt;'));
    expect(page.indexOf('Jean &lt;b&gt;Dupont')).to.be.below(page.indexOf('Client 53'));
    expect(page).not.to.contain('<b>Dupont</b>');
    expect((page.match(/<tr><td><a href="\/admin\/messages\/\d+">/g) ?? []).length).to.equal(50);
    expect(page).to.contain('href="/admin/messages?page=2"').and.contain('Page 1 sur 2');
    const second = (await admin.get('/admin/messages?page=2').expect(200)).text;
    expect(second).to.contain('Client 1<').and.contain('Client 5<').and.not.contain('Client 6<');
  });

  it('searches name, e-mail and message, and filters by dates', async () => {
    const byText = (await admin.get('/admin/messages?q=INVOICE').expect(200)).text;
    expect(text(byText)).to.contain('1 résultat').and.contain('Ann Smith');
    const byMail = (await admin.get('/admin/messages?q=client42%40').expect(200)).text;
    expect(text(byMail)).to.contain('1 résultat').and.contain('Client 42');
    const none = (await admin.get('/admin/messages?q=100%25').expect(200)).text;
    expect(none).to.contain('Aucun résultat pour ces filtres.');
    const dated = (await admin.get('/admin/messages?from=2026-11-21&to=2026-11-21').expect(200)).text;
    expect(text(dated)).to.contain('1 résultat').and.contain('Ann Smith');
  });

  it('shows the whole message, escaped, with a reply link in the visitor\'s language', async () => {
    const page = (await support.get(`/admin/messages/${hostileId}`).expect(200)).text;
    expect(page).to.contain('<pre class="changelog" id="message-text">Première ligne\n&lt;script&gt;alert(1)&lt;/script&gt;\n\nDeuxième paragraphe</pre>');
    expect(page).not.to.contain('<script>alert(1)');
    expect(page).to.contain(`href="mailto:jean.dupont@example.fr?subject=Re%20%3A%20votre%20message%20n%C2%B0%20${hostileId}"`);
    const en = (await support.get(`/admin/messages/${englishId}`).expect(200)).text;
    expect(en).to.contain(`href="mailto:ann+shop@example.com?subject=Re%3A%20your%20message%20%23${englishId}"`);
    await support.get('/admin/messages/999999').expect(404);
    await support.get('/admin/messages/abc').expect(404);
  });

  it('lets support read but not act: no form, and the POST answers 403', async () => {
    const page = (await support.get(`/admin/messages/${hostileId}`).expect(200)).text;
    expect(page).not.to.contain('/handled"').and.not.contain('Marquer comme traité');
    const csrf = await csrfOf(support, '/admin');
    await support.post(`/admin/messages/${hostileId}/handled`).type('form').send({ _csrf: csrf }).expect(403);
    expect((await ctx.db('contact_messages').where({ id: hostileId }).first()).handled_at).to.equal(null);
    expect(await ctx.db('audit_log').where({ action: 'message.handled' }).first()).to.equal(undefined);
  });

  it('refuses partners and sends visitors to the login page', async () => {
    const partner = await loginAgent(ctx, 'msg-partner@example.fr');
    await partner.get('/admin/messages').expect(403);
    await partner.get(`/admin/messages/${hostileId}`).expect(403);
    const res = await request(ctx.app).get('/admin/messages').expect(303);
    expect(res.headers.location).to.equal('/subscription/login?next=%2Fadmin%2Fmessages');
  });

  it('marks a message handled through the form, with an audit row, then unhandled again', async () => {
    const detail = (await admin.get(`/admin/messages/${hostileId}`).expect(200)).text;
    expect(detail).to.contain(`action="/admin/messages/${hostileId}/handled"`);
    const csrf = csrfFrom(detail);
    const res = await admin.post(`/admin/messages/${hostileId}/handled`).type('form').send({ _csrf: csrf }).expect(303);
    expect(res.headers.location).to.equal('/admin/messages');
    const list = (await admin.get('/admin/messages').expect(200)).text;
    expect(list).to.contain(`Message n° ${hostileId} marqué comme traité.`);
    expect(text(list)).to.contain('54 messages en attente de traitement.');
    const row = await ctx.db('contact_messages').where({ id: hostileId }).first();
    expect(Number(row.handled_by)).to.equal(adminId);
    expect(new Date(row.handled_at).toISOString()).to.equal(ctx.clock.now().toISOString());
    const audit = await ctx.db('audit_log').where({ action: 'message.handled' }).first();
    expect(audit).to.include({ actor_email: 'msg-admin@example.fr', target_type: 'message', target_id: String(hostileId) });
    expect(auditSentence(audit)).to.contain('to handle → handled');

    const handled = (await admin.get('/admin/messages?state=handled').expect(200)).text;
    expect(text(handled)).to.contain('1 résultat').and.contain('Traité');
    const shown = (await admin.get(`/admin/messages/${hostileId}`).expect(200)).text;
    expect(text(shown)).to.contain('msg-admin@example.fr').and.contain('Remettre à traiter');

    // Posting again changes nothing and writes no second audit row.
    await admin.post(`/admin/messages/${hostileId}/handled`).type('form').send({ _csrf: csrf }).expect(303);
    expect((await admin.get('/admin/messages').expect(200)).text).to.contain('était déjà traité');
    expect(await ctx.db('audit_log').where({ action: 'message.handled' }).count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 1);

    await admin.post(`/admin/messages/${hostileId}/unhandled`).type('form').send({ _csrf: csrf }).expect(303);
    expect((await ctx.db('contact_messages').where({ id: hostileId }).first())).to.include({ handled_at: null, handled_by: null });
    expect(await ctx.db('audit_log').where({ action: 'message.unhandled', target_id: String(hostileId) }).first()).to.exist;
  });

  it('names the language of a message in the language of the page, not by its code', async () => {
    const fr = text((await support.get(`/admin/messages/${englishId}`).expect(200)).text);
    expect(fr).to.match(/Langue\s*anglais/);
    const en = text((await support.get(`/admin/messages/${englishId}?lang=en`).expect(200)).text);
    expect(en).to.match(/Language\s*English/);
  });

  it('is in English too', async () => {
    const page = (await support.get('/admin/messages?lang=en&state=unhandled').expect(200)).text;
    expect(page).to.contain('Contact messages').and.contain('55 messages waiting to be handled.').and.contain('To handle');
  });
});
