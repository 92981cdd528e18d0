/**
 * Where backups, verifications and restores keep their plaintext scratch copies (src/ops/staging.ts), and what a
 * backup does with files that change under it: an encrypted backup stages its database copy under DB_DIR, never in
 * the backup folder; leftovers of dead backups are swept, a live backup's are not; a file deleted between the listing
 * and its reading is left out and reported, `*.part` files are never archived; SIGINT during a restore or a
 * verification removes the decrypted copies and exits with code 130.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { expect } from 'chai';
import { createBackup, verifyArchive } from '../../../src/ops/index.js';
import { findOnPath } from '../../../src/ops/pg-tools.js';
import { ownerTag } from '../../../src/ops/staging.js';
import { createTestContext, REPO_ROOT, type TestContext } from '../../helpers/context.js';
import { PG_URL, testDatabaseEnv } from '../../helpers/db.js';
import { waitFor } from '../../helpers/wait.js';

/** A pid no process has (above any pid_max): its scratch folders are stale. */
const DEAD_PID = 999_999_999;
const host = ownerTag().slice(0, ownerTag().lastIndexOf('.'));

/** Every path under `dir` (folders and files), relative. */
function walk(dir: string): string[] {
  return fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).sort() : [];
}

describe('backup and restore scratch folders', function () {
  this.timeout(120000);
  let ctx: TestContext;
  let out: string;
  beforeEach(async function () {
    if (PG_URL && !findOnPath('pg_dump')) this.skip();
    ctx = await createTestContext();
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'artisan-staging-out-'));
  });
  afterEach(async () => {
    await ctx?.close();
    if (out) fs.rmSync(out, { recursive: true, force: true });
  });

  it('stages an encrypted backup\'s database copy in a 0700 folder under DB_DIR, never in the backup folder, and removes it', async () => {
    const recipient = await identityToRecipient(await generateX25519Identity());
    const during: { out: string[]; staging: string[]; mode: number }[] = [];
    const report = await createBackup({ config: ctx.config, db: ctx.db, now: new Date(), listed: () => {
      const staging = fs.readdirSync(ctx.config.paths.db).filter((n) => n.startsWith('.backup-staging-'));
      const dir = path.join(ctx.config.paths.db, staging[0] ?? 'none');
      during.push({ out: walk(out), staging: walk(dir), mode: fs.existsSync(dir) ? fs.statSync(dir).mode & 0o777 : 0 });
    } }, out, 5, { format: 'tar.gz', recipient });
    expect(during, 'the sources were listed once').to.have.length(1);
    expect(during[0]!.out, 'nothing in the backup folder while the database copy exists').to.deep.equal([]);
    expect(during[0]!.staging).to.include(PG_URL ? path.join('db', 'database.pgdump') : path.join('db', 'database.sqlite'));
    expect(during[0]!.mode).to.equal(0o700);
    expect(fs.readdirSync(out)).to.deep.equal([path.basename(report.archive)]);
    expect(report.archive).to.match(/\.tar\.gz\.age$/);
    expect(fs.readdirSync(ctx.config.paths.db).filter((n) => n.startsWith('.backup-staging-'))).to.deep.equal([]);
  });

  it('sweeps the staging folders and partial archives of dead backups, and leaves those of a live process', async () => {
    const db = ctx.config.paths.db;
    const stale = [`.backup-staging-${host}.${DEAD_PID}.abc123`];
    const live = `.backup-staging-${host}.${process.ppid}.def456`;
    for (const name of [...stale, live]) fs.mkdirSync(path.join(db, name, 'db'), { recursive: true });
    fs.writeFileSync(path.join(db, stale[0]!, 'db', 'database.sqlite'), 'plaintext');
    // Partial archives: an older version's (no owner), a dead process's, a live one's.
    const old = '.artisan-nd-backup-20200101T000000000Z.partial';
    fs.mkdirSync(path.join(out, old, 'db'), { recursive: true });
    fs.writeFileSync(path.join(out, old, 'db', 'database.sqlite'), 'plaintext');
    const dead = `.artisan-nd-backup-20200102T000000000Z.tar.gz.age.${host}.${DEAD_PID}.partial`;
    const running = `.artisan-nd-backup-20200103T000000000Z.tar.gz.${host}.${process.ppid}.partial`;
    fs.writeFileSync(path.join(out, dead), 'x');
    fs.writeFileSync(path.join(out, running), 'x');

    const report = await createBackup({ config: ctx.config, db: ctx.db, now: new Date() }, out, 5, { format: 'tar.gz' });
    expect(report.swept.map((p) => path.basename(p)).sort()).to.deep.equal([...stale, old, dead].sort());
    expect(fs.readdirSync(db).filter((n) => n.startsWith('.backup-staging-'))).to.deep.equal([live]);
    expect(fs.readdirSync(out).sort()).to.deep.equal([running, path.basename(report.archive)].sort());
  });

  for (const format of ['tar.gz', 'dir'] as const) {
    it(`leaves out of a ${format} archive a file deleted after the listing, and *.part files, and names the file skipped`, async () => {
      const files = ctx.config.paths.files;
      fs.mkdirSync(path.join(files, 'uploads'), { recursive: true });
      fs.mkdirSync(path.join(files, 'courses', '1'), { recursive: true });
      fs.writeFileSync(path.join(files, 'uploads', 'page.png'), 'png');
      fs.writeFileSync(path.join(files, 'uploads', `.page2.png.${crypto.randomUUID()}.part`), 'half an image');
      fs.writeFileSync(path.join(files, 'courses', '1', 'gone.pdf'), '%PDF');
      const report = await createBackup({ config: ctx.config, db: ctx.db, now: new Date(), listed: (sources) => {
        expect(sources.map((s) => s.rel)).to.include('files/courses/1/gone.pdf');
        fs.rmSync(path.join(files, 'courses', '1', 'gone.pdf'));
      } }, out, 5, { format });
      const listed = report.manifest.files.map((f) => f.path);
      expect(listed).to.include('files/uploads/page.png');
      expect(listed.filter((f) => f.endsWith('.part') || f.endsWith('gone.pdf'))).to.deep.equal([]);
      expect(report.skipped).to.deep.equal(['files/courses/1/gone.pdf']);
      expect(await verifyArchive(report.archive)).to.deep.include({ ok: true });
    });
  }

  /** Start `script` with `args`; once `ready()` answers true, stop it, send SIGINT and let it go on; returns its exit and stderr. */
  async function interrupt(script: string, args: string[], env: Record<string, string>, ready: () => boolean) {
    const child = spawn(process.execPath, ['--import', 'tsx', `src/cli/${script}`, ...args], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
    let err = '';
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    child.stdout.resume();
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    await waitFor(() => ready() || child.exitCode !== null, { timeout: 30000, interval: 2, what: `${script} unpacking` });
    // Frozen where it stands (mid-unpack), so the signal cannot arrive after the work is done.
    child.kill('SIGSTOP');
    child.kill('SIGINT');
    child.kill('SIGCONT');
    return { ...(await exited), err: () => err };
  }

  /** A backup of the context with a 16 MiB file that takes a while to unpack. */
  async function bigArchive(recipient?: string): Promise<string> {
    fs.mkdirSync(path.join(ctx.config.paths.files, 'courses', '1'), { recursive: true });
    fs.writeFileSync(path.join(ctx.config.paths.files, 'courses', '1', 'video.mp4'), crypto.randomBytes(16 << 20));
    return (await createBackup({ config: ctx.config, db: ctx.db, now: new Date() }, out, 5, { format: 'tar.gz', recipient })).archive;
  }

  it('restores through a 0700 folder under DB_DIR, sweeps a dead restore\'s, and removes its own on SIGINT (exit 130)', async () => {
    const archive = await bigArchive();
    const target = path.join(ctx.dir, 'target');
    const dbDir = path.join(target, 'db');
    const stale = `.restore-staging-${host}.${DEAD_PID}.abc123`;
    fs.mkdirSync(path.join(dbDir, stale, 'archive'), { recursive: true });
    const env = { NODE_ENV: 'test', LOG_LEVEL: 'silent', DB_DIR: dbDir, FILES_DIR: path.join(target, 'files'), LOGS_DIR: path.join(target, 'logs'),
      SUBSCRIPTION_DIR: path.join(target, 'subscription'), TMPDIR: path.join(target, 'tmp'), ...testDatabaseEnv(dbDir) };
    fs.mkdirSync(env.TMPDIR);
    const staging = () => fs.readdirSync(dbDir).filter((n) => n.startsWith('.restore-staging-') && n !== stale);
    const res = await interrupt('restore.ts', [archive, '--force'], env, () => {
      const dir = staging()[0];
      return dir !== undefined && fs.existsSync(path.join(dbDir, dir, 'archive', 'files')) && (fs.statSync(path.join(dbDir, dir)).mode & 0o777) === 0o700;
    });
    expect(res, res.err()).to.deep.include({ code: 130 });
    expect(res.err()).to.include('Restore interrupted').and.include('its temporary files were removed');
    expect(fs.readdirSync(dbDir).filter((n) => n.startsWith('.restore-staging-')), 'the dead restore\'s folder is swept too').to.deep.equal([]);
    expect(fs.readdirSync(env.TMPDIR).filter((n) => n.startsWith('artisan-')), 'nothing of the archive under TMPDIR').to.deep.equal([]);
    expect(fs.existsSync(path.join(target, 'subscription'))).to.equal(false);
  });

  it('removes a verification\'s decrypted copies from TMPDIR on SIGINT (exit 130)', async () => {
    const identity = await generateX25519Identity();
    const archive = await bigArchive(await identityToRecipient(identity));
    const identityFile = path.join(ctx.dir, 'identity.txt');
    fs.writeFileSync(identityFile, `${identity}\n`, { mode: 0o600 });
    const tmp = path.join(ctx.dir, 'tmp');
    fs.mkdirSync(tmp);
    const res = await interrupt('backup-verify.ts', [archive, '--identity', identityFile], { TMPDIR: tmp },
      () => fs.readdirSync(tmp).some((n) => n.startsWith('artisan-verify-')));
    expect(res, res.err()).to.deep.include({ code: 130 });
    expect(res.err()).to.include('Verification interrupted');
    expect(fs.readdirSync(tmp).filter((n) => n.startsWith('artisan-'))).to.deep.equal([]);
  });
});
