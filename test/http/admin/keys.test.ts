/** /admin/keys: the issuer keys an admin reads and rotates (support, partners and visitors cannot). */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { IssuerKeys } from '../../../src/keys/index.js';
import { createAccount, csrfOf, loginAgent } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { hiddenFields, type Agent } from '../../helpers/forms.js';
import { applyAs, credit, newInstallation, recharge } from '../../helpers/recharge.js';
import { auditSentence } from '../../helpers/audit.js';

/** The row of the keys table for `kid`, as text without tags. */
function keyRow(html: string, kid: string): string {
  const m = new RegExp(`<tr id="key-${kid}">([\\s\\S]*?)</tr>`).exec(html);
  if (!m) throw new Error(`no row for ${kid}`);
  return m[1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
}

describe('admin issuer keys', function () {
  let ctx: TestContext;
  let admin: Agent;
  let partner: Agent;
  before(async () => {
    ctx = await createTestContext();
    await createAccount(ctx, 'keys-admin@example.fr', 'admin');
    await createAccount(ctx, 'keys-support@example.fr', 'support');
    const partnerId = await createAccount(ctx, 'keys-partner@example.fr');
    await credit(ctx, partnerId, 100);
    admin = await loginAgent(ctx, 'keys-admin@example.fr');
    partner = await loginAgent(ctx, 'keys-partner@example.fr');
  });
  after(async () => ctx.close());

  it('lists the active key with its creation date, files signed and public key', async () => {
    const kid = ctx.keys.active.kid.toString('hex');
    await recharge(partner, newInstallation(), 3);
    await recharge(partner, newInstallation(), 4);
    const page = (await admin.get('/admin/keys').expect(200)).text;
    expect(page).to.contain('Clés d&#39;émission').and.contain('/.well-known/artisan-nd/keys.json');
    expect(keyRow(page, kid)).to.match(new RegExp(`^${kid} \\(signe sur cette instance\\) Active 22 nov\\. 2026,? 11:00 — 2 `));
    expect(page).to.contain(`value="${ctx.keys.active.publicKey.toString('base64')}"`);
    expect(page).to.contain('action="/admin/keys/rotate"');
    const en = (await admin.get('/admin/keys?lang=en').expect(200)).text;
    expect(en).to.contain('Issuer keys').and.contain('Files signed').and.contain('Rotate the issuer key');
    await admin.get('/admin/keys?lang=fr').expect(200);
  });

  it('is for admins only: support and partners get 403, visitors the login page', async () => {
    const support = await loginAgent(ctx, 'keys-support@example.fr');
    await support.get('/admin/keys').expect(403);
    const csrf = await csrfOf(support, '/admin');
    await support.post('/admin/keys/rotate').type('form').send({ _csrf: csrf, confirm: 'yes', kid: ctx.keys.active.kid.toString('hex') }).expect(403);
    await partner.get('/admin/keys').expect(403);
    const anonymous = await request(ctx.app).get('/admin/keys').expect(303);
    expect(anonymous.headers.location).to.equal('/subscription/login?next=%2Fadmin%2Fkeys');
    expect(await ctx.db('issuer_keys').count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 1);
    expect((await support.get('/admin').expect(200)).text).not.to.contain('href="/admin/keys"');
  });

  it('rotates through the confirmation step: audit row, new key signs at once, old key retired and still published', async () => {
    const oldKid = ctx.keys.active.kid.toString('hex');
    // Another instance of the same host, started before the rotation.
    const other = new IssuerKeys(ctx.db, ctx.clock, ctx.config.paths.keys);
    await other.init();
    expect(other.active.kid.toString('hex')).to.equal(oldKid);

    const form = hiddenFields((await admin.get('/admin/keys').expect(200)).text);
    expect(form).to.include({ kid: oldKid });
    const ask = await admin.post('/admin/keys/rotate').type('form').send(form).expect(200);
    expect(ask.text).to.contain(`La clé ${oldKid} sera retirée`).and.contain('Créer une nouvelle clé');
    expect(await ctx.db('issuer_keys').count({ n: '*' }).first(), 'nothing changes before confirmation').to.satisfy((r: { n: unknown }) => Number(r.n) === 1);
    const done = await admin.post('/admin/keys/rotate').type('form').send(hiddenFields(ask.text)).expect(303);
    expect(done.headers.location).to.equal('/admin/keys');
    // The same confirmation posted again (double click) rotates nothing more.
    await admin.post('/admin/keys/rotate').type('form').send(hiddenFields(ask.text)).expect(303);
    expect(await ctx.db('issuer_keys').count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 2);

    const rows = await ctx.db('issuer_keys').orderBy('id');
    expect(rows.map((r: { kid: string; status: string }) => [r.kid, r.status])).to.deep.equal([[oldKid, 'retired'], [rows[1].kid, 'active']]);
    const newKid = String(rows[1].kid);
    expect(ctx.keys.active.kid.toString('hex')).to.equal(newKid);
    expect(fs.existsSync(path.join(ctx.config.paths.keys, `${newKid}.key`))).to.equal(true);

    const audit = await ctx.db('audit_log').where({ action: 'issuer_key.rotated' }).first();
    expect(audit).to.include({ actor_email: 'keys-admin@example.fr', target_type: 'issuer_key', target_id: newKid });
    expect(auditSentence(audit)).to.contain(`${oldKid} → ${newKid}`);

    const page = (await admin.get('/admin/keys').expect(200)).text;
    expect(page).to.contain(`Nouvelle clé active ${newKid} ; la clé ${oldKid} est retirée`)
      .and.contain(`La clé a déjà été changée : la clé active est ${newKid}.`);
    expect(keyRow(page, oldKid)).to.match(/Retirée 22 nov\. 2026,? 11:00 22 nov\. 2026,? 11:00 2 /);
    expect(keyRow(page, newKid)).to.contain('Active').and.contain('(signe sur cette instance)').and.match(/ 0 /);

    // The next key file is signed with the new kid, and clients still trust the old one.
    const inst = newInstallation();
    const id = await recharge(partner, inst, 5);
    const file = (await ctx.db('recharges').where({ id }).first()).file as Buffer;
    expect(applyAs(ctx, inst, Buffer.from(file)).kid).to.equal(newKid);
    const published = (await request(ctx.app).get('/.well-known/artisan-nd/keys.json').expect(200)).body.keys as { kid: string; status: string }[];
    expect(published.map((k) => [k.kid, k.status])).to.deep.equal([[oldKid, 'retired'], [newKid, 'active']]);

    // The other instance follows on its next refresh (REFRESH_MS), with the key file from the shared folder.
    await other.refresh();
    expect(other.active.kid.toString('hex')).to.equal(newKid);
    expect(other.list().map((k) => k.status)).to.deep.equal(['retired', 'active']);
    expect(other.trusted(oldKid)).to.not.equal(null);
  });

  it('keeps everything as it was when the audit row cannot be written', async () => {
    const before = await ctx.db('issuer_keys').orderBy('id');
    const files = fs.readdirSync(ctx.config.paths.keys).sort();
    const kid = ctx.keys.active.kid.toString('hex');
    let failure: unknown;
    try {
      await ctx.keys.rotate(async () => { throw new Error('audit down'); });
    } catch (err) { failure = err; }
    expect(failure).to.be.an('error');
    expect(await ctx.db('issuer_keys').orderBy('id')).to.deep.equal(before);
    expect(fs.readdirSync(ctx.config.paths.keys).sort()).to.deep.equal(files);
    expect(ctx.keys.active.kid.toString('hex')).to.equal(kid);
  });
});

describe('admin issuer keys with ISSUER_KEY_FILE', function () {
  let ctx: TestContext;
  let keyFile: string;
  before(async () => {
    keyFile = path.join(fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'issuer-')), 'issuer.key');
    fs.writeFileSync(keyFile, `${crypto.randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    ctx = await createTestContext({ env: { ISSUER_KEY_FILE: keyFile } });
    await createAccount(ctx, 'kf-admin@example.fr', 'admin');
  });
  after(async () => {
    await ctx.close();
    fs.rmSync(path.dirname(keyFile), { recursive: true, force: true });
  });

  it('offers no rotation and refuses one', async () => {
    const admin = await loginAgent(ctx, 'kf-admin@example.fr');
    const page = (await admin.get('/admin/keys').expect(200)).text;
    expect(page).to.contain('id="not-rotatable"').and.not.contain('action="/admin/keys/rotate"');
    const csrf = await csrfOf(admin, '/admin/keys');
    await admin.post('/admin/keys/rotate').type('form').send({ _csrf: csrf, confirm: 'yes' }).expect(303);
    expect((await admin.get('/admin/keys').expect(200)).text).to.contain('la clé ne peut pas être changée depuis cette page');
    expect(await ctx.db('issuer_keys').count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 1);
    expect(await ctx.db('audit_log').where({ action: 'issuer_key.rotated' }).first()).to.equal(undefined);
  });
});
