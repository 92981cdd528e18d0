/** /admin/audit: the append-only audit log, filtered, exported as CSV, and never changed by anyone. */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { AuditService, type Actor } from '../../../src/audit/index.js';
import { AuditRepository } from '../../../src/audit/audit.repository.js';
import { createAccount, csrfOf, loginAgent } from '../../helpers/accounts.js';
import { createTestContext, REPO_ROOT, type TestContext } from '../../helpers/context.js';
import type { Agent } from '../../helpers/forms.js';
import { csvBody, parseCsv } from '../../helpers/csv.js';

const text = (html: string): string => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
const actor = (email: string, ip: string): Actor => ({ id: null, email, ip, userAgent: 'Test/1.0' });
const allRows = async (ctx: TestContext) => ctx.db('audit_log').orderBy('id');

describe('admin audit log', function () {
  let ctx: TestContext;
  let admin: Agent;
  let support: Agent;
  let partnerId: number;

  before(async () => {
    ctx = await createTestContext();
    await createAccount(ctx, 'audit-admin@example.fr', 'admin');
    await createAccount(ctx, 'audit-support@example.fr', 'support');
    partnerId = await createAccount(ctx, 'audit-partner@example.fr');
    const audit = new AuditService(ctx.db, ctx.clock);
    ctx.clock.advance(-3 * 86400); // 2026-11-19
    await audit.record(ctx.db, actor('alice@vendor.fr', '198.51.100.7'), 'admin.partner.suspended', { type: 'account', id: partnerId },
      { from: 'active', to: 'suspended', note: 'unpaid', context: 'note' });
    ctx.clock.advance(86400); // 2026-11-20
    await audit.record(
      ctx.db, actor('bob@vendor.fr', '198.51.100.8'), 'admin.partner.reactivated', { type: 'account', id: partnerId },
      { from: 'suspended', to: 'active' },
    );
    // A user agent is whatever the client sent: a spreadsheet must not run it.
    await audit.record(ctx.db, { ...actor('bob@vendor.fr', '198.51.100.8'), userAgent: '=HYPERLINK("http://evil")' }, 'recharge.revoked',
      { type: 'recharge', id: 'b8d3c1a2-0000-4000-8000-000000000001' }, {
        units: 3, owner: 'p@example.fr', code: 'ABCDE-FGHJ…', serial: 2, reason: 'erreur de saisie',
      });
    ctx.clock.advance(2 * 86400); // back to 2026-11-22
    for (let i = 0; i < 55; i++) await audit.record(ctx.db, actor('carol@vendor.fr', '192.0.2.1'), 'login.failed', null, { count: i + 1 });
    admin = await loginAgent(ctx, 'audit-admin@example.fr');
    support = await loginAgent(ctx, 'audit-support@example.fr');
  });
  after(async () => ctx.close());

  it('lists every row newest first, 50 a page, with links to the targets', async () => {
    const page = (await support.get('/admin/audit').expect(200)).text;
    const total = Number((await ctx.db('audit_log').count({ n: '*' }).first())!.n);
    expect(text(page)).to.contain(`${total} résultats`);
    expect((page.match(/<tr><td><a href="\/admin\/audit\/\d+">/g) ?? []).length).to.equal(50);
    expect(page).to.contain('Page 1 sur 2').and.contain('href="/admin/audit?page=2"');
    const last = (await support.get('/admin/audit?page=2').expect(200)).text;
    expect(last).to.contain(`href="/admin/partners/${partnerId}">compte ${partnerId}</a>`);
    expect(last).to.contain('href="/admin/recharges/b8d3c1a2-0000-4000-8000-000000000001"');
    expect(last.indexOf('Partenaire réactivé')).to.be.below(last.indexOf('Partenaire suspendu'));
    // Actions and their sentences are in the reader's language; the codes stay in the data.
    expect(text(last)).to.contain('suspendu → actif').and.contain('actif → suspendu : unpaid').and.contain('échec n° 1');
    expect(text(last)).not.to.match(/\b(active|suspended|failure)\b/);
    // The select offers the known actions and their families, named in French.
    expect(page).to.contain('<option value="admin.*">Actions de l&#39;équipe sur les partenaires</option>')
      .and.contain('<option value="login.failed">Échec de connexion</option>');
    const english = (await support.get('/admin/audit?page=2&lang=en').expect(200)).text;
    expect(text(english)).to.contain('Partner suspended').and.contain('active → suspended: unpaid');
    await support.get('/admin/audit?lang=fr').expect(200);
  });

  it('filters by actor, action (exact or family), target, ip and dates', async () => {
    const count = async (qs: string) => /(\d+) résultats?/.exec(text((await admin.get(`/admin/audit?${qs}`).expect(200)).text))![1];
    expect(await count('actor=BOB%40')).to.equal('2');
    expect(await count('action=login.failed')).to.equal('55');
    expect(await count('action=admin.*&actor=vendor.fr')).to.equal('2');
    const accountRows = await ctx.db('audit_log').where('action', 'like', 'account.%').count({ n: '*' }).first();
    expect(await count('action=account.*')).to.equal(String(accountRows!.n));
    expect(await count('action=account.')).to.equal('0');
    expect(await count(`target_type=account&target_id=${partnerId}`)).to.equal('2');
    expect(await count('ip=198.51.100.7')).to.equal('1');
    expect(await count('from=2026-11-20&to=2026-11-20')).to.equal('2');
    expect(await count('actor=%25')).to.equal('0');
    const none = (await admin.get('/admin/audit?actor=nobody').expect(200)).text;
    expect(none).to.contain('Aucun résultat pour ces filtres.').and.contain('href="/admin/audit?actor=nobody&amp;format=csv"');
  });

  it('exports the filtered rows as CSV, formulas defused', async () => {
    const res = await support.get('/admin/audit?actor=bob&format=csv&sep=comma').expect(200).expect('Content-Type', /text\/csv/);
    expect(res.headers['content-disposition']).to.match(/^attachment; filename="?audit-2026-11-22\.csv"?$/);
    const rows = parseCsv(csvBody(res));
    expect(Object.keys(rows[0]!)).to.deep.equal(['created_at', 'actor_email', 'action', 'target_type', 'target_id', 'summary', 'ip', 'user_agent']);
    expect(rows).to.have.length(2);
    expect(rows[0]).to.deep.equal({
      created_at: '2026-11-20T10:00:00.000Z', actor_email: 'bob@vendor.fr', action: 'recharge.revoked', target_type: 'recharge',
      target_id: 'b8d3c1a2-0000-4000-8000-000000000001', ip: '198.51.100.8', user_agent: '\'=HYPERLINK("http://evil")',
      summary: 'émise → révoquée ; 3 unités recréditées à p@example.fr (installation ABCDE-FGHJ…, numéro 2) : erreur de saisie',
    });
    expect(rows[1]).to.include({ action: 'admin.partner.reactivated', summary: 'suspendu → actif' });
    const all = parseCsv(csvBody(await admin.get('/admin/audit?format=csv').expect(200)), ';');
    expect(all).to.have.length(Number((await ctx.db('audit_log').count({ n: '*' }).first())!.n));
  });

  it('shows one row in full', async () => {
    const row = await ctx.db('audit_log').where({ action: 'admin.partner.suspended' }).first();
    const page = (await support.get(`/admin/audit/${row.id}`).expect(200)).text;
    expect(text(page)).to.contain('alice@vendor.fr').and.contain('actif → suspendu : unpaid').and.contain('Test/1.0').and.contain('19/11/2026 11:00:00');
    expect(page).to.contain('datetime="2026-11-19T10:00:00.000Z"');
    expect(text(page)).to.contain(`compte ${String(row.target_id)}`).and.not.contain(`account ${String(row.target_id)}`);
    await support.get('/admin/audit/99999999').expect(404);
    await support.get('/admin/audit/x').expect(404);
  });

  it('refuses partners and sends visitors to the login page', async () => {
    const partner = await loginAgent(ctx, 'audit-partner@example.fr');
    await partner.get('/admin/audit').expect(403);
    await partner.get('/admin/audit?format=csv').expect(403);
    const res = await request(ctx.app).get('/admin/audit').expect(303);
    expect(res.headers.location).to.equal('/subscription/login?next=%2Fadmin%2Faudit');
  });

  it('has no route that changes a row, for any role or method', async () => {
    const row = await ctx.db('audit_log').where({ action: 'admin.partner.suspended' }).first();
    const before = await allRows(ctx);
    for (const agent of [admin, support]) {
      const csrf = await csrfOf(agent, '/admin/messages');
      for (const url of ['/admin/audit', `/admin/audit/${row.id}`, `/admin/audit/${row.id}/edit`, `/admin/audit/${row.id}/delete`]) {
        for (const method of ['post', 'put', 'patch', 'delete'] as const) {
          const res = await agent[method](url).set('x-csrf-token', csrf)
            .type('form')
            .send({ _csrf: csrf, summary: 'rewritten', action: 'x', _method: 'DELETE' });
          // A valid CSRF token is sent, so the answer says the route does not exist (not that the token was missing).
          expect([404, 405], `${method.toUpperCase()} ${url}`).to.include(res.status);
        }
      }
    }
    expect(await allRows(ctx)).to.deep.equal(before);
    const page = (await admin.get(`/admin/audit/${row.id}`).expect(200)).text;
    expect(page).not.to.match(/<form[^>]*method="post"[^>]*action="\/admin\/audit/);
  });

  it('has no update or delete method in the audit component', () => {
    for (const proto of [AuditRepository.prototype, AuditService.prototype]) {
      const names = Object.getOwnPropertyNames(proto);
      expect(names.filter((n) => /update|delete|del$|remove|edit|truncate|clear|purge|erase/i.test(n)), proto.constructor.name).to.deep.equal([]);
    }
    for (const file of fs.readdirSync(path.join(REPO_ROOT, 'src', 'audit'))) {
      const source = fs.readFileSync(path.join(REPO_ROOT, 'src', 'audit', file), 'utf8');
      expect(source, file).not.to.match(/\.(update|del|delete|truncate)\(/);
    }
  });

  it('is refused by the database itself, except for the actor foreign key set to null', async () => {
    const before = await allRows(ctx);
    let updateError: unknown;
    await ctx.db('audit_log').update({ summary: 'rewritten' }).catch((err: unknown) => { updateError = err; });
    expect(String(updateError)).to.contain('audit_log is append-only');
    let deleteError: unknown;
    await ctx.db('audit_log').where({ action: 'login.failed' }).del().catch((err: unknown) => { deleteError = err; });
    expect(String(deleteError)).to.contain('audit_log is append-only');
    expect(await allRows(ctx)).to.deep.equal(before);

    // Accounts are never deleted by the app; if one were, ON DELETE SET NULL still works and the e-mail stays.
    const goneId = await createAccount(ctx, 'gone@example.fr', 'support'); // staff: no subscription row refers to it
    await new AuditService(ctx.db, ctx.clock).record(
      ctx.db, { id: goneId, email: 'gone@example.fr', ip: null, userAgent: null }, 'test.event', null, { kept: 'yes' },
    );
    await ctx.db('accounts').where({ id: goneId }).delete();
    expect(await ctx.db('audit_log')
      .where({ action: 'test.event' })
      .first()).to.include({ actor_id: null, actor_email: 'gone@example.fr', details: '{"kept":"yes"}' });
  });

  it('is in English too', async () => {
    const page = (await support.get('/admin/audit?lang=en').expect(200)).text;
    expect(page).to.contain('Audit log').and.contain('Export as CSV').and.contain('Actor (e-mail)');
  });
});
