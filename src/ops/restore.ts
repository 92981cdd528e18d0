/**
 * `restoreArchive`: verify the archive, refuse a database in use (a live
 * server's mark in DB_DIR, src/ops/server-pid.ts, or, on SQLite, a write under
 * way) or one that already holds tables (unless `force`), then put back the
 * database, the session secret, the issuer keys (0600), the key-file copies
 * and the files tree, and run the pending migrations. Returns what it did.
 * A `.tar.gz` (or `.tar.gz.age`) archive is first unpacked and verified in a
 * temporary folder under TMPDIR (it needs room for the archive's files), removed afterwards.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config/index.js';
import { createDb, migrate } from '../platform/db.js';
import { copyTree, PARTS, type Manifest } from './archive.js';
import { sqliteBusy, tableCount } from './ops.repository.js';
import { pgRestore } from './pg-tools.js';
import { runningServers } from './server-pid.js';
import { unpackArchive, verifyArchive, type Verification } from './verify.js';

/** A refusal: nothing was changed. */
export class RestoreRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreRefused';
  }
}

export interface RestoreOptions {
  config: Readonly<Config>;
  archive: string;
  force: boolean;
  /** The file holding the AGE-SECRET-KEY-1… an encrypted archive needs. */
  identityFile?: string | undefined;
}

function checkNoServer(config: Readonly<Config>): void {
  const pids = runningServers(config.paths.db);
  if (pids.length) throw new RestoreRefused(`a server is running on this database (pid ${pids.join(', ')}, marked in ${config.paths.db}): stop it first`);
}

async function checkTarget(config: Readonly<Config>, manifest: Manifest, force: boolean): Promise<void> {
  const db = config.database;
  if (manifest.database_client !== db.client) {
    throw new RestoreRefused(`the archive holds a ${manifest.database_client} database and the configuration names a ${db.client} one`);
  }
  if (db.client === 'pg' && (manifest.database_schema ?? null) !== (db.schema ?? null)) {
    throw new RestoreRefused(`the archive was taken from schema ${manifest.database_schema ?? '(default)'}; DATABASE_SCHEMA is ${db.schema ?? '(default)'}`);
  }
  checkNoServer(config);
  if (db.client === 'sqlite' && !fs.existsSync(db.filename)) return;
  if (db.client === 'sqlite' && await sqliteBusy(db.filename)) throw new RestoreRefused(`${db.filename} is being written by another process: stop it first`);
  const knex = createDb(db);
  try {
    const tables = await tableCount(knex, db);
    if (tables > 0 && !force) {
      throw new RestoreRefused(`the target database is not empty (${tables} tables): restore into an empty one, or add --force to replace it`);
    }
  } finally {
    await knex.destroy();
  }
}

async function restoreDatabase(config: Readonly<Config>, archive: string): Promise<string> {
  const db = config.database;
  if (db.client === 'pg') {
    await pgRestore(db.url, path.join(archive, PARTS.pgDump));
    return `database: pg_restore --clean of ${PARTS.pgDump}${db.schema ? ` into schema ${db.schema}` : ''}`;
  }
  fs.mkdirSync(path.dirname(db.filename), { recursive: true });
  const tmp = `${db.filename}.restoring`;
  fs.copyFileSync(path.join(archive, PARTS.sqlite), tmp);
  fs.chmodSync(tmp, 0o600);
  // A WAL left by the replaced database would be replayed onto the restored one.
  for (const suffix of ['-wal', '-shm', '-journal']) fs.rmSync(`${db.filename}${suffix}`, { force: true });
  fs.renameSync(tmp, db.filename);
  return `database: ${db.filename} (SQLite copy)`;
}

function restoreFiles(config: Readonly<Config>, archive: string): string[] {
  const done: string[] = [];
  const secret = path.join(archive, PARTS.sessionSecret);
  if (fs.existsSync(secret)) {
    fs.mkdirSync(config.paths.db, { recursive: true });
    const to = path.join(config.paths.db, 'session-secret');
    fs.copyFileSync(secret, to);
    fs.chmodSync(to, 0o600);
    done.push(`session secret: ${to}`);
  }
  const keys = copyTree(path.join(archive, PARTS.keys), config.paths.keys, undefined, 0o700);
  for (const rel of keys) fs.chmodSync(path.join(config.paths.keys, rel), 0o600);
  done.push(`issuer keys: ${keys.length} in ${config.paths.keys} (mode 0600)`);
  done.push(`key-file copies: ${copyTree(path.join(archive, PARTS.keyFiles), config.paths.keyFiles).length} in ${config.paths.keyFiles}`);
  done.push(`files: ${copyTree(path.join(archive, PARTS.files), config.paths.files).length} in ${config.paths.files}`);
  return done;
}

/** Verify `archive`; a file is unpacked into a temporary folder (`staging`, to remove) that the restore then reads. */
async function openVerified(archive: string, identityFile: string | undefined): Promise<{ dir: string; staging?: string; verified: Verification }> {
  if (!fs.existsSync(archive) || !fs.statSync(archive).isFile()) return { dir: archive, verified: await verifyArchive(archive) };
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'artisan-restore-'));
  try {
    return { dir: staging, staging, verified: await unpackArchive(archive, staging, { identityFile }) };
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

/** Restore `archive` (a directory, `.tar.gz` or `.tar.gz.age`) into the configured database and folders; returns the report's lines. */
export async function restoreArchive({ config, archive, force, identityFile }: RestoreOptions): Promise<string[]> {
  checkNoServer(config); // before unpacking a large archive for nothing; checked again with the rest below
  const { dir, staging, verified } = await openVerified(archive, identityFile);
  try {
    if (!verified.ok) throw new RestoreRefused(`the archive does not verify: ${verified.problem}`);
    const { manifest } = verified;
    await checkTarget(config, manifest, force);
    const report = [`archive: ${archive} (${verified.files} files verified, taken ${manifest.created_at}, portal ${manifest.portal_version}, `
      + `migration ${manifest.migration_level ?? 'none'})`];
    report.push(await restoreDatabase(config, dir));
    report.push(...restoreFiles(config, dir));
    const db = createDb(config.database);
    try {
      const applied = await migrate(db, config.database, config.paths.migrations);
      report.push(applied.length ? `migrations applied: ${applied.join(', ')}` : 'migrations: already current');
    } finally {
      await db.destroy();
    }
    return report;
  } finally {
    if (staging) fs.rmSync(staging, { recursive: true, force: true });
  }
}
