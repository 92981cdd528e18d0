/** /admin/recharges: the list with filters and CSV, the recharge page, revocation; and a suspended partner's recharge refused. */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import { RechargesRepository } from '../../../src/recharge/recharges.repository.js';
import { createAccount, loginAgent, request } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { csrfFrom, type Agent } from '../../helpers/forms.js';
import { binary, credit, fetchKeyFiles, newInstallation, postConfirmed, prepare, recharge, type TestInstallation } from '../../helpers/recharge.js';
import { csvLines } from '../../helpers/csv.js';
import { auditSentence } from '../../helpers/audit.js';
import { PG_URL } from '../../helpers/db.js';
import { waitFor } from '../../helpers/wait.js';

const count = async (ctx: TestContext, table: string) => Number((await ctx.db(table).count({ n: '*' }).first())!.n);

/** PostgreSQL: how many backends wait on a lock held by the backend `pid`. */
async function backendsBlockedBy(ctx: TestContext, pid: number): Promise<number> {
  const res = await ctx.db.raw('select count(*) as n from pg_stat_activity where ? = any(pg_blocking_pids(pid))', [pid]);
  return Number(res.rows[0].n);
}

/** SQLite: the knex pool of the one connection (a query waiting for it is a pending acquire). */
const sqlitePool = (ctx: TestContext) => (ctx.db.client as { pool: { numPendingAcquires(): number } }).pool;

describe('admin recharges', function () {
  let ctx: TestContext;
  let partnerId: number;
  let partner: Agent;
  let admin: Agent;
  let inst: TestInstallation;
  beforeEach(async () => {
    ctx = await createTestContext();
    partnerId = await createAccount(ctx, 'rech-partner@example.fr');
    await createAccount(ctx, 'rech-admin@example.fr', 'admin');
    await credit(ctx, partnerId, 100);
    partner = await loginAgent(ctx, 'rech-partner@example.fr');
    admin = await loginAgent(ctx, 'rech-admin@example.fr');
    inst = newInstallation();
  });
  afterEach(async () => ctx.close());

  it('lists every recharge with search, partner, state, delivery and date filters, and exports CSV', async () => {
    const otherId = await createAccount(ctx, 'rech-other@example.fr');
    await credit(ctx, otherId, 50);
    const first = await recharge(partner, inst, 10, 'Boulangerie Martin');
    await recharge(await loginAgent(ctx, 'rech-other@example.fr'), newInstallation(), 7, 'Garage Dupont');
    await partner.get(`/subscription/recharges/${first}/key.bin`).buffer(true).parse(binary).expect(200);

    const all = (await admin.get('/admin/recharges').expect(200)).text;
    expect(all).to.contain('2 résultats').and.contain('Boulangerie Martin').and.contain('Garage Dupont').and.contain('rech-other@example.fr');
    const byCode = (await admin.get(`/admin/recharges?q=${encodeURIComponent(inst.formatted.slice(0, 17).toLowerCase())}`).expect(200)).text;
    expect(byCode).to.contain('1 résultat').and.contain('Boulangerie Martin').and.not.contain('Garage Dupont');
    expect((await admin.get(`/admin/recharges?q=${first.slice(0, 8)}`).expect(200)).text).to.contain('1 résultat');
    const byPartner = (await admin.get('/admin/recharges?partner=RECH-OTHER@example.fr').expect(200)).text;
    expect(byPartner).to.contain('Garage Dupont').and.not.contain('Boulangerie Martin');
    expect((await admin.get(`/admin/recharges?partner=${partnerId}`).expect(200)).text).to.contain('Boulangerie Martin').and.not.contain('Garage Dupont');
    expect((await admin.get('/admin/recharges?delivered=yes').expect(200)).text).to.contain('Boulangerie Martin').and.not.contain('Garage Dupont');
    expect((await admin.get('/admin/recharges?delivered=no').expect(200)).text).to.contain('Garage Dupont').and.not.contain('Boulangerie Martin');
    expect((await admin.get('/admin/recharges?state=revoked').expect(200)).text).to.contain('Aucun résultat pour ces filtres.');
    expect((await admin.get('/admin/recharges?from=2026-11-23').expect(200)).text).to.contain('Aucun résultat pour ces filtres.');
    expect((await admin.get('/admin/recharges?from=2026-11-22&to=2026-11-22').expect(200)).text).to.contain('2 résultats');

    const csv = await admin.get('/admin/recharges?format=csv&sep=comma&partner=rech-partner@example.fr').expect(200).expect('Content-Type', /text\/csv/);
    const lines = csvLines(csv);
    expect(lines[0]).to.equal('issued_at,id,partner_email,customer,installation_code,serial,units,state,delivered_at,revoked_at,sha256');
    expect(lines).to.have.length(2);
    const expected = `^2026-11-22T10:00:00.000Z,${first},rech-partner@example.fr,Boulangerie Martin,${inst.formatted},1,10,issued,`;
    expect(lines[1]).to.match(new RegExp(`${expected}2026-11-22T10:00:00.000Z,,[0-9a-f]{64}$`));
  });

  it('finds a recharge by its own customer label after the installation was recharged under another one', async () => {
    const first = await recharge(partner, inst, 10, 'Boulangerie Martin');
    await recharge(partner, inst, 5, 'Pâtisserie Lefèvre');

    const byOldLabel = (await admin.get('/admin/recharges?q=boulangerie').expect(200)).text;
    expect(byOldLabel).to.contain('1 résultat').and.contain(`/admin/recharges/${first}`).and.contain('Boulangerie Martin')
      .and.not.contain('Pâtisserie Lefèvre');
    // The installation's label is the one used last: searching it finds every recharge of the installation.
    const byNewLabel = (await admin.get(`/admin/recharges?q=${encodeURIComponent('lefèvre')}`).expect(200)).text;
    expect(byNewLabel).to.contain('2 résultats').and.contain(`/admin/recharges/${first}`);
  });

  it('counts a staff download as delivered, with an audit row: no revocation afterwards', async () => {
    const id = await recharge(partner, inst, 5);
    const file = await admin.get(`/subscription/recharges/${id}/key.bin`).buffer(true).parse(binary).expect(200);
    expect((file.body as Buffer).length).to.be.above(100);
    const row = await ctx.db('recharges').where({ id }).first();
    expect(row.delivered_at).to.not.equal(null);
    const audit = await ctx.db('audit_log').where({ action: 'recharge.key_downloaded', target_id: id });
    expect(audit).to.have.length(1);
    expect(audit[0].actor_email).to.equal('rech-admin@example.fr');
    const page = (await admin.get(`/admin/recharges/${id}`).expect(200)).text;
    expect(page).not.to.contain('id="revoke-form"');
  });

  it('revokes an undelivered recharge: confirmation, ledger credit, audit row, no more delivery, the partner sees it revoked', async () => {
    const id = await recharge(partner, inst, 30);
    expect(await ctx.handle.ledger.balance(partnerId)).to.equal(70);
    const page = (await admin.get(`/admin/recharges/${id}`).expect(200)).text;
    expect(page).to.contain('id="revoke-form"').and.contain('jamais téléchargée').and.contain(`/subscription/recharges/${id}/key.bin`)
      .and.contain('Votre téléchargement compte comme une remise : la recharge ne pourra plus être révoquée ensuite.');

    const missing = await postConfirmed(admin, `/admin/recharges/${id}`, `/admin/recharges/${id}/revoke`, { reason: '  ' });
    expect(missing.first.status).to.equal(422);
    expect(missing.first.text).to.contain('Indiquez un motif.');

    const { first, final } = await postConfirmed(admin, `/admin/recharges/${id}`, `/admin/recharges/${id}/revoke`, { reason: 'Erreur de saisie du client' });
    expect(first.text).to.contain('Confirmer la révocation').and.contain('Erreur de saisie du client');
    expect(final.status).to.equal(303);
    const shown = (await admin.get(final.headers.location!).expect(200)).text;
    expect(shown).to.contain('Recharge révoquée : 30 unités recréditées à rech-partner@example.fr.').and.contain('Erreur de saisie du client')
      .and.not.contain('id="revoke-form"');

    expect(await ctx.handle.ledger.balance(partnerId)).to.equal(100);
    const creditRow = await ctx.db('ledger_entries').where({ kind: 'credit', reference: id }).first();
    expect(creditRow).to.include({ units: 30, reason: `Revoked recharge ${id}: Erreur de saisie du client`, actor_label: 'rech-admin@example.fr' });
    expect(Number(creditRow.balance_after)).to.equal(100);
    const row = await ctx.db('recharges').where({ id }).first();
    expect(row).to.include({ state: 'revoked', revoked_reason: 'Erreur de saisie du client', delivered_at: null });
    expect(row.revoked_at).to.not.equal(null);
    const audit = await ctx.db('audit_log').where({ action: 'recharge.revoked' }).first();
    expect(audit).to.include({ actor_email: 'rech-admin@example.fr', target_type: 'recharge', target_id: id });
    expect(auditSentence(audit)).to.contain('issued → revoked; 30 units credited back to rech-partner@example.fr').and.contain('Erreur de saisie du client');
    const installation = await ctx.db('installations').where({ code: inst.code }).first();
    expect(Number(installation.total_units)).to.equal(0);
    expect(Number(installation.recharge_count)).to.equal(0);
    expect(Number(installation.last_serial)).to.equal(1);

    const api = await fetchKeyFiles(ctx, inst);
    expect(api.body.keyfiles).to.deep.equal([]);
    const copy = path.join(ctx.config.paths.keyFiles, `${id}.bin`);
    expect(fs.existsSync(copy)).to.equal(false);
    expect(fs.existsSync(`${copy}.revoked`)).to.equal(true);
    const refused = await partner.get(`/subscription/recharges/${id}/key.bin`);
    expect(refused.status).to.equal(410);
    expect(refused.text).to.contain('Recharge révoquée').and.contain('Motif : Erreur de saisie du client');
    const own = (await partner.get(`/subscription/recharges/${id}`).expect(200)).text;
    expect(own).to.contain('révoquée').and.contain('id="revoked-notice"').and.not.contain(`/subscription/recharges/${id}/key.bin`);
    expect((await partner.get('/subscription/recharges').expect(200)).text).to.contain('révoquée');

    const again = await postConfirmed(admin, `/admin/recharges/${id}`, `/admin/recharges/${id}/revoke`, { reason: 'encore' });
    expect(again.first.status).to.equal(409);
    expect(again.first.text).to.contain('déjà révoquée');
    expect(await count(ctx, 'ledger_entries')).to.equal(3);
  });

  it('refuses to revoke a recharge its partner downloaded, or the API served to its installation', async () => {
    const downloaded = await recharge(partner, inst, 10);
    await partner.get(`/subscription/recharges/${downloaded}/key.bin`).buffer(true).parse(binary).expect(200);
    const page = (await admin.get(`/admin/recharges/${downloaded}`).expect(200)).text;
    expect(page).to.contain('ne peut plus être révoquée').and.not.contain('id="revoke-form"');
    const res = await admin.post(`/admin/recharges/${downloaded}/revoke`).type('form')
      .send({ reason: 'trop tard', confirm: 'yes', _csrf: csrfFrom(page) });
    expect(res.status).to.equal(409);
    expect(res.text).to.contain('déjà été remise');

    const served = await recharge(partner, inst, 5);
    const api = await fetchKeyFiles(ctx, inst, 1);
    expect(api.body.keyfiles.map((f: { id: string }) => f.id)).to.deep.equal([served]);
    const attempt = await postConfirmed(admin, `/admin/recharges/${served}`, `/admin/recharges/${served}/revoke`, { reason: 'trop tard' });
    expect(attempt.first.status).to.equal(409);
    expect(await ctx.db('recharges').where({ state: 'revoked' }).first()).to.equal(undefined);
    expect(await ctx.handle.ledger.balance(partnerId)).to.equal(85);
    expect(await ctx.db('audit_log').where({ action: 'recharge.revoked' }).first()).to.equal(undefined);
  });

  it('never both delivers and revokes when a download races the revocation', async () => {
    const outcomes = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const id = await recharge(partner, inst, 1);
      const r = (await ctx.handle.recharges.ownRecharge(id, partnerId))!;
      const deliver = () => ctx.handle.recharges.deliver(r).then((bytes) => (bytes ? 'served' : 'refused'));
      const revoke = () => ctx.handle.recharges.revoke(id, 'race', SYSTEM_ACTOR).then(() => 'revoked', (err: { code?: string }) => String(err.code));
      // alternate which one starts first
      const [served, revoked] = i % 2 ? await Promise.all([deliver(), revoke()]) : await Promise.all([revoke(), deliver()]).then(([a, b]) => [b, a]);
      const row = await ctx.db('recharges').where({ id }).first();
      if (revoked === 'revoked') {
        expect(served).to.equal('refused');
        expect(row).to.include({ state: 'revoked', delivered_at: null });
      } else {
        expect(revoked).to.equal('ALREADY_DELIVERED');
        expect(served).to.equal('served');
        expect(row.state).to.equal('issued');
        expect(row.delivered_at).to.not.equal(null);
      }
      outcomes.add(String(revoked));
    }
    const revokedCount = Number((await ctx.db('recharges').where({ state: 'revoked' }).count({ n: '*' }).first())!.n);
    expect(await ctx.handle.ledger.balance(partnerId)).to.equal(100 - 10 + revokedCount);
    expect(Number((await ctx.db('ledger_entries').where({ kind: 'credit' }).count({ n: '*' }).first())!.n)).to.equal(1 + revokedCount);
    // the same through HTTP: the partner's download after a revocation is refused
    const id = await recharge(partner, inst, 1);
    const [download] = await Promise.all([
      partner.get(`/subscription/recharges/${id}/key.bin`).buffer(true).parse(binary),
      ctx.handle.recharges.revoke(id, 'race', SYSTEM_ACTOR).catch(() => null),
    ]);
    const row = await ctx.db('recharges').where({ id }).first();
    expect(download.status).to.equal(row.state === 'revoked' ? 410 : 200);
  });

  it('refuses a download that waited on a revocation in progress (the row locked)', async () => {
    const id = await recharge(partner, inst, 1);
    const r = (await ctx.handle.recharges.ownRecharge(id, partnerId))!;
    let served: Promise<string> | undefined;
    await ctx.db.transaction(async (trx) => {
      const locked = new RechargesRepository(trx);
      await locked.rechargeForUpdate(id);
      const holder = PG_URL ? Number((await trx.raw('select pg_backend_pid() as pid')).rows[0].pid) : 0;
      // PostgreSQL: the download's conditional update waits on the locked row; SQLite: on the one connection.
      served = ctx.handle.recharges.deliver(r).then((bytes) => (bytes ? 'served' : 'refused'));
      await waitFor(async () => (PG_URL ? (await backendsBlockedBy(ctx, holder)) > 0 : sqlitePool(ctx).numPendingAcquires() > 0), {
        what: 'the download to wait on the locked recharge',
      });
      expect(await locked.markRevoked(id, 'in progress', null, ctx.clock.now())).to.equal(true);
    });
    expect(await served).to.equal('refused');
    expect(await ctx.db('recharges').where({ id }).first()).to.include({ state: 'revoked', delivered_at: null });
  });

  it('lets support read the list and the recharge but not revoke; partners and visitors are kept out', async () => {
    const id = await recharge(partner, inst, 3);
    await createAccount(ctx, 'rech-support@example.fr', 'support');
    const support = await loginAgent(ctx, 'rech-support@example.fr');
    expect((await support.get('/admin/recharges').expect(200)).text).to.contain('Boulangerie Martin');
    const page = (await support.get(`/admin/recharges/${id}`).expect(200)).text;
    expect(page).to.not.contain('id="revoke-form"').and.not.contain('action="/admin/recharges/').and.not.contain('/key.bin');
    // Downloading the key file would deliver it (no revocation afterwards): refused to read-only support.
    await support.get(`/subscription/recharges/${id}/key.bin`).expect(403);
    expect((await support.get(`/subscription/recharges/${id}`).expect(200)).text, 'no download link on the recharge page either').to.not.contain('/key.bin');
    expect((await ctx.db('recharges').where({ id }).first()).delivered_at).to.equal(null);
    const csrf = csrfFrom(page); // the logout form's token: a valid one, so the 403 is the role's
    await support.post(`/admin/recharges/${id}/revoke`).type('form').send({ reason: 'x', confirm: 'yes', _csrf: csrf }).expect(403);
    await partner.get('/admin/recharges').expect(403);
    await partner.get(`/admin/recharges/${id}`).expect(403);
    const anonymous = await request(ctx.app).get('/admin/recharges');
    expect(anonymous.status).to.equal(303);
    expect(anonymous.headers.location).to.contain('/subscription/login');
    expect((await ctx.db('recharges').where({ id }).first()).state).to.equal('issued');
  });

  it("shows a recharge's debit and its revocation's credit on the partner page in the reader's language, typed reasons as typed", async () => {
    const id = await recharge(partner, inst, 30);
    await postConfirmed(admin, `/admin/recharges/${id}`, `/admin/recharges/${id}/revoke`, { reason: 'Erreur de saisie du client' });
    const code = inst.code.slice(0, 10);

    const french = (await admin.get(`/admin/partners/${partnerId}`).expect(200)).text;
    expect(french).to.contain('Mouvements d’unités').and.contain(`Recharge ${code}… n° 1`)
      .and.contain(`Recharge ${id} révoquée : Erreur de saisie du client`).and.contain('test credit')
      .and.not.contain('serial 1').and.not.contain('Revoked recharge');

    await createAccount(ctx, 'rech-admin-en@example.fr', 'admin');
    await ctx.db('accounts').where({ email: 'rech-admin-en@example.fr' }).update({ locale: 'en' });
    const englishAdmin = await loginAgent(ctx, 'rech-admin-en@example.fr', undefined, 'en');
    const english = (await englishAdmin.get(`/admin/partners/${partnerId}`).expect(200)).text;
    expect(english).to.contain(`Recharge ${code}… serial 1`).and.contain(`Revoked recharge ${id}: Erreur de saisie du client`)
      .and.contain('test credit').and.not.contain('n° 1');
  });

  it('is in English too', async () => {
    const id = await recharge(partner, inst, 3);
    const page = (await admin.get(`/admin/recharges/${id}?lang=en`).set('Accept-Language', 'en').expect(200)).text;
    expect(page).to.contain('Revoke the recharge').and.contain('never downloaded by the partner');
  });
});

describe('a suspended partner cannot recharge', function () {
  let ctx: TestContext;
  let partnerId: number;
  beforeEach(async () => {
    ctx = await createTestContext();
    partnerId = await createAccount(ctx, 'susp-partner@example.fr');
    await credit(ctx, partnerId, 50);
  });
  afterEach(async () => ctx.close());

  it('refuses the confirmation of a partner suspended after the preview, writing nothing', async () => {
    const agent = await loginAgent(ctx, 'susp-partner@example.fr');
    const p = await prepare(agent, { installation_code: newInstallation().code, units: '10' });
    expect(p.status).to.equal(200);
    await ctx.db('accounts').where({ id: partnerId }).update({ state: 'suspended' });
    // The session ends with the suspension: the stale form is refused and the partner is sent to the login page, told why…
    const res = await agent.post('/subscription/recharge/confirm').type('form').send(p.confirm);
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal('/subscription/login');
    const login = await agent.get('/subscription/login').expect(200);
    expect(login.text).to.contain('Votre compte n’est plus actif').and.contain('le formulaire n’a pas été envoyé');
    // …and the recharge page itself asks for a login.
    const next = await agent.get('/subscription/recharge');
    expect(next.status).to.equal(303);
    expect(next.headers.location).to.contain('/subscription/login');
    expect(await count(ctx, 'recharges')).to.equal(0);
    expect(await count(ctx, 'installations')).to.equal(0);
    expect(await count(ctx, 'ledger_entries')).to.equal(1);
  });

  it('refuses in the service too, inside the transaction, when the account was suspended after it was read', async () => {
    const stale = (await ctx.handle.accounts.byId(partnerId))!;
    const input = { installationCode: newInstallation().code, customer: 'Client', units: 10, expiresInDays: 30 };
    const preview = await ctx.handle.recharges.prepare(stale, input);
    await ctx.db('accounts').where({ id: partnerId }).update({ state: 'suspended' });
    const actor = { id: partnerId, email: 'susp-partner@example.fr', ip: null, userAgent: null };
    const err = await ctx.handle.recharges.confirm(stale, { ...input, confirmId: preview.confirmId }, actor).then(
      () => null, (e: unknown) => e as { code?: string; status?: number },
    );
    expect(err).to.include({ code: 'ACCOUNT_SUSPENDED', status: 409 });
    const errPrepare = await ctx.handle.recharges.prepare(stale, input).then(() => null, (e: unknown) => e as { code?: string });
    expect(errPrepare).to.include({ code: 'ACCOUNT_SUSPENDED' });
    expect(await count(ctx, 'recharges')).to.equal(0);
    expect(await count(ctx, 'installations')).to.equal(0);
    expect(await count(ctx, 'ledger_entries')).to.equal(1);
    expect(await ctx.handle.ledger.balance(partnerId)).to.equal(50);
  });
});
