/**
 * `createBackup`: one archive (src/ops/archive.ts) under `outDir`: a `.tar.gz`
 * file (`.tar.gz.age` when encrypted to an age recipient), or a directory,
 * written under a hidden `.<archive>.<host>.<pid>.partial` name and renamed when
 * complete, so an interrupted backup never looks like an archive. Then the archives beyond
 * the newest `keep` are deleted (only names matching the archive pattern,
 * files and directories counted together).
 *
 * The database copy and the session secret of a `.tar.gz` are staged in a 0700 folder under DB_DIR
 * (`.backup-staging-<host>.<pid>.<random>`, the database's own filesystem), never in `outDir`: an encrypted archive
 * leaves no plaintext copy in the folder shipped off-site, even when the process dies mid-backup. Each backup first
 * sweeps the staging folders and partial archives left by dead processes of this host (src/ops/staging.ts). A
 * directory archive is plaintext by nature: its files go straight into its partial folder.
 *
 * The database copy is consistent while the server runs: SQLite's
 * `VACUUM INTO` reads one snapshot; `pg_dump` runs in one transaction.
 * A file deleted between the listing and its reading is left out and reported (`skipped`); `*.part` files (uploads
 * and copies under way) are never archived.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { BackupFormat, Config } from '../config/index.js';
import { onceAcrossInstances, type Db } from '../platform/db.js';
import {
  ARCHIVE_ENTRY, archiveName, copyFiles, describeFiles, listFiles, MANIFEST, MANIFEST_FORMAT, PARTS, type Manifest, type ManifestFile,
} from './archive.js';
import { AGE_SUFFIX, TAR_SUFFIX, writeTarArchive, type TarSource, type TarWritten } from './archive-file.js';
import { BACKUP_STAGING, forgetScratch, makeScratch, ownerTag, registerScratch, removeScratch, scratchOwner, sweepStale } from './staging.js';
import { migrationLevel, sqliteIntegrity, vacuumInto } from './ops.repository.js';
import { pgDump } from './pg-tools.js';

export interface BackupDeps {
  config: Readonly<Config>;
  db: Db;
  now: Date;
  /** Called once the files to archive are listed, before any is read (tests delete one there). */
  listed?: (sources: TarSource[]) => void;
}

export interface BackupReport {
  archive: string;
  manifest: Manifest;
  pruned: string[];
  /** Archive paths of the files deleted between the listing and their reading: not in the archive. */
  skipped: string[];
  /** Staging folders and partial archives of dead backups removed before this one. */
  swept: string[];
}

/** Folders of the files tree never worth keeping (uploads under way, scratch copies), and files being written (`*.part`). */
const SCRATCH = (rel: string) => rel === '.tmp' || rel === 'tmp' || PART_FILE.test(rel);
const PART_FILE = /(^|\/)[^/]*\.part$/;
/** A partial archive in the backup folder; group 1 is its owner tag (absent: a name of an older version, always stale). */
const PARTIAL = /^\.artisan-nd-backup-\d{8}T\d{9}Z(?:\.tar\.gz(?:\.age)?)?(?:\.([A-Za-z0-9-]+\.\d+))?\.partial$/;
const partialOwner = (name: string): string | undefined | null => {
  const m = PARTIAL.exec(name);
  return m ? m[1] : null;
};

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

/** The issuer keys, key-file copies and files tree, listed now and read later. */
function dataSources(config: Readonly<Config>, outDir: string): TarSource[] {
  const under = (dir: string, part: string, skip: (rel: string) => boolean): TarSource[] =>
    listFiles(dir, skip).map((rel) => ({ rel: `${part}/${rel}`, file: path.join(dir, rel) }));
  const parts = (rel: string) => PART_FILE.test(rel);
  return [...under(config.paths.keys, PARTS.keys, parts), ...under(config.paths.keyFiles, PARTS.keyFiles, parts),
    ...under(config.paths.files, PARTS.files, filesSkip(config, outDir))];
}

/** Fill the partial directory archive `work` (the database copy already in it); returns its manifest and the files skipped. */
async function fillDirectory(deps: BackupDeps, outDir: string, work: string): Promise<{ manifest: Manifest; skipped: string[] }> {
  const sources = dataSources(deps.config, outDir);
  deps.listed?.(sources);
  const { skipped } = copyFiles(sources, work);
  const manifest = (await manifestOf(deps))(describeFiles(work));
  fs.writeFileSync(path.join(work, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  return { manifest, skipped };
}

/** Stream everything (the database copy and session secret from `staging`, the rest from where it lives) into the tar file `dest`. */
async function writeFile(deps: BackupDeps, outDir: string, staging: string, dest: string, name: string, recipient?: string): Promise<TarWritten> {
  const sources = [...listFiles(staging).map((rel) => ({ rel, file: path.join(staging, rel) })), ...dataSources(deps.config, outDir)];
  deps.listed?.(sources);
  return writeTarArchive(dest, name, sources, await manifestOf(deps), recipient);
}

/** Remove what dead backups of this host left: staging folders under DB_DIR, partial archives in `outDir`. */
function sweep(config: Readonly<Config>, outDir: string): string[] {
  return [...sweepStale(config.paths.db, scratchOwner(BACKUP_STAGING)).map((n) => path.join(config.paths.db, n)),
    ...sweepStale(outDir, partialOwner).map((n) => path.join(outDir, n))];
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
  const swept = sweep(config, outDir);
  const name = archiveName(now);
  const final = path.join(outDir, name + (format === 'dir' ? '' : recipient ? AGE_SUFFIX : TAR_SUFFIX));
  if (fs.existsSync(final)) throw new Error(`${final} already exists`);
  const partial = path.join(outDir, `.${path.basename(final)}.${ownerTag()}.partial`);
  registerScratch(partial);
  let staging: string | undefined;
  try {
    let written: TarWritten;
    if (format === 'dir') {
      fs.mkdirSync(partial, { mode: 0o700 });
      await copyDatabase(deps, partial);
      copySessionSecret(config, partial);
      written = await fillDirectory(deps, outDir, partial);
    } else {
      staging = makeScratch(config.paths.db, BACKUP_STAGING);
      await copyDatabase(deps, staging);
      copySessionSecret(config, staging);
      written = await writeFile(deps, outDir, staging, partial, name, recipient);
    }
    fs.renameSync(partial, final);
    forgetScratch(partial);
    return { archive: final, manifest: written.manifest, pruned: pruneArchives(outDir, keep), skipped: written.skipped, swept };
  } catch (err) {
    removeScratch(partial);
    throw err;
  } finally {
    if (staging) removeScratch(staging);
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
      if (report) {
        const { archive, manifest, pruned, skipped, swept } = report;
        logger.info({ archive, files: manifest.files.length, pruned, skipped, swept }, 'backup done');
      }
    } catch (err) {
      logger.error({ err }, 'backup failed');
    }
  });
}
