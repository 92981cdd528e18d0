import { expect } from 'chai';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { csrfFrom, formAgent, type Agent } from '../../helpers/forms.js';
import { createAccount, csrfOf, linkIn, loginAgent, mails, PASSWORD, register, request, waitMail } from '../../helpers/accounts.js';
import { paidPlan } from '../../helpers/subscriptions.js';
import { waitFor } from '../../helpers/wait.js';

const NEW_PASSWORD = 'a brand new passphrase';

/** The header's notifications link as a visitor reads it: its text and its accessible label (null without one). */
function headerLink(html: string): { text: string; label: string | null } {
  const m = /<a class="account-link notifications-link" href="\/notifications"([^>]*)>([^<]*)<\/a>/.exec(html);
  if (!m) throw new Error('no notifications link in the header');
  return { text: m[2]!.trim(), label: /aria-label="([^"]*)"/.exec(m[1]!)?.[1] ?? null };
}

/** The notifications listed on the page: id, title, whether marked unread in words. */
function listed(html: string): { id: number; title: string; unread: boolean }[] {
  return [...html.matchAll(/<li class="notification[^"]*" id="notification-(\d+)">([\s\S]*?)<\/li>/g)].map((m) => ({
    id: Number(m[1]),
    title: /<h2[^>]*>([^<]*)<\/h2>/.exec(m[2]!)?.[1] ?? '',
    unread: m[2]!.includes('>Non lue<'),
  }));
}

async function changePassword(ctx: TestContext, agent: Agent): Promise<void> {
  const csrf = await csrfOf(agent, '/subscription/account');
  await agent.post('/subscription/account/password').type('form')
    .send({ current_password: PASSWORD, password: NEW_PASSWORD, password_confirm: NEW_PASSWORD, _csrf: csrf }).expect(303);
}

/** `count` notifications recorded for the account, through the service (the page and pager are what is looked at). */
async function recordMany(ctx: TestContext, accountId: number, count: number): Promise<void> {
  for (let i = 1; i <= count; i += 1) {
    await ctx.handle.notifications.record({ accountId, kind: 'billing', title: `Avis numéro ${i}`, body: 'Texte', link: '/subscription/billing' });
  }
}

/** Post the form `path` with the CSRF token of `page`, expecting `status`; returns the answer. */
async function post(agent: Agent, path: string, status: number, fields: Record<string, string> = {}, page = '/notifications'): Promise<request.Response> {
  const csrf = csrfFrom((await agent.get(page).expect(200)).text, page);
  return agent.post(path).type('form').send({ ...fields, _csrf: csrf }).expect(status);
}

describe('GET /notifications', () => {
  let ctx: TestContext;
  beforeEach(async () => { ctx = await createTestContext(); });
  afterEach(async () => { await ctx.close(); });

  it('lists the password change notice mailed to a partner, unread, with the count in the header; opening it reads it and leads to its link', async () => {
    await createAccount(ctx, 'p@example.fr');
    const me = await loginAgent(ctx, 'p@example.fr');
    expect(headerLink((await me.get('/subscription/dashboard').expect(200)).text)).to.deep.equal({ text: 'Notifications', label: null });
    await changePassword(ctx, me);
    const mail = await waitMail(ctx, 'p@example.fr');

    const page = await me.get('/notifications').expect(200);
    expect(headerLink(page.text)).to.deep.equal({ text: 'Notifications (1)', label: 'Notifications, 1 non lue' });
    const [item] = listed(page.text);
    expect(item).to.include({ title: mail.subject, unread: true });
    expect(page.text).to.contain('Compte').and.contain('Le mot de passe de votre compte artisan_nd vient d’être changé');

    const open = await post(me, `/notifications/${item!.id}/open`, 303);
    expect(open.headers.location).to.equal('/subscription/forgot');
    const after = await me.get('/notifications').expect(200);
    expect(listed(after.text)[0]).to.include({ unread: false });
    expect(headerLink(after.text)).to.deep.equal({ text: 'Notifications', label: null });
  });

  it('lists a subscription mail (the invoice issued) in the partner’s language, leading to the billing page', async () => {
    const accountId = await createAccount(ctx, 'p@example.fr');
    await ctx.db('accounts').where({ id: accountId }).update({ locale: 'en' });
    await ctx.handle.subscriptions.subscribe(accountId, await paidPlan(ctx), SYSTEM_ACTOR);
    const mail = await waitFor(async () => (await mails(ctx)).find((m) => m.to === 'p@example.fr' && /invoice/i.test(m.subject)), { what: 'the invoice mail' });
    const me = await loginAgent(ctx, 'p@example.fr');
    const page = await me.get('/notifications').expect(200);
    const item = listed(page.text).find((n) => n.title === mail.subject);
    expect(item, page.text).to.exist;
    expect(page.text).to.contain('Invoice issued');
    expect((await post(me, `/notifications/${item!.id}/open`, 303)).headers.location).to.equal('/subscription/billing');
  });

  it('marks one read, then all read, coming back to the page the form was on, and the header count follows', async () => {
    const accountId = await createAccount(ctx, 'p@example.fr');
    await recordMany(ctx, accountId, 30);
    const me = await loginAgent(ctx, 'p@example.fr');
    const first = await me.get('/notifications').expect(200);
    expect(headerLink(first.text).text).to.equal('Notifications (30)');
    expect(listed(first.text).map((n) => n.title)).to.have.length(25).and.to.include('Avis numéro 30').and.not.include('Avis numéro 5');
    expect(first.text).to.contain('href="/notifications?page=2" rel="next"');
    const second = await me.get('/notifications?page=2').expect(200);
    const titles = listed(second.text).map((n) => n.title);
    expect(titles).to.deep.equal(['Avis numéro 5', 'Avis numéro 4', 'Avis numéro 3', 'Avis numéro 2', 'Avis numéro 1']);

    const one = listed(second.text)[0]!;
    const read = await post(me, `/notifications/${one.id}/read`, 303, { page: '2' }, '/notifications?page=2');
    expect(read.headers.location).to.equal('/notifications?page=2');
    const back = await me.get(read.headers.location!).expect(200);
    expect(back.text).to.contain('Notification marquée comme lue.');
    expect(headerLink(back.text).text).to.equal('Notifications (29)');
    expect(listed(back.text).find((n) => n.id === one.id)).to.include({ unread: false });

    const all = await post(me, '/notifications/read-all', 303);
    expect(all.headers.location).to.equal('/notifications');
    const done = await me.get('/notifications').expect(200);
    expect(done.text).to.contain('Toutes vos notifications sont marquées comme lues.');
    expect(headerLink(done.text)).to.deep.equal({ text: 'Notifications', label: null });
    expect(listed(done.text).every((n) => !n.unread)).to.equal(true);
    expect(done.text).not.to.contain('Tout marquer comme lu');
  });

  it('keeps the reset and verification mails without their token: the copy leads to the login page', async () => {
    await createAccount(ctx, 'p@example.fr');
    const { agent, csrf } = await formAgent(ctx.app, '/subscription/forgot');
    await agent.post('/subscription/forgot').type('form').send({ email: 'p@example.fr', _csrf: csrf }).expect(303);
    const reset = await waitMail(ctx, 'p@example.fr');
    const resetToken = new URL(linkIn(reset, '/subscription/reset?token='), 'http://x').searchParams.get('token')!;
    await register(ctx, { email: 'new@example.fr' });
    const verify = await waitMail(ctx, 'new@example.fr');
    const verifyToken = new URL(linkIn(verify, '/subscription/verify?token='), 'http://x').searchParams.get('token')!;

    const me = await loginAgent(ctx, 'p@example.fr');
    const page = await me.get('/notifications').expect(200);
    expect(listed(page.text).map((n) => n.title)).to.deep.equal([reset.subject]);
    expect(page.text).not.to.contain(resetToken).and.not.to.contain('token=');
    expect((await post(me, `/notifications/${listed(page.text)[0]!.id}/open`, 303)).headers.location).to.equal('/subscription/login');
    const rows = JSON.stringify(await ctx.db('notifications').select());
    expect(rows).to.contain(verify.subject).and.not.to.contain(verifyToken).and.not.to.contain(resetToken).and.not.to.contain('token=');
  });

  it('answers 404 for another account’s notification and leaves it unread', async () => {
    const other = await createAccount(ctx, 'other@example.fr');
    await createAccount(ctx, 'p@example.fr');
    await recordMany(ctx, other, 1);
    const id = Number((await ctx.db('notifications').where({ account_id: other }).first('id')).id);
    const me = await loginAgent(ctx, 'p@example.fr');
    await post(me, `/notifications/${id}/read`, 404);
    await post(me, `/notifications/${id}/open`, 404);
    await post(me, '/notifications/99999/open', 404);
    await post(me, '/notifications/1e3/read', 404);
    await post(me, '/notifications/read-all', 303);
    const theirs = await loginAgent(ctx, 'other@example.fr');
    const page = await theirs.get('/notifications').expect(200);
    expect(listed(page.text)).to.deep.equal([{ id, title: 'Avis numéro 1', unread: true }]);
  });

  it('shows staff and customers their (empty) list, sends anonymous visitors to the login page', async () => {
    await createAccount(ctx, 'support@artisan-nd.test', 'support');
    await createAccount(ctx, 'client@example.fr', 'customer');
    for (const email of ['support@artisan-nd.test', 'client@example.fr']) {
      const page = await (await loginAgent(ctx, email)).get('/notifications').expect(200);
      expect(page.text).to.contain('Aucune notification pour le moment.');
      expect(headerLink(page.text).text).to.equal('Notifications');
    }
    const anonymous = await request(ctx.app).get('/notifications').expect(303);
    expect(anonymous.headers.location).to.equal('/subscription/login?next=%2Fnotifications');
  });

  it('keeps nothing for a mail to the staff address, and never a link leading off the site', async () => {
    const admin = await createAccount(ctx, 'admin@artisan-nd.test', 'admin');
    const { agent, csrf } = await formAgent(ctx.app, '/contact');
    await agent.post('/contact').type('form').send({ _csrf: csrf, name: 'Alice', email: 'alice@example.com', website: '', message: 'Bonjour, une question.' })
      .expect(303);
    await waitMail(ctx, 'admin@artisan-nd.test');
    expect(await ctx.db('notifications').select()).to.deep.equal([]);

    for (const link of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', '/ok?reset_token=abc']) {
      await ctx.handle.notifications.record({ accountId: admin, kind: 'other', title: link, body: '', link });
    }
    const me = await loginAgent(ctx, 'admin@artisan-nd.test');
    const page = await me.get('/notifications').expect(200);
    expect(page.text).not.to.contain('/notifications/1/open').and.not.to.contain('Ouvrir<');
    for (const n of listed(page.text)) expect((await post(me, `/notifications/${n.id}/open`, 303)).headers.location).to.equal('/notifications');
  });
});
