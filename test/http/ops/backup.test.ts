/**
 * npm run backup, backup:verify and restore, as an operator runs them, for each
 * archive form (.tar.gz, .tar.gz.age encrypted to an age key, directory): a
 * populated instance (a partner's recharge of a keytool installation and its
 * key file, a license issued by the API, a paid subscription invoice, course
 * and release files) is backed up, the archive verified and a tampered copy
 * refused, then restored into empty folders; the restored instance has the
 * same balance, invoice chain, key-file bytes, issuer keys and files, and once
 * its server is started keytool accepts the key file signed before the backup
 * and one signed after the restore; an issuer key the archive does not hold is moved out of the keys folder. Old
 * archives beyond BACKUP_KEEP go. A restore is refused while a server runs: marked in DB_DIR, or (PostgreSQL)
 * connected from any host under the server's application_name.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { expect } from 'chai';
import request from 'supertest';
import { AuditService } from '../../../src/audit/index.js';
import { loadConfig } from '../../../src/config/index.js';
import { resolveSessionSecret } from '../../../src/config/session-secret.js';
import { IssuerKeys } from '../../../src/keys/index.js';
import { markServer } from '../../../src/ops/index.js';
import { createDb, pgApplicationName, type Db } from '../../../src/platform/db.js';
import { LedgerService } from '../../../src/recharge/index.js';
import { pino } from 'pino';
import { createAccount, loginAgent, PASSWORD } from '../../helpers/accounts.js';
import { keytool, startServer, tarEntries, writeTarGz } from '../../helpers/archives.js';
import { cli } from '../../helpers/cli.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { PG_SCHEMA, PG_URL, testDatabaseEnv } from '../../helpers/db.js';
import { trial } from '../../helpers/licenses.js';
import { csrfFrom } from '../../helpers/forms.js';
import { credit, recharge, type TestInstallation } from '../../helpers/recharge.js';
import { paidPlan, payingPartner } from '../../helpers/subscriptions.js';

const SELLER = { BILLING_SELLER_NAME: 'Artisan ND SAS', BILLING_SELLER_ADDRESS: '12 rue des Imprimeurs, 69001 Lyon', BILLING_SELLER_SIRET: '12345678900012' };
/** Older archives of each form: a directory, a .tar.gz and a .tar.gz.age file (pruning counts them together). */
const OLD = ['artisan-nd-backup-20200101T000000000Z', 'artisan-nd-backup-20200102T000000000Z.tar.gz', 'artisan-nd-backup-20200103T000000000Z.tar.gz.age'];

interface Identity { recipient: string; secret: string; file: string; otherFile: string }

/** An age key pair made with the library (the machine has no age binary), written as age-keygen writes it, and another one. */
async function newIdentity(dir: string): Promise<Identity> {
  const secret = await generateX25519Identity();
  const recipient = await identityToRecipient(secret);
  const file = path.join(dir, 'backup-identity.txt');
  fs.writeFileSync(file, `# created: 2026-12-05T00:00:00Z\n# public key: ${recipient}\n${secret}\n`, { mode: 0o600 });
  const otherFile = path.join(dir, 'other-identity.txt');
  fs.writeFileSync(otherFile, `${await generateX25519Identity()}\n`, { mode: 0o600 });
  return { recipient, secret, file, otherFile };
}

/** The env of an instance whose folders live under `dir` (no SESSION_SECRET: the portal keeps its own in DB_DIR). */
function instanceEnv(dir: string): Record<string, string> {
  return {
    NODE_ENV: 'test', LOG_LEVEL: 'silent', FILES_DIR: path.join(dir, 'files'), LOGS_DIR: path.join(dir, 'logs'), DB_DIR: path.join(dir, 'db'),
    SUBSCRIPTION_DIR: path.join(dir, 'subscription'), ...testDatabaseEnv(path.join(dir, 'db')), ...SELLER,
  };
}

/** On PostgreSQL without the client tools the backup cannot be taken: the test is skipped, and its title says why. */
function skipWithoutPgDump(test: Mocha.Context, backup: { err: string }): void {
  if (!PG_URL || !backup.err.includes('pg_dump was not found')) return;
  test.test!.title += ' (skipped: pg_dump is not on PATH, install postgresql-client)';
  test.skip();
}

/** Every file under `dir` with its bytes and mode, by relative path. */
function tree(dir: string): Record<string, { hex: string; mode: number }> {
  const out: Record<string, { hex: string; mode: number }> = {};
  for (const rel of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const file = path.join(dir, rel);
    if (fs.statSync(file).isFile()) out[rel] = { hex: fs.readFileSync(file).toString('hex'), mode: fs.statSync(file).mode & 0o777 };
  }
  return out;
}

describe('npm run backup, backup:verify and restore', function () {
  this.timeout(180000);
  let ctx: TestContext;
  let out: string;
  let target: string;
  let restoredDb: Db | undefined;
  beforeEach(async () => {
    ctx = await createTestContext({ env: SELLER });
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'artisan-backups-'));
    target = fs.mkdtempSync(path.join(os.tmpdir(), 'artisan-restored-'));
  });
  afterEach(async () => {
    await restoredDb?.destroy();
    restoredDb = undefined;
    await ctx.close();
    fs.rmSync(out, { recursive: true, force: true });
    fs.rmSync(target, { recursive: true, force: true });
  });

  /** A partner with a recharge of `inst`, a trial license, a paid invoice, a course file; returns what the restore must give back. */
  async function populate(inst: TestInstallation) {
    const partnerId = await createAccount(ctx, 'p@example.fr');
    await credit(ctx, partnerId, 1000);
    const rechargeId = await recharge(await loginAgent(ctx, 'p@example.fr'), inst, 300);
    const license = await trial(ctx);
    await payingPartner(ctx, 'abonne@example.fr', await paidPlan(ctx));
    fs.mkdirSync(path.join(ctx.config.courses.dir, '1'), { recursive: true });
    fs.writeFileSync(path.join(ctx.config.courses.dir, '1', 'lesson.pdf'), '%PDF-1.4 leçon 1\n');
    // A client package's zip (its key in clear): left out of backups.
    fs.mkdirSync(path.join(ctx.config.packages.dir, '1'), { recursive: true });
    fs.writeFileSync(path.join(ctx.config.packages.dir, '1', 'artisan_nd-client-acme.zip'), 'PK API_KEY=sk_pro_secret');
    const chain = await ctx.handle.billing.invoices.verifyChain();
    expect(chain).to.deep.include({ ok: true });
    const { public_id: licenseId } = (await ctx.db('licenses').where({ machine_id: license.machineId }).first('public_id')) as { public_id: string };
    return { partnerId, rechargeId, licenseId, machineId: license.machineId, documents: (chain as { checked: number }).checked };
  }

  type Kind = 'dir' | 'tar.gz' | 'tar.gz.age';

  /** Back up (the kind asked), check the archive's listing and that a tampered copy is refused; returns the archive and its file list. */
  async function backUp(test: Mocha.Context, kind: Kind, source: Record<string, string>, made: { rechargeId: string }, identity: Identity) {
    const backup = await cli('backup.ts', ['--out', out, ...(kind === 'dir' ? ['--format', 'dir'] : [])], source, '');
    skipWithoutPgDump(test, backup);
    expect(backup.code, backup.err).to.equal(0);
    const archive = /Backup written: (\S+) /.exec(backup.out)![1]!;
    const top = path.basename(archive).replace(/\.tar\.gz(\.age)?$/, '');
    expect(path.basename(archive)).to.equal(kind === 'dir' ? top : `${top}.${kind}`);
    expect(fs.statSync(archive).isDirectory()).to.equal(kind === 'dir');
    expect(path.dirname(archive)).to.equal(out);
    expect(backup.out).to.include(`Older archives deleted (BACKUP_KEEP=2): ${OLD[0]}, ${OLD[1]}`);
    expect(fs.readdirSync(out).sort()).to.deep.equal([OLD[2], path.basename(archive), 'artisan-nd-backup-notes'].sort());
    const entries = kind === 'dir' ? undefined : await tarEntries(archive, kind === 'tar.gz.age' ? identity.secret : undefined);
    const manifestBytes = entries ? entries.get(`${top}/manifest.json`)! : fs.readFileSync(path.join(archive, 'manifest.json'));
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as Record<string, unknown>;
    expect(manifest).to.include({ portal_version: '0.1.0', node_version: process.version, database_client: PG_URL ? 'pg' : 'sqlite' });
    expect(String(manifest.migration_level)).to.match(/^\d{14}_[a-z0-9-]+$/);
    const listed = (manifest.files as { path: string }[]).map((f) => f.path);
    expect(listed).to.include.members(['db/session-secret', `subscription/encrypted_keys/${made.rechargeId}.bin`, 'files/courses/1/lesson.pdf',
      `subscription/keys/${ctx.keys.active.kid.toString('hex')}.key`, PG_URL ? 'db/database.pgdump' : 'db/database.sqlite']);
    expect(listed.filter((f) => f.startsWith('files/packages')), 'client package zips are not backed up').to.deep.equal([]);
    // `tar -xzf` gives back the directory archive: one folder, the manifest last.
    if (entries) expect([...entries.keys()]).to.deep.equal([...listed.map((f) => `${top}/${f}`), `${top}/manifest.json`]);
    await refusesTampered(kind, archive, identity, entries);
    return { archive, listed };
  }

  /** A tampered copy of the archive (or an encrypted one opened without its key) is refused, with a message and no stack trace. */
  async function refusesTampered(kind: Kind, archive: string, identity: Identity, entries: Map<string, Buffer> | undefined): Promise<void> {
    const refusal = async (args: string[], env: Record<string, string>, message: string) => {
      const res = await cli('backup-verify.ts', args, env, '');
      expect(res.code).to.equal(1);
      expect(res.err).to.include(`Backup NOT verified: ${message}`).and.not.match(/\n\s+at /);
    };
    const tampered = path.join(out, `tampered.${kind}`);
    if (kind === 'dir') {
      fs.cpSync(archive, tampered, { recursive: true });
      fs.appendFileSync(path.join(tampered, 'files', 'courses', '1', 'lesson.pdf'), 'x');
      await refusal([tampered], {}, 'files/courses/1/lesson.pdf: size');
    } else if (kind === 'tar.gz') {
      // The same size, one byte changed, the manifest untouched: only the hash can tell.
      const lesson = [...entries!.keys()].find((n) => n.endsWith('/files/courses/1/lesson.pdf'))!;
      const body = entries!.get(lesson)!;
      body.writeUInt8(body.readUInt8(0) ^ 1, 0);
      await writeTarGz(tampered, entries!);
      await refusal([tampered], {}, 'files/courses/1/lesson.pdf: SHA-256 does not match the manifest');
    } else {
      const bytes = fs.readFileSync(archive);
      bytes.writeUInt8(bytes.readUInt8(bytes.length - 40) ^ 1, bytes.length - 40);
      fs.writeFileSync(tampered, bytes);
      await refusal([tampered, '--identity', identity.file], {}, 'the encrypted archive cannot be read to its end, it is damaged or was altered');
      await refusal([archive], {}, 'the archive is encrypted: give the identity file with --identity FILE (or BACKUP_IDENTITY_FILE)');
      await refusal([archive, '--identity', identity.otherFile], {}, 'the identity does not open this archive (it was encrypted to another key)');
      await refusal([archive], { BACKUP_IDENTITY_FILE: path.join(ctx.dir, 'no-such-identity.txt') }, 'the identity file');
    }
    fs.rmSync(tampered, { recursive: true, force: true });
  }

  /** `restore` of an encrypted archive without its identity, or with another, is refused, changes nothing, shows no stack trace. */
  async function restoreRefusesWithoutKey(archive: string, identity: Identity, env: Record<string, string>): Promise<void> {
    const force = PG_URL ? ['--force'] : [];
    for (const [args, message] of [[[archive, ...force], 'the archive is encrypted: give the identity file with --identity FILE'],
      [[archive, '--identity', identity.otherFile, ...force], 'the identity does not open this archive']] as const) {
      const res = await cli('restore.ts', [...args], env, '');
      expect(res.code).to.equal(1);
      expect(res.err).to.include(`Restore refused: the archive does not verify: ${message}`).and.include('Nothing was changed.').and.not.match(/\n\s+at /);
    }
    expect(fs.existsSync(path.join(target, 'subscription')) || fs.existsSync(path.join(target, 'files'))).to.equal(false);
  }

  /** Start the restored instance's server; keytool trusts it, applies the key file signed before the backup and fetches one signed after. */
  async function keytoolAfterRestore(restoredEnv: Record<string, string>, keyFile: string, inst: TestInstallation, home: string): Promise<void> {
    const server = await startServer(restoredEnv);
    try {
      expect((await keytool(['trust', server.base, '--home', home])).code).to.equal(0);
      const applied = await keytool(['apply', keyFile, '--home', home]);
      expect(applied.code, applied.err).to.equal(0);
      expect(applied.out).to.contain('+300 units (serial 1), quota now 300');
      const agent = request.agent(server.base);
      const form = await agent.get('/subscription/login').expect(200);
      await agent.post('/subscription/login').type('form').send({ email: 'p@example.fr', password: PASSWORD, _csrf: csrfFrom(form.text) }).expect(303);
      await recharge(agent, inst, 100);
      const fetched = await keytool(['fetch', server.base, '--home', home]);
      expect(fetched.code, fetched.err).to.equal(0);
      expect(fetched.out).to.contain('+100 units (serial 2), quota now 400');
    } finally {
      await server.stop();
    }
  }

  for (const kind of ['tar.gz', 'tar.gz.age', 'dir'] as const) {
    it(`backs up a populated instance as ${kind}, verifies it, refuses a tampered copy, restores it into empty folders where keytool still accepts `
      + 'files signed after the restore, and prunes old archives', async function () {
      const identity = await newIdentity(ctx.dir);
      const source = { ...instanceEnv(ctx.dir), BACKUP_KEEP: '2', ...(kind === 'tar.gz.age' ? { BACKUP_RECIPIENT: identity.recipient } : {}) };
      const secret = resolveSessionSecret(loadConfig(source), pino({ level: 'silent' }));
      const home = path.join(ctx.dir, 'desktop');
      expect((await keytool(['init', '--home', home])).code).to.equal(0);
      const inst: TestInstallation = { secret: Buffer.alloc(0), code: '', formatted: (await keytool(['code', '--home', home])).out.trim() };
      const made = await populate(inst);
      fs.mkdirSync(path.join(out, OLD[0]!));
      fs.writeFileSync(path.join(out, OLD[1]!), 'old');
      fs.writeFileSync(path.join(out, OLD[2]!), 'old');
      fs.mkdirSync(path.join(out, 'artisan-nd-backup-notes'));

      const { archive, listed } = await backUp(this, kind, source, made, identity);
      const verified = await cli('backup-verify.ts', [archive], kind === 'tar.gz.age' ? { BACKUP_IDENTITY_FILE: identity.file } : {}, '');
      expect(verified.code, verified.err).to.equal(0);
      expect(verified.out).to.include(`Backup verified: ${listed.length} files`);

      // After the backup the source moves on; the restore must give back the balance as it was.
      const balance = await ctx.handle.ledger.balance(made.partnerId);
      if (PG_URL) await credit(ctx, made.partnerId, 50);
      const restoredEnv = instanceEnv(target);
      const args = [archive, ...(kind === 'tar.gz.age' ? ['--identity', identity.file] : []), ...(PG_URL ? ['--force'] : [])];
      if (kind === 'tar.gz.age') await restoreRefusesWithoutKey(archive, identity, restoredEnv);
      // A key the archive does not hold (made after the backup): moved out of the keys folder, not left beside the restored ones.
      const strayKey = path.join(target, 'subscription', 'keys', `${'ab'.repeat(8)}.key`);
      fs.mkdirSync(path.dirname(strayKey), { recursive: true, mode: 0o700 });
      fs.writeFileSync(strayKey, `${'00'.repeat(32)}\n`, { mode: 0o600 });
      const restored = await cli('restore.ts', args, restoredEnv, '');
      expect(restored.code, restored.err).to.equal(0);
      expect(restored.out).to.include(`${listed.length} files verified`).and.include('issuer keys: 1').and.match(/migrations: already current/);
      const aside = /issuer keys not in the archive: 1 moved to (\S+) /.exec(restored.out)?.[1];
      expect(aside, restored.out).to.match(/subscription\/keys\.replaced-\d{8}T\d{9}Z$/);
      expect(fs.readdirSync(aside!)).to.deep.equal([path.basename(strayKey)]);

      const config = loadConfig(restoredEnv);
      restoredDb = createDb(config.database);
      expect(await new LedgerService(restoredDb, ctx.clock, new AuditService(restoredDb, ctx.clock)).balance(made.partnerId)).to.equal(balance);
      expect(await restoredDb('licenses').where({ machine_id: made.machineId }).first('public_id')).to.deep.equal({ public_id: made.licenseId });
      const chain = await cli('billing-verify.ts', [], restoredEnv, '');
      expect(chain.code, chain.err).to.equal(0);
      expect(chain.out).to.include(`Chain intact: ${made.documents} documents checked.`);
      expect(fs.readFileSync(path.join(config.paths.keyFiles, `${made.rechargeId}.bin`)))
        .to.deep.equal(fs.readFileSync(path.join(ctx.config.paths.keyFiles, `${made.rechargeId}.bin`)));
      expect(tree(config.paths.keys)).to.deep.equal(tree(ctx.config.paths.keys));
      expect(Object.values(tree(config.paths.keys)).map((f) => f.mode)).to.deep.equal([0o600]);
      const withoutPackages = (t: Record<string, unknown>) => Object.fromEntries(Object.entries(t).filter(([k]) => !k.startsWith('packages/')));
      expect(tree(config.paths.files)).to.deep.equal(withoutPackages(tree(ctx.config.paths.files)));
      expect(resolveSessionSecret(config, pino({ level: 'silent' }))).to.equal(secret);
      const keys = new IssuerKeys(restoredDb, ctx.clock, config.paths.keys);
      await keys.init();
      expect(keys.active.kid.toString('hex'), 'the restored instance signs with the same issuer key').to.equal(ctx.keys.active.kid.toString('hex'));

      await keytoolAfterRestore(restoredEnv, path.join(config.paths.keyFiles, `${made.rechargeId}.bin`), inst, home);
      expect(await new LedgerService(restoredDb, ctx.clock, new AuditService(restoredDb, ctx.clock)).balance(made.partnerId)).to.equal(balance - 100);
    });
  }

  it('refuses to restore over a database that is not empty, being written, or used by a running server, and changes nothing', async function () {
    await createAccount(ctx, 'p@example.fr');
    const backup = await cli('backup.ts', ['--out', out], instanceEnv(ctx.dir), '');
    skipWithoutPgDump(this, backup);
    expect(backup.code, backup.err).to.equal(0);
    const archive = /Backup written: (\S+) /.exec(backup.out)![1]!;
    const env = instanceEnv(target);
    const unmark = markServer(path.join(target, 'db'));
    let running;
    try {
      running = await cli('restore.ts', [archive, '--force'], env, '');
    } finally {
      unmark();
    }
    expect(running.code).to.equal(1);
    expect(running.err).to.include(`a server is running on this database (pid ${process.pid}`).and.include('Nothing was changed.');
    expect(fs.existsSync(path.join(target, 'subscription'))).to.equal(false);
    if (PG_URL) {
      // A server on another host leaves no mark here; its connections (application_name) are seen in pg_stat_activity.
      const database = loadConfig(env).database;
      const server = createDb(database, 'server');
      let connected;
      try {
        await server.raw('SELECT 1');
        connected = await cli('restore.ts', [archive, '--force'], env, '');
      } finally {
        await server.destroy();
      }
      expect(connected.code).to.equal(1);
      expect(connected.err).to.match(/Restore refused: a server is connected to this database \(backend \d+/)
        .and.include(`application_name ${pgApplicationName(PG_SCHEMA, 'server')}): stop every server first`).and.include('Nothing was changed.');
      expect(fs.existsSync(path.join(target, 'subscription'))).to.equal(false);
    }
    if (!PG_URL) {
      expect((await cli('restore.ts', [archive], env, '')).code).to.equal(0);
      // A write under way on the restored file (another process's transaction) is seen through BEGIN EXCLUSIVE.
      restoredDb = createDb(loadConfig(env).database);
      const writer = restoredDb.transaction();
      const trx = await writer;
      await trx('accounts').where({ email: 'p@example.fr' }).update({ email: 'p2@example.fr' });
      const busy = await cli('restore.ts', [archive, '--force'], env, '');
      await trx.rollback();
      expect(busy.code).to.equal(1);
      expect(busy.err).to.include('is being written by another process: stop it first');
    }
    const again = await cli('restore.ts', [archive], env, '');
    expect(again.code).to.equal(1);
    expect(again.err).to.match(/Restore refused: the target database is not empty \(\d+ tables\): restore into an empty one, or add --force/);
  });

  it('asks for a destination when neither --out nor BACKUP_DIR is given', async () => {
    const res = await cli('backup.ts', [], instanceEnv(ctx.dir), '');
    expect(res.code).to.equal(1);
    expect(res.err).to.include('No destination: give --out DIR or set BACKUP_DIR.');
  });
});
