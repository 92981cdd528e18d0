/**
 * `restoreArchive`: verify the archive, refuse a database in use (a live
 * server's mark in DB_DIR, src/ops/server-pid.ts; on PostgreSQL a server of any
 * host connected to the database, seen in pg_stat_activity by its
 * application_name; on SQLite a write under way) or one that already holds
 * tables (unless `force`), then put back the database, the session secret, the
 * issuer keys (0600; keys of the folder that the archive does not hold are
 * moved aside, so the folder equals the archive's), the key-file copies and the
 * files tree (merged into what is there), and run the pending migrations.
 * Returns what it did.
 *
 * A `.tar.gz` (or `.tar.gz.age`) archive is first unpacked and verified in a 0700
 * folder under DB_DIR (`.restore-staging-<host>.<pid>.<random>`: it needs room for
 * the archive's files), removed afterwards; the staging folders of dead restores
 * are swept first (src/ops/staging.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/index.js';
import { createDb, migrate, pgApplicationName } from '../platform/db.js';
import { copyTree, listFiles, PARTS, type Manifest } from './archive.js';
import { pgBackendsNamed, sqliteBusy, tableCount } from './ops.repository.js';
import { pgRestore } from './pg-tools.js';
import { runningServers } from './server-pid.js';
import { makeScratch, removeScratch, RESTORE_STAGING, scratchOwner, sweepStale } from './staging.js';
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

/** How long a server's connection may take to disappear once it stopped (its backend ends just after the client). */
const BACKEND_GONE_MS = 3000;

/** PostgreSQL: the server connections (of any host) on the target database and schema, after waiting a little for ones closing. */
async function pgServers(config: Readonly<Config>): Promise<{ pid: number; client: string | null }[]> {
  const database = config.database;
  if (database.client !== 'pg') return [];
  const knex = createDb(database);
  try {
    const name = pgApplicationName(database.schema, 'server');
    const deadline = Date.now() + BACKEND_GONE_MS;
    for (;;) {
      const found = await pgBackendsNamed(knex, name);
      if (!found.length || Date.now() > deadline) return found;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await knex.destroy();
  }
}

async function checkNoServer(config: Readonly<Config>): Promise<void> {
  const pids = runningServers(config.paths.db);
  if (pids.length) throw new RestoreRefused(`a server is running on this database (pid ${pids.join(', ')}, marked in ${config.paths.db}): stop it first`);
  const backends = await pgServers(config);
  if (backends.length) {
    const from = backends.map((b) => `backend ${b.pid}${b.client ? ` from ${b.client}` : ''}`).join(', ');
    throw new RestoreRefused(`a server is connected to this database (${from}, application_name `
      + `${pgApplicationName(config.database.client === 'pg' ? config.database.schema : undefined, 'server')}): stop every server first`);
  }
}

async function checkTarget(config: Readonly<Config>, manifest: Manifest, force: boolean): Promise<void> {
  const db = config.database;
  if (manifest.database_client !== db.client) {
    throw new RestoreRefused(`the archive holds a ${manifest.database_client} database and the configuration names a ${db.client} one`);
  }
  if (db.client === 'pg' && (manifest.database_schema ?? null) !== (db.schema ?? null)) {
    throw new RestoreRefused(`the archive was taken from schema ${manifest.database_schema ?? '(default)'}; DATABASE_SCHEMA is ${db.schema ?? '(default)'}`);
  }
  await checkNoServer(config);
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
  done.push(...restoreKeys(config, archive));
  done.push(`key-file copies: ${copyTree(path.join(archive, PARTS.keyFiles), config.paths.keyFiles).length} in ${config.paths.keyFiles}`);
  done.push(`files: ${copyTree(path.join(archive, PARTS.files), config.paths.files).length} in ${config.paths.files}`);
  return done;
}

/**
 * Put the archive's issuer keys in place (0600). Files of the keys folder the archive does not hold (a key made after
 * the backup, unknown to the restored database) are moved to a sibling `keys.replaced-<time>` folder rather than
 * deleted, so no secret is lost by restoring the wrong archive.
 */
function restoreKeys(config: Readonly<Config>, archive: string): string[] {
  const from = path.join(archive, PARTS.keys);
  const incoming = new Set(listFiles(from));
  const stray = listFiles(config.paths.keys).filter((rel) => !incoming.has(rel));
  const done: string[] = [];
  if (stray.length) {
    const aside = path.join(path.dirname(config.paths.keys), `${path.basename(config.paths.keys)}.replaced-${new Date().toISOString().replace(/[-:.]/g, '')}`);
    for (const rel of stray) {
      fs.mkdirSync(path.dirname(path.join(aside, rel)), { recursive: true, mode: 0o700 });
      fs.renameSync(path.join(config.paths.keys, rel), path.join(aside, rel));
    }
    done.push(`issuer keys not in the archive: ${stray.length} moved to ${aside} (delete it once the restore is checked)`);
  }
  const keys = copyTree(from, config.paths.keys, undefined, 0o700);
  for (const rel of keys) fs.chmodSync(path.join(config.paths.keys, rel), 0o600);
  done.unshift(`issuer keys: ${keys.length} in ${config.paths.keys} (mode 0600)`);
  return done;
}

/**
 * Verify `archive`, its scratch copies under `staging` (a folder under DB_DIR); a file is unpacked into
 * `staging/archive`, which the restore then reads.
 */
async function openVerified(archive: string, identityFile: string | undefined, staging: string): Promise<{ dir: string; verified: Verification }> {
  if (!fs.existsSync(archive) || !fs.statSync(archive).isFile()) return { dir: archive, verified: await verifyArchive(archive, { scratchParent: staging }) };
  const dir = path.join(staging, 'archive');
  fs.mkdirSync(dir, { mode: 0o700 });
  return { dir, verified: await unpackArchive(archive, dir, { identityFile, scratchParent: staging }) };
}

/** Restore `archive` (a directory, `.tar.gz` or `.tar.gz.age`) into the configured database and folders; returns the report's lines. */
export async function restoreArchive({ config, archive, force, identityFile }: RestoreOptions): Promise<string[]> {
  await checkNoServer(config); // before unpacking a large archive for nothing; checked again with the rest below
  // What a restore killed before its `finally` left (a plaintext database, keys): swept before anything else.
  sweepStale(config.paths.db, scratchOwner(RESTORE_STAGING));
  const staging = makeScratch(config.paths.db, RESTORE_STAGING);
  try {
    const { dir, verified } = await openVerified(archive, identityFile, staging);
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
    removeScratch(staging);
  }
}
