/** /admin/partners: the list, the detail page and every action, as staff see them. */
import crypto from 'node:crypto';
import { expect } from 'chai';
import { AccountsRepository, hashPassword, type Role } from '../../../src/accounts/index.js';
import { createAccount, csrfOf, linkIn, loginAgent, PASSWORD, request, waitMail } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { csrfFrom, fieldValue, formAgent, hiddenFields, type Agent } from '../../helpers/forms.js';
import { credit, newInstallation, recharge } from '../../helpers/recharge.js';
import { csvLines } from '../../helpers/csv.js';
import { auditSentence } from '../../helpers/audit.js';

/** A logged-in staff agent (account created on the fly). */
async function staffAgent(ctx: TestContext, role: Exclude<Role, 'partner'>, email = `${role}@artisan-nd.test`): Promise<Agent> {
  await createAccount(ctx, email, role);
  return loginAgent(ctx, email);
}

/** A partner inserted directly (fast: one password hash for all). */
let sharedHash: string | undefined;
async function partner(
  ctx: TestContext,
  fields: { email: string; company?: string; name?: string; phone?: string; state?: 'pending_verification' | 'active' | 'suspended' | 'closed' },
): Promise<number> {
  sharedHash ??= await hashPassword(PASSWORD);
  const a = await new AccountsRepository(ctx.db).insert({
    email: fields.email, passwordHash: sharedHash, role: 'partner', state: fields.state ?? 'active',
    company: fields.company ?? 'Société Test', name: fields.name ?? 'Test',
    phone: fields.phone ?? '0102030405', country: 'FR', locale: 'fr', termsAcceptedAt: ctx.clock.now(),
    verifiedAt: fields.state === 'pending_verification' ? null : ctx.clock.now(),
  }, ctx.clock.now());
  return a.id;
}



/** The CSRF token and the balance form's one-time confirm_id of a detail page ('' when the page has no balance form). */
async function detailForm(agent: Agent, id: number): Promise<{ csrf: string; confirmId: string }> {
  const page = (await agent.get(`/admin/partners/${id}`).expect(200)).text;
  return { csrf: csrfFrom(page), confirmId: fieldValue(page, 'confirm_id') ?? '' };
}

/** Post an action form from the detail page (with its CSRF token, and the balance form's confirm_id unless given). */
async function post(agent: Agent, id: number, action: string, fields: Record<string, string> = {}) {
  const { csrf, confirmId } = await detailForm(agent, id);
  const extra = action === 'balance' && fields.confirm_id === undefined ? { confirm_id: confirmId } : {};
  return agent.post(`/admin/partners/${id}/${action}`).type('form').send({ ...fields, ...extra, _csrf: csrf });
}

/** Post a destructive action: the confirmation page first, then its confirmed form. */
async function postConfirmed(agent: Agent, id: number, action: string, fields: Record<string, string>) {
  const first = await post(agent, id, action, fields);
  expect(first.status, first.text.slice(0, 300)).to.equal(200);
  expect(first.text).to.contain('name="confirm" value="yes"');
  const hidden = hiddenFields(first.text);
  expect(hidden.confirm).to.equal('yes');
  return { confirmPage: first.text, res: await agent.post(`/admin/partners/${id}/${action}`).type('form').send(hidden) };
}

async function auditActions(ctx: TestContext, id: number): Promise<string[]> {
  return (await ctx.handle.audit.list({ targetType: 'account', targetId: String(id) }, 100)).map((r) => r.action);
}

async function state(ctx: TestContext, id: number): Promise<Record<string, unknown>> {
  return (await ctx.db('accounts').where({ id }).first()) as Record<string, unknown>;
}

describe('admin partners', function () {
  let ctx: TestContext;
  beforeEach(async () => { ctx = await createTestContext(); });
  afterEach(async () => { await ctx.close(); });

  describe('GET /admin/partners', () => {
    it('searches company, name, e-mail and phone, filters by state, sorts, and lists only partners', async () => {
      const a = await partner(ctx, { email: 'marie@imprimerie.fr', company: 'Imprimerie Durand', name: 'Marie Durand', phone: '+33 1 11 11 11 11' });
      const b = await partner(
        ctx,
        { email: 'paul@boulangerie.fr', company: 'Boulangerie Martin', name: 'Paul Martin', phone: '0699999999', state: 'suspended' },
      );
      await credit(ctx, b, 40);
      const admin = await staffAgent(ctx, 'admin');
      const all = (await admin.get('/admin/partners').expect(200)).text;
      expect(all).to.contain('Imprimerie Durand').and.contain('Boulangerie Martin').and.contain('2 résultats');
      expect(all).not.to.contain('admin@artisan-nd.test');
      expect(all).to.contain(`href="/admin/partners/${a}"`);

      for (const q of ['imprimerie', 'MARIE DUR', 'marie@imp', '11 11']) {
        const page = (await admin.get(`/admin/partners?q=${encodeURIComponent(q)}`).expect(200)).text;
        expect(page, q).to.contain('Imprimerie Durand').and.not.contain('Boulangerie Martin');
      }
      const suspended = (await admin.get('/admin/partners?state=suspended').expect(200)).text;
      expect(suspended).to.contain('Boulangerie Martin').and.not.contain('Imprimerie Durand');
      const none = (await admin.get('/admin/partners?q=zzz%25').expect(200)).text;
      expect(none).to.contain('Aucun résultat pour ces filtres.');

      const byCompany = (await admin.get('/admin/partners?sort=company&dir=asc').expect(200)).text;
      expect(byCompany.indexOf('Boulangerie Martin')).to.be.lessThan(byCompany.indexOf('Imprimerie Durand'));
      const byBalance = (await admin.get('/admin/partners?sort=balance&dir=desc').expect(200)).text;
      expect(byBalance.indexOf('Boulangerie Martin')).to.be.lessThan(byBalance.indexOf('Imprimerie Durand'));
      // Bad values fall back to defaults, never an error.
      await admin.get('/admin/partners?sort=password_hash&dir=sideways&page=-3&state=nope').expect(200);
    });

    it('pages by 50', async () => {
      for (let i = 1; i <= 51; i++) await partner(ctx, { email: `p${i}@example.fr`, company: `Société ${String(i).padStart(2, '0')}` });
      const admin = await staffAgent(ctx, 'admin');
      const first = (await admin.get('/admin/partners?sort=company&dir=asc').expect(200)).text;
      expect(first).to.contain('51 résultats').and.contain('Page 1 sur 2').and.contain('Société 50').and.not.contain('Société 51');
      expect(first).to.contain('href="/admin/partners?sort=company&amp;dir=asc&amp;page=2"');
      const second = (await admin.get('/admin/partners?sort=company&dir=asc&page=2').expect(200)).text;
      expect(second).to.contain('Société 51').and.not.contain('Société 50<');
    });

    it('exports the filtered list as CSV', async () => {
      const a = await partner(ctx, { email: 'marie@imprimerie.fr', company: 'Imprimerie Durand', name: 'Marie Durand' });
      await partner(ctx, { email: 'paul@boulangerie.fr', company: 'Boulangerie Martin', state: 'suspended' });
      await credit(ctx, a, 25);
      const support = await staffAgent(ctx, 'support');
      const res = await support.get('/admin/partners?state=active&format=csv&sep=comma').expect(200);
      expect(res.headers['content-type']).to.match(/^text\/csv/);
      expect(res.headers['content-disposition']).to.contain('partners.csv');
      const lines = csvLines(res);
      expect(lines[0]).to.equal('id,public_ref,company,name,email,phone,country,state,balance,created_at,last_login_at');
      expect(lines).to.have.length(2);
      expect(lines[1]).to.equal(
        `${a},PTN-${String(a).padStart(4, '0')},Imprimerie Durand,Marie Durand,marie@imprimerie.fr,0102030405,FR,active,25,2026-11-22T10:00:00.000Z,`
      );
    });

    it('is for staff only: partners get 403, visitors the login page', async () => {
      await createAccount(ctx, 'p@example.fr');
      const p = await loginAgent(ctx, 'p@example.fr');
      await p.get('/admin/partners').expect(403);
      await p.get('/admin/partners/1').expect(403);
      const anonymous = await request(ctx.app).get('/admin/partners');
      expect(anonymous.status).to.equal(303);
      expect(anonymous.headers.location).to.match(/^\/subscription\/login\?next=/);
      const csrf = await csrfOf(p, '/subscription/account');
      await p.post('/admin/partners/1/suspend').type('form').send({ _csrf: csrf, reason: 'x', confirm: 'yes' }).expect(403);
    });
  });

  describe('GET /admin/partners/:id', () => {
    it('shows profile, state, balance and ledger, installations, recharges with key files, logins and audit rows', async () => {
      const id = await createAccount(ctx, 'marie@imprimerie.fr');
      await credit(ctx, id, 100);
      const p = await loginAgent(ctx, 'marie@imprimerie.fr');
      const inst = newInstallation();
      const rechargeId = await recharge(p, inst, 12, 'Boulangerie Martin');
      const admin = await staffAgent(ctx, 'admin');
      const page = (await admin.get(`/admin/partners/${id}`).expect(200)).text;
      expect(page).to.contain('<dl class="meta" id="profile">').and.contain('marie@imprimerie.fr').and.contain(`PTN-${String(id).padStart(4, '0')}`);
      expect(page).to.contain('<dt>Langue des e-mails et de l’interface</dt><dd lang="fr">Français</dd>');
      expect(page).to.match(/id="balance">88</);
      expect(page).to.match(/id="ledger"[\s\S]*test credit/);
      expect(page).to.match(/id="installations"[\s\S]*Boulangerie Martin[\s\S]*>12</);
      expect(page).to.contain(`href="/subscription/recharges/${rechargeId}/key.bin"`);
      expect(page).to.match(/id="logins"[\s\S]*en cours/);
      expect(page).to.match(/id="audit"[\s\S]*login.succeeded/);
      expect(page).to.contain(`action="/admin/partners/${id}/suspend"`).and.contain(`action="/admin/partners/${id}/balance"`);
      // Only a superadmin sees the role form.
      expect(page).not.to.contain(`action="/admin/partners/${id}/role"`);
      // Staff may download the key file from the link.
      // Support reads the same page without the key file link: a download delivers the file (no revocation afterwards).
      const support = await staffAgent(ctx, 'support');
      const read = (await support.get(`/admin/partners/${id}`).expect(200)).text;
      expect(read).to.contain('Boulangerie Martin').and.not.contain('/key.bin');
      const key = await admin.get(`/subscription/recharges/${rechargeId}/key.bin`).expect(200);
      expect(key.headers['content-type']).to.equal('application/octet-stream');
      await admin.get('/admin/partners/99999').expect(404);
      await admin.get('/admin/partners/abc').expect(404);
    });

    it('is read-only for support: no action forms, every POST 403', async () => {
      const id = await partner(ctx, { email: 'marie@imprimerie.fr', company: 'Imprimerie Durand' });
      const support = await staffAgent(ctx, 'support');
      const page = (await support.get(`/admin/partners/${id}`).expect(200)).text;
      expect(page).to.contain('Imprimerie Durand').and.contain('Votre rôle permet seulement de consulter cette page.');
      expect(page).not.to.contain(`action="/admin/partners/${id}/`);
      for (const action of ['activate', 'suspend', 'reactivate', 'balance', 'resend-verification', 'send-reset', 'role', 'close']) {
        const res = await post(support, id, action, { reason: 'test', kind: 'credit', units: '5', role: 'admin', confirm: 'yes' });
        expect(res.status, action).to.equal(403);
      }
      expect((await state(ctx, id)).state).to.equal('active');
      expect(await ctx.handle.ledger.balance(id)).to.equal(0);
    });

    it('is in English too', async () => {
      const id = await partner(ctx, { email: 'marie@imprimerie.fr', state: 'pending_verification' });
      const admin = await staffAgent(ctx, 'admin');
      const page = (await admin.get(`/admin/partners/${id}?lang=en`).expect(200)).text;
      expect(page).to.contain('Unit movements').and.contain('Activate the account').and.contain('Resend the confirmation link');
      expect(page).to.contain('<dt>Language of emails and pages</dt><dd lang="fr">Français</dd>');
      expect((await admin.get('/admin/partners?lang=en').expect(200)).text).to.contain('Company, name, email or phone');
    });
  });

  describe('state actions', () => {
    it('suspends with a reason after confirmation, ends the partner sessions, and the partner is told why at login', async () => {
      const id = await createAccount(ctx, 'marie@imprimerie.fr');
      const p = await loginAgent(ctx, 'marie@imprimerie.fr');
      await p.get('/subscription/dashboard').expect(200);
      const admin = await staffAgent(ctx, 'admin');

      const missing = await post(admin, id, 'suspend', { reason: '  ' });
      expect(missing.status).to.equal(422);
      expect(missing.text).to.contain('Indiquez un motif.');
      expect((await state(ctx, id)).state).to.equal('active');

      const { confirmPage, res } = await postConfirmed(admin, id, 'suspend', { reason: "Facture d'octobre impayée" });
      expect(confirmPage).to.contain('Suspendre ce compte ?').and.contain('Facture d&#39;octobre impayée');
      expect(res.status).to.equal(303);
      expect(res.headers.location).to.equal(`/admin/partners/${id}`);
      const page = (await admin.get(`/admin/partners/${id}`).expect(200)).text;
      expect(page).to.contain('est suspendu et ses sessions sont fermées').and.match(/id="state-reason">Facture d&#39;octobre impayée</);

      const row = await state(ctx, id);
      expect(row.state).to.equal('suspended');
      expect(row.state_reason).to.equal("Facture d'octobre impayée");
      expect(await auditActions(ctx, id)).to.include('admin.partner.suspended');
      const audit = (await ctx.handle.audit.list({ action: 'admin.partner.suspended' }, 1))[0]!;
      expect(audit.actorEmail).to.equal('admin@artisan-nd.test');
      expect(auditSentence(audit)).to.equal("active → suspended: Facture d'octobre impayée");

      // The open session is over…
      const after = await p.get('/subscription/dashboard');
      expect(after.status).to.equal(303);
      const sessions = await ctx.db('account_sessions').where({ account_id: id });
      expect(sessions.map((s: { end_reason: string }) => s.end_reason)).to.deep.equal(['suspended']);
      // …and logging in again is refused with the reason.
      const { agent, csrf } = await formAgent(ctx.app, '/subscription/login');
      const login = await agent.post('/subscription/login').type('form').send({ email: 'marie@imprimerie.fr', password: PASSWORD, _csrf: csrf });
      expect(login.status).to.equal(403);
      expect(login.text).to.contain('Votre compte est suspendu : Facture d&#39;octobre impayée.');

      // Suspending again is refused with a notice, not an error page.
      const again = await post(admin, id, 'suspend', { reason: 'encore' });
      expect(again.status).to.equal(409);
      expect(again.text).to.contain('Seul un compte actif peut être suspendu');
    });

    it('refuses the second of two concurrent suspensions with a notice, and writes one audit row', async () => {
      const id = await partner(ctx, { email: 'marie@imprimerie.fr' });
      const one = await staffAgent(ctx, 'admin', 'one@artisan-nd.test');
      const two = await staffAgent(ctx, 'admin', 'two@artisan-nd.test');
      const [c1, c2] = await Promise.all([csrfOf(one, `/admin/partners/${id}`), csrfOf(two, `/admin/partners/${id}`)]);
      const results = await Promise.all([
        one.post(`/admin/partners/${id}/suspend`).type('form').send({ reason: 'un', confirm: 'yes', _csrf: c1 }),
        two.post(`/admin/partners/${id}/suspend`).type('form').send({ reason: 'deux', confirm: 'yes', _csrf: c2 }),
      ]);
      expect(results.map((r) => r.status).sort()).to.deep.equal([303, 409]);
      expect(results.find((r) => r.status === 409)!.text).to.match(/a changé entre-temps|Seul un compte actif peut être suspendu/);
      expect((await auditActions(ctx, id)).filter((a) => a === 'admin.partner.suspended')).to.have.length(1);
    });

    it('tells a partner suspended without a reason that the account is suspended', async () => {
      const id = await partner(ctx, { email: 'marie@imprimerie.fr', state: 'suspended' });
      expect((await state(ctx, id)).state_reason).to.equal(null);
      const { agent, csrf } = await formAgent(ctx.app, '/subscription/login');
      const login = await agent.post('/subscription/login').type('form').send({ email: 'marie@imprimerie.fr', password: PASSWORD, _csrf: csrf });
      expect(login.status).to.equal(403);
      expect(login.text).to.contain('Votre compte est suspendu. Contactez-nous pour le réactiver.');
    });

    it('reactivates a suspended account (reason cleared) and the partner can log in', async () => {
      const id = await partner(ctx, { email: 'marie@imprimerie.fr', state: 'suspended' });
      await ctx.db('accounts').where({ id }).update({ state_reason: 'impayé' });
      const admin = await staffAgent(ctx, 'admin');
      const res = await post(admin, id, 'reactivate');
      expect(res.status).to.equal(303);
      const row = await state(ctx, id);
      expect(row.state).to.equal('active');
      expect(row.state_reason).to.equal(null);
      expect(await auditActions(ctx, id)).to.include('admin.partner.reactivated');
      await loginAgent(ctx, 'marie@imprimerie.fr');
      expect((await post(admin, id, 'reactivate')).status).to.equal(409);
    });

    it('activates a pending account and resends its verification link', async () => {
      const id = await partner(ctx, { email: 'marie@imprimerie.fr', state: 'pending_verification' });
      const admin = await staffAgent(ctx, 'admin');
      const resent = await post(admin, id, 'resend-verification');
      expect(resent.status).to.equal(303);
      const mail = await waitMail(ctx, 'marie@imprimerie.fr');
      expect(linkIn(mail, '/subscription/verify?token=')).to.match(/^\/subscription\/verify\?token=/);
      expect(await auditActions(ctx, id)).to.include('admin.partner.verification_resent');

      const res = await post(admin, id, 'activate');
      expect(res.status).to.equal(303);
      const page = (await admin.get(`/admin/partners/${id}`).expect(200)).text;
      expect(page).to.contain('est activé');
      const row = await state(ctx, id);
      expect(row.state).to.equal('active');
      expect(row.verified_at).not.to.equal(null);
      expect(await auditActions(ctx, id)).to.include('admin.partner.activated');
      // Only pending accounts get either.
      expect((await post(admin, id, 'activate')).status).to.equal(409);
      expect((await post(admin, id, 'resend-verification')).status).to.equal(409);
    });

    it('mails a password reset link that works', async () => {
      const id = await partner(ctx, { email: 'marie@imprimerie.fr' });
      const admin = await staffAgent(ctx, 'admin');
      const res = await post(admin, id, 'send-reset');
      expect(res.status).to.equal(303);
      const mail = await waitMail(ctx, 'marie@imprimerie.fr');
      const link = linkIn(mail, '/subscription/reset?token=');
      const reset = await request(ctx.app).get(link).expect(200);
      expect(reset.text).to.contain('name="password"');
      expect(await auditActions(ctx, id)).to.include('admin.partner.reset_sent');
    });

    it('lets an admin act on partners only, and nobody on their own account', async () => {
      const adminId = await createAccount(ctx, 'admin@artisan-nd.test', 'admin');
      const admin = await loginAgent(ctx, 'admin@artisan-nd.test');
      const other = await createAccount(ctx, 'root@artisan-nd.test', 'superadmin');
      const page = (await admin.get(`/admin/partners/${other}`).expect(200)).text;
      expect(page).not.to.contain(`action="/admin/partners/${other}/`);
      expect((await post(admin, other, 'suspend', { reason: 'x', confirm: 'yes' })).status).to.equal(403);
      const root = await loginAgent(ctx, 'root@artisan-nd.test');
      const self = await post(root, other, 'suspend', { reason: 'x', confirm: 'yes' });
      expect(self.status).to.equal(409);
      expect(self.text).to.contain('votre propre compte');
      // A superadmin may suspend an admin.
      expect((await post(root, adminId, 'suspend', { reason: 'départ', confirm: 'yes' })).status).to.equal(303);
    });
  });

  describe('balance', () => {
    it('credits, then debits after confirmation, never below zero, each with its ledger and audit row', async () => {
      const id = await partner(ctx, { email: 'marie@imprimerie.fr', company: 'Imprimerie Durand' });
      const admin = await staffAgent(ctx, 'admin');

      const bad = await post(admin, id, 'balance', { kind: 'credit', units: '1.5', reason: '' });
      expect(bad.status).to.equal(422);
      expect(bad.text).to.contain('Indiquez un nombre entier d’unités entre 1 et 10 000 000.').and.contain('Indiquez un motif.');
      expect(bad.text).to.contain('value="1.5"');

      const credited = await post(admin, id, 'balance', { kind: 'credit', units: '100', reason: 'Geste commercial' });
      expect(credited.status).to.equal(303);
      expect((await admin.get(`/admin/partners/${id}`)).text).to.contain('100 unités créditées à Imprimerie Durand ; nouveau solde : 100.');

      const tooMuch = await post(admin, id, 'balance', { kind: 'debit', units: '101', reason: 'Erreur' });
      expect(tooMuch.status).to.equal(422);
      expect(tooMuch.text).to.contain('Le solde ne permet pas ce débit');

      const { confirmPage, res } = await postConfirmed(admin, id, 'balance', { kind: 'debit', units: '30', reason: 'Correction' });
      expect(confirmPage).to.contain('30 unités seront retirées du solde de Imprimerie Durand.');
      expect(res.status).to.equal(303);
      expect(await ctx.handle.ledger.balance(id)).to.equal(70);
      const ledger = await ctx.handle.ledger.entries(id);
      expect(ledger.map((e) => [e.kind, e.units, e.balanceAfter, e.reason, e.actorLabel])).to.deep.equal([
        ['debit', 30, 70, 'Correction', 'admin@artisan-nd.test'],
        ['credit', 100, 100, 'Geste commercial', 'admin@artisan-nd.test'],
      ]);
      expect(await auditActions(ctx, id)).to.include.members(['balance.credit', 'balance.debit']);
    });

    it('lets exactly one of two concurrent debits through when together they exceed the balance', async () => {
      const id = await partner(ctx, { email: 'marie@imprimerie.fr' });
      await credit(ctx, id, 100);
      const one = await staffAgent(ctx, 'admin', 'one@artisan-nd.test');
      const two = await staffAgent(ctx, 'superadmin', 'two@artisan-nd.test');
      const [f1, f2] = await Promise.all([detailForm(one, id), detailForm(two, id)]);
      expect(f1.confirmId).not.to.equal(f2.confirmId);
      const fields = { kind: 'debit', units: '60', reason: 'Régularisation', confirm: 'yes' };
      const results = await Promise.all([
        one.post(`/admin/partners/${id}/balance`).type('form').send({ ...fields, confirm_id: f1.confirmId, _csrf: f1.csrf }),
        two.post(`/admin/partners/${id}/balance`).type('form').send({ ...fields, confirm_id: f2.confirmId, _csrf: f2.csrf }),
      ]);
      expect(results.map((r) => r.status).sort()).to.deep.equal([303, 422]);
      expect(results.find((r) => r.status === 422)!.text).to.contain('Le solde ne permet pas ce débit');
      expect(await ctx.handle.ledger.balance(id)).to.equal(40);
      const ledger = await ctx.handle.ledger.entries(id);
      expect(ledger).to.have.length(2);
      expect(ledger.every((e) => e.balanceAfter >= 0)).to.equal(true);
    });
    it('records a credit form once: three parallel posts of one confirm_id make one ledger row, and a new page gives a new confirm_id', async () => {
      const id = await partner(ctx, { email: 'marie@imprimerie.fr', company: 'Imprimerie Durand' });
      const admin = await staffAgent(ctx, 'admin');
      const { csrf, confirmId } = await detailForm(admin, id);
      expect(confirmId).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const fields = { kind: 'credit', units: '7', reason: 'Geste commercial', confirm_id: confirmId, _csrf: csrf };
      const results = await Promise.all([1, 2, 3].map(() => admin.post(`/admin/partners/${id}/balance`).type('form').send(fields)));
      expect(results.map((r) => r.status)).to.deep.equal([303, 303, 303]);
      expect(await ctx.handle.ledger.balance(id)).to.equal(7);
      const ledger = await ctx.handle.ledger.entries(id);
      expect(ledger.map((e) => [e.kind, e.units, e.balanceAfter, e.reference])).to.deep.equal([['credit', 7, 7, `adm:${confirmId}`]]);
      expect((await auditActions(ctx, id)).filter((a) => a === 'balance.credit')).to.have.length(1);

      const fresh = fieldValue((await admin.get(`/admin/partners/${id}`).expect(200)).text, 'confirm_id');
      expect(fresh).to.be.a('string').and.not.equal(confirmId);

      // Sent again later (back button): nothing more, and the admin is told; a fresh form credits again.
      expect((await admin.post(`/admin/partners/${id}/balance`).type('form').send(fields)).status).to.equal(303);
      expect((await admin.get(`/admin/partners/${id}`)).text).to.contain(
        'Ce mouvement de Imprimerie Durand était déjà enregistré (formulaire envoyé deux fois) : rien de plus n’a été fait.'
      );
      expect(await ctx.handle.ledger.balance(id)).to.equal(7);
      expect((await post(admin, id, 'balance', { kind: 'credit', units: '7', reason: 'Second geste' })).status).to.equal(303);
      expect(await ctx.handle.ledger.balance(id)).to.equal(14);
    });

    it('carries the confirm_id through the debit confirmation page and records a reposted confirmation once', async () => {
      const id = await partner(ctx, { email: 'marie@imprimerie.fr', company: 'Imprimerie Durand' });
      await credit(ctx, id, 30);
      const admin = await staffAgent(ctx, 'admin');
      const { csrf, confirmId } = await detailForm(admin, id);
      const first = await admin.post(`/admin/partners/${id}/balance`)
        .type('form')
        .send({ kind: 'debit', units: '30', reason: 'Correction', confirm_id: confirmId, _csrf: csrf });
      expect(first.status).to.equal(200);
      const hidden = hiddenFields(first.text);
      expect(hidden.confirm_id).to.equal(confirmId);
      const results = await Promise.all([1, 2].map(() => admin.post(`/admin/partners/${id}/balance`).type('form').send(hidden)));
      expect(results.map((r) => r.status)).to.deep.equal([303, 303]);
      expect(await ctx.handle.ledger.balance(id)).to.equal(0);
      // Reposted after the balance fell to 0: "already recorded", not "balance too small".
      expect((await admin.post(`/admin/partners/${id}/balance`).type('form').send(hidden)).status).to.equal(303);
      expect((await admin.get(`/admin/partners/${id}`)).text).to.contain('était déjà enregistré');
      expect((await ctx.handle.ledger.entries(id)).filter((e) => e.kind === 'debit')).to.have.length(1);
    });

    it('refuses a balance form without a valid confirm_id (422, nothing recorded, a fresh id in the form)', async () => {
      const id = await partner(ctx, { email: 'marie@imprimerie.fr' });
      const admin = await staffAgent(ctx, 'admin');
      for (const bad of ['', 'not-a-uuid', 'adm:x']) {
        const res = await post(admin, id, 'balance', { kind: 'credit', units: '5', reason: 'Geste', confirm_id: bad });
        expect(res.status, bad).to.equal(422);
        expect(res.text).to.contain('Ce formulaire n’est plus valable : rechargez la page et recommencez.');
        expect(res.text).to.match(/name="confirm_id" value="[0-9a-f-]{36}"/);
      }
      expect(await ctx.handle.ledger.balance(id)).to.equal(0);
    });

    it('refuses to credit or debit a closed account (409 notice) and shows no balance form for it', async () => {
      const id = await partner(ctx, { email: 'marie@imprimerie.fr', state: 'closed' });
      await credit(ctx, id, 10);
      const admin = await staffAgent(ctx, 'admin');
      const page = (await admin.get(`/admin/partners/${id}`).expect(200)).text;
      expect(page).not.to.contain(`action="/admin/partners/${id}/balance"`).and.not.contain('name="confirm_id"');
      for (const kind of ['credit', 'debit']) {
        const res = await post(admin, id, 'balance', { kind, units: '5', reason: 'Essai', confirm_id: crypto.randomUUID(), confirm: 'yes' });
        expect(res.status, kind).to.equal(409);
        expect(res.text).to.contain('Le compte est fermé : son solde ne peut plus être crédité ni débité.');
      }
      expect(await ctx.handle.ledger.balance(id)).to.equal(10);
      expect(await ctx.handle.ledger.entries(id)).to.have.length(1);
    });
  });

  describe('role and closing', () => {
    it('changes a role (superadmin only, after confirmation, not on oneself)', async () => {
      const id = await createAccount(ctx, 'marie@imprimerie.fr');
      const p = await loginAgent(ctx, 'marie@imprimerie.fr');
      const admin = await staffAgent(ctx, 'admin');
      expect((await post(admin, id, 'role', { role: 'support', confirm: 'yes' })).status).to.equal(403);

      const rootId = await createAccount(ctx, 'root@artisan-nd.test', 'superadmin');
      const root = await loginAgent(ctx, 'root@artisan-nd.test');
      const page = (await root.get(`/admin/partners/${id}`).expect(200)).text;
      expect(page).to.contain(`action="/admin/partners/${id}/role"`);
      expect((await post(root, id, 'role', { role: 'partner' })).status).to.equal(422);
      expect((await post(root, id, 'role', { role: 'owner' })).status).to.equal(422);
      expect((await post(root, rootId, 'role', { role: 'admin', confirm: 'yes' })).status).to.equal(409);

      const { confirmPage, res } = await postConfirmed(root, id, 'role', { role: 'support' });
      expect(confirmPage).to.contain('passera de « partenaire » à « support »');
      expect(res.status).to.equal(303);
      expect((await state(ctx, id)).role).to.equal('support');
      const audit = (await ctx.handle.audit.list({ action: 'admin.partner.role_changed' }, 1))[0]!;
      expect(auditSentence(audit)).to.equal('partner → support');
      expect(audit.targetId).to.equal(String(id));
      await p.get('/subscription/dashboard').expect(303);
    });

    it('closes and anonymises an account after confirmation, keeping its ledger rows and recharges', async () => {
      const id = await createAccount(ctx, 'marie@imprimerie.fr');
      await credit(ctx, id, 50);
      const p = await loginAgent(ctx, 'marie@imprimerie.fr');
      await recharge(p, newInstallation(), 5);
      const admin = await staffAgent(ctx, 'admin');

      expect((await post(admin, id, 'close', { reason: '', anonymise: 'yes' })).status).to.equal(422);
      const { confirmPage, res } = await postConfirmed(admin, id, 'close', { reason: 'Demande RGPD du titulaire', anonymise: 'yes' });
      expect(confirmPage).to.contain('ses données personnelles seront anonymisées');
      expect(res.status).to.equal(303);

      const row = await state(ctx, id);
      expect(row).to.include({
        state: 'closed', company: '', name: 'Anonymised', phone: '', email: `closed-${id}@invalid`,
        state_reason: 'Demande RGPD du titulaire',
      });
      expect(row.password_hash).not.to.match(/^\$argon2/);
      expect(await ctx.db('ledger_entries').where({ account_id: id }).count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 2);
      expect(await ctx.db('recharges').where({ partner_id: id }).count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 1);
      expect(await auditActions(ctx, id)).to.include('admin.partner.closed');

      await p.get('/subscription/dashboard').expect(303);
      const { agent, csrf } = await formAgent(ctx.app, '/subscription/login');
      await agent.post('/subscription/login').type('form').send({ email: 'marie@imprimerie.fr', password: PASSWORD, _csrf: csrf }).expect(401);
      const page = (await admin.get(`/admin/partners/${id}`).expect(200)).text;
      expect(page).to.contain(`closed-${id}@invalid`).and.not.contain(`action="/admin/partners/${id}/close"`);
      expect((await post(admin, id, 'close', { reason: 'encore', confirm: 'yes' })).status).to.equal(409);
    });

    it('closes without anonymising: the data stays, the account cannot log in', async () => {
      const id = await partner(ctx, { email: 'marie@imprimerie.fr', company: 'Imprimerie Durand' });
      const admin = await staffAgent(ctx, 'admin');
      const { res } = await postConfirmed(admin, id, 'close', { reason: 'Fin du contrat' });
      expect(res.status).to.equal(303);
      expect(await state(ctx, id)).to.include({ state: 'closed', company: 'Imprimerie Durand', email: 'marie@imprimerie.fr' });
      const { agent, csrf } = await formAgent(ctx.app, '/subscription/login');
      await agent.post('/subscription/login').type('form').send({ email: 'marie@imprimerie.fr', password: PASSWORD, _csrf: csrf }).expect(401);
    });
  });
});
