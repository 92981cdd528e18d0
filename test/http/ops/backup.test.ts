/**
 * npm run backup, backup:verify and restore, as an operator runs them: a
 * populated instance (a partner's recharge and its key file, a license issued
 * by the API, a paid subscription invoice, course and release files) is backed
 * up, the archive verified and a tampered copy refused, then restored into
 * empty folders; the restored instance has the same balance, invoice chain,
 * key-file bytes, issuer keys and files. Old archives beyond BACKUP_KEEP go.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { AuditService } from '../../../src/audit/index.js';
import { loadConfig } from '../../../src/config/index.js';
import { resolveSessionSecret } from '../../../src/config/session-secret.js';
import { IssuerKeys } from '../../../src/keys/index.js';
import { markServer } from '../../../src/ops/index.js';
import { createDb, type Db } from '../../../src/platform/db.js';
import { LedgerService } from '../../../src/recharge/index.js';
import { pino } from 'pino';
import { createAccount, loginAgent } from '../../helpers/accounts.js';
import { cli } from '../../helpers/cli.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { PG_URL, testDatabaseEnv } from '../../helpers/db.js';
import { trial } from '../../helpers/licenses.js';
import { credit, newInstallation, recharge } from '../../helpers/recharge.js';
import { paidPlan, payingPartner } from '../../helpers/subscriptions.js';

const SELLER = { BILLING_SELLER_NAME: 'Artisan ND SAS', BILLING_SELLER_ADDRESS: '12 rue des Imprimeurs, 69001 Lyon', BILLING_SELLER_SIRET: '12345678900012' };
const OLD = ['artisan-nd-backup-20200101T000000000Z', 'artisan-nd-backup-20200102T000000000Z', 'artisan-nd-backup-20200103T000000000Z'];

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

  /** A partner with a recharge, a trial license, a paid invoice, a course file; returns what the restore must give back. */
  async function populate() {
    const partnerId = await createAccount(ctx, 'p@example.fr');
    await credit(ctx, partnerId, 1000);
    const rechargeId = await recharge(await loginAgent(ctx, 'p@example.fr'), newInstallation(), 300);
    const license = await trial(ctx);
    await payingPartner(ctx, 'abonne@example.fr', await paidPlan(ctx));
    fs.mkdirSync(path.join(ctx.config.courses.dir, '1'), { recursive: true });
    fs.writeFileSync(path.join(ctx.config.courses.dir, '1', 'lesson.pdf'), '%PDF-1.4 leçon 1\n');
    const chain = await ctx.handle.billing.invoices.verifyChain();
    expect(chain).to.deep.include({ ok: true });
    const { public_id: licenseId } = (await ctx.db('licenses').where({ machine_id: license.machineId }).first('public_id')) as { public_id: string };
    return { partnerId, rechargeId, licenseId, machineId: license.machineId, documents: (chain as { checked: number }).checked };
  }

  it('backs up a populated instance, verifies it, refuses a tampered copy, restores it into empty folders and prunes old archives', async function () {
    const source = { ...instanceEnv(ctx.dir), BACKUP_KEEP: '2' };
    const secret = resolveSessionSecret(loadConfig(source), pino({ level: 'silent' }));
    const made = await populate();
    for (const name of OLD) fs.mkdirSync(path.join(out, name));
    fs.mkdirSync(path.join(out, 'artisan-nd-backup-notes'));

    const backup = await cli('backup.ts', ['--out', out], source, '');
    skipWithoutPgDump(this, backup);
    expect(backup.code, backup.err).to.equal(0);
    const archive = /Backup written: (\S+) /.exec(backup.out)![1]!;
    expect(path.dirname(archive)).to.equal(out);
    expect(backup.out).to.include(`Older archives deleted (BACKUP_KEEP=2): ${OLD[0]}, ${OLD[1]}`);
    expect(fs.readdirSync(out).sort()).to.deep.equal([OLD[2], path.basename(archive), 'artisan-nd-backup-notes'].sort());
    const manifest = JSON.parse(fs.readFileSync(path.join(archive, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).to.include({ portal_version: '0.1.0', node_version: process.version, database_client: PG_URL ? 'pg' : 'sqlite' });
    expect(String(manifest.migration_level)).to.match(/^\d{14}_[a-z0-9-]+$/);
    const listed = (manifest.files as { path: string }[]).map((f) => f.path);
    expect(listed).to.include.members(['db/session-secret', `subscription/encrypted_keys/${made.rechargeId}.bin`, 'files/courses/1/lesson.pdf',
      `subscription/keys/${ctx.keys.active.kid.toString('hex')}.key`, PG_URL ? 'db/database.pgdump' : 'db/database.sqlite']);

    const verified = await cli('backup-verify.ts', [archive], {}, '');
    expect(verified.code, verified.err).to.equal(0);
    expect(verified.out).to.include(`Backup verified: ${listed.length} files`);
    const tampered = path.join(out, 'tampered');
    fs.cpSync(archive, tampered, { recursive: true });
    fs.appendFileSync(path.join(tampered, 'files', 'courses', '1', 'lesson.pdf'), 'x');
    const refused = await cli('backup-verify.ts', [tampered], {}, '');
    expect(refused.code).to.equal(1);
    expect(refused.err).to.include('files/courses/1/lesson.pdf');

    // After the backup the source moves on; the restore must give back the balance as it was.
    const balance = await ctx.handle.ledger.balance(made.partnerId);
    if (PG_URL) await credit(ctx, made.partnerId, 50);
    const restoredEnv = instanceEnv(target);
    const restored = await cli('restore.ts', [archive, ...(PG_URL ? ['--force'] : [])], restoredEnv, '');
    expect(restored.code, restored.err).to.equal(0);
    expect(restored.out).to.include(`${listed.length} files verified`).and.include('issuer keys: 1').and.match(/migrations: already current/);

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
    expect(tree(config.paths.files)).to.deep.equal(tree(ctx.config.paths.files));
    expect(resolveSessionSecret(config, pino({ level: 'silent' }))).to.equal(secret);
    const keys = new IssuerKeys(restoredDb, ctx.clock, config.paths.keys);
    await keys.init();
    expect(keys.active.kid.toString('hex'), 'the restored instance signs with the same issuer key').to.equal(ctx.keys.active.kid.toString('hex'));
  });

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
