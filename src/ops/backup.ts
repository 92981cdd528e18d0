/**
 * `createBackup`: one archive (src/ops/archive.ts) under `outDir`: a `.tar.gz`
 * file (`.tar.gz.age` when encrypted to an age recipient), or a directory,
 * written under a hidden `.partial` name and renamed when complete, so an
 * interrupted backup never looks like an archive. Then the archives beyond
 * the newest `keep` are deleted (only names matching the archive pattern,
 * files and directories counted together).
 *
 * The database copy is consistent while the server runs: SQLite's
 * `VACUUM INTO` reads one snapshot; `pg_dump` runs in one transaction.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { BackupFormat, Config } from '../config/index.js';
import { onceAcrossInstances, type Db } from '../platform/db.js';
import {
  ARCHIVE_ENTRY, archiveName, copyTree, describeFiles, listFiles, MANIFEST, MANIFEST_FORMAT, PARTS, type Manifest, type ManifestFile,
} from './archive.js';
import { AGE_SUFFIX, TAR_SUFFIX, writeTarArchive, type TarSource } from './archive-file.js';
import { migrationLevel, sqliteIntegrity, vacuumInto } from './ops.repository.js';
import { pgDump } from './pg-tools.js';

export interface BackupDeps {
  config: Readonly<Config>;
  db: Db;
  now: Date;
}

export interface BackupReport {
  archive: string;
  manifest: Manifest;
  pruned: string[];
}

/** Folders of the files tree never worth keeping: uploads under way, scratch copies. */
const SCRATCH = (rel: string) => rel === '.tmp' || rel === 'tmp';

function portalVersion(root: string): string {
  return (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

async function copyDatabase({ config, db }: BackupDeps, into: string): Promise<void> {
  fs.mkdirSync(path.join(into, 'db'), { recursive: true, mode: 0o700 });
  if (config.database.client === 'pg') {
    await pgDump(config.database.url, config.database.schema, path.join(into, PARTS.pgDump));
    return;
  }
  const copy = path.join(into, PARTS.sqlite);
  await vacuumInto(db, copy);
  const check = await sqliteIntegrity(copy);
  if (check.join() !== 'ok') throw new Error(`the database copy fails PRAGMA integrity_check: ${check.slice(0, 5).join('; ')}`);
  fs.chmodSync(copy, 0o600);
}

/** The session secret kept by the portal itself (src/config/session-secret.ts); none when SESSION_SECRET is set. */
function copySessionSecret(config: Readonly<Config>, into: string): void {
  const file = path.join(config.paths.db, 'session-secret');
  if (config.sessionSecret || !fs.existsSync(file)) return;
  fs.copyFileSync(file, path.join(into, PARTS.sessionSecret));
  fs.chmodSync(path.join(into, PARTS.sessionSecret), 0o600);
}

/** The archive's form, and the age X25519 recipient (`age1…`) a tar.gz is encrypted to (undefined: not encrypted). */
export interface BackupOptions { format: BackupFormat; recipient?: string | undefined }

/** The manifest of an archive holding `files`. */
async function manifestOf({ config, db, now }: BackupDeps): Promise<(files: ManifestFile[]) => Manifest> {
  const meta = {
    format: MANIFEST_FORMAT,
    portal_version: portalVersion(config.paths.root),
    node_version: process.version,
    database_client: config.database.client,
    database_schema: config.database.client === 'pg' ? config.database.schema ?? null : null,
    migration_level: await migrationLevel(db),
    created_at: now.toISOString(),
  };
  return (files) => ({ ...meta, files });
}

/**
 * The files tree minus scratch folders, an archive folder placed inside it (not copied into the next archive) and
 * the client packages' zips (src/packages): each holds a client's API key in clear, and a lost zip is rebuilt by
 * resetting the client (its key's hash, kept in the database, is backed up).
 */
function filesSkip(config: Readonly<Config>, outDir: string): (rel: string) => boolean {
  const relative = (dir: string) => path.relative(config.paths.files, dir).split(path.sep).join('/');
  const inside = relative(outDir);
  const packages = relative(config.packages.dir);
  return (rel) => SCRATCH(rel) || rel === inside || rel === packages;
}

/** Fill the directory archive `work` with copies of everything; returns its manifest. */
async function fillDirectory(deps: BackupDeps, outDir: string, work: string): Promise<Manifest> {
  const { config } = deps;
  copyTree(config.paths.keys, path.join(work, PARTS.keys), undefined, 0o700);
  copyTree(config.paths.keyFiles, path.join(work, PARTS.keyFiles));
  copyTree(config.paths.files, path.join(work, PARTS.files), filesSkip(config, outDir));
  const manifest = (await manifestOf(deps))(describeFiles(work));
  fs.writeFileSync(path.join(work, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  return manifest;
}

/** Stream everything (the database copy and session secret from `work`, the rest from where it lives) into the tar file `dest`. */
async function writeFile(deps: BackupDeps, outDir: string, work: string, dest: string, name: string, recipient?: string): Promise<Manifest> {
  const { config } = deps;
  const under = (dir: string, part: string, skip?: (rel: string) => boolean): TarSource[] =>
    listFiles(dir, skip).map((rel) => ({ rel: `${part}/${rel}`, file: path.join(dir, rel) }));
  const sources = [...listFiles(work).map((rel) => ({ rel, file: path.join(work, rel) })), ...under(config.paths.keys, PARTS.keys),
    ...under(config.paths.keyFiles, PARTS.keyFiles), ...under(config.paths.files, PARTS.files, filesSkip(config, outDir))];
  return writeTarArchive(dest, name, sources, await manifestOf(deps), recipient);
}

/**
 * Write one archive into `outDir` (default form and recipient: the configuration's) and prune the old ones; returns
 * where it is and what it holds. @throws when a directory archive is asked with a recipient (it cannot be encrypted).
 */
export async function createBackup(deps: BackupDeps, outDir: string, keep: number, opts?: BackupOptions): Promise<BackupReport> {
  const { config, now } = deps;
  const { format, recipient } = opts ?? { format: config.backup.format, recipient: config.backup.recipient };
  if (format === 'dir' && recipient) throw new Error('a dir archive cannot be encrypted: use the tar.gz format, or remove BACKUP_RECIPIENT');
  fs.mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const name = archiveName(now);
  const final = path.join(outDir, name + (format === 'dir' ? '' : recipient ? AGE_SUFFIX : TAR_SUFFIX));
  if (fs.existsSync(final)) throw new Error(`${final} already exists`);
  const work = path.join(outDir, `.${name}.partial`);
  const partialFile = `${path.join(outDir, `.${path.basename(final)}`)}.partial`;
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(partialFile, { force: true });
  fs.mkdirSync(work, { mode: 0o700 });
  try {
    await copyDatabase(deps, work);
    copySessionSecret(config, work);
    let manifest: Manifest;
    if (format === 'dir') {
      manifest = await fillDirectory(deps, outDir, work);
      fs.renameSync(work, final);
    } else {
      manifest = await writeFile(deps, outDir, work, partialFile, name, recipient);
      fs.renameSync(partialFile, final);
      fs.rmSync(work, { recursive: true, force: true });
    }
    return { archive: final, manifest, pruned: pruneArchives(outDir, keep) };
  } catch (err) {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(partialFile, { force: true });
    throw err;
  }
}

/** An archive entry of a backup folder: a directory named as one, or a `.tar.gz`/`.tar.gz.age` file. */
function isArchive(e: fs.Dirent): boolean {
  return ARCHIVE_ENTRY.test(e.name) && (e.name.endsWith(TAR_SUFFIX) || e.name.endsWith(AGE_SUFFIX) ? e.isFile() : e.isDirectory());
}

/** Delete the archives of `dir` (directories and files together) beyond the newest `keep` (names sort by age); returns the names deleted. */
export function pruneArchives(dir: string, keep: number): string[] {
  const archives = fs.readdirSync(dir, { withFileTypes: true }).filter(isArchive).map((e) => e.name).sort();
  const old = archives.slice(0, Math.max(0, archives.length - keep));
  for (const name of old) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  return old;
}

/**
 * The daily backup inside the server: croner at `backup.at` (HH:MM) in `timezone`, never two at once in this
 * process (`protect`). Returns the job to stop on shutdown, or null when BACKUP_DIR is not set.
 */
/** The advisory lock of the daily backup: the same number in every instance ("back"). */
const BACKUP_LOCK_KEY = 0x6261636b;

/** Whether `dir` holds an archive made less than 12 hours before `now` (its name's UTC time). */
function recentArchive(dir: string, now: Date): boolean {
  const names = fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }).filter(isArchive).map((e) => e.name) : [];
  return names.some((n) => {
    const t = /(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z/.exec(n)!;
    const at = Date.UTC(+t[1]!, +t[2]! - 1, +t[3]!, +t[4]!, +t[5]!, +t[6]!, +t[7]!);
    return now.getTime() - at < 12 * 3600_000;
  });
}

export function scheduleBackup(config: Readonly<Config>, db: Db, logger: Logger): Cron | null {
  const dir = config.backup.dir;
  if (!dir) return null;
  const [h, m] = config.backup.at.split(':');
  return new Cron(`${Number(m)} ${Number(h)} * * *`, { timezone: config.billing.timezone, protect: true }, async () => {
    try {
      // Several instances start this at the same minute: one holds the lock and backs up; the others, and any instance
      // starting once a backup of the last 12 hours is there, do nothing.
      const report = await onceAcrossInstances(db, BACKUP_LOCK_KEY, async () => (recentArchive(dir, new Date()) ? null
        : createBackup({ config, db, now: new Date() }, dir, config.backup.keep)));
      if (report) logger.info({ archive: report.archive, files: report.manifest.files.length, pruned: report.pruned }, 'backup done');
    } catch (err) {
      logger.error({ err }, 'backup failed');
    }
  });
}
