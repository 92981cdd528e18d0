/**
 * The backup archive: a directory `artisan-nd-backup-<UTC timestamp>/` holding
 * the copied files and `manifest.json` (versions, database client, migration
 * level, and the size and SHA-256 of every other file); or the same folder as
 * one `.tar.gz` file, optionally age-encrypted (`.tar.gz.age`, ./archive-file.ts),
 * the default. The directory form (`--format dir`) stays for hosts that ship
 * backups with `rsync`, where a single damaged file stays readable beside the others.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const ARCHIVE_PREFIX = 'artisan-nd-backup-';
/** `artisan-nd-backup-20261205T033000123Z`: UTC, to the millisecond, so names sort by age. */
export const ARCHIVE_NAME = /^artisan-nd-backup-\d{8}T\d{9}Z$/;
/** Any archive in a backup folder: the directory, the `.tar.gz` or the `.tar.gz.age` of one backup. */
export const ARCHIVE_ENTRY = /^artisan-nd-backup-\d{8}T\d{9}Z(\.tar\.gz(\.age)?)?$/;
export const MANIFEST = 'manifest.json';
export const MANIFEST_FORMAT = 1;

/** Where each part lives inside an archive. */
export const PARTS = {
  sqlite: 'db/database.sqlite',
  pgDump: 'db/database.pgdump',
  sessionSecret: 'db/session-secret',
  keys: 'subscription/keys',
  keyFiles: 'subscription/encrypted_keys',
  files: 'files',
} as const;

export interface ManifestFile { path: string; size: number; sha256: string }

export interface Manifest {
  format: number;
  portal_version: string;
  node_version: string;
  database_client: 'sqlite' | 'pg';
  /** The PostgreSQL schema the dump was taken from (pg only; null: the server's default). */
  database_schema: string | null;
  /** The name of the last applied migration (null: none). */
  migration_level: string | null;
  created_at: string;
  files: ManifestFile[];
}

/** The archive name for `now`. */
export function archiveName(now: Date): string {
  return ARCHIVE_PREFIX + now.toISOString().replace(/[-:.]/g, '');
}

export function sha256File(file: string): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n = fs.readSync(fd, buf); n > 0; n = fs.readSync(fd, buf)) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** True for the error of a file or folder that is no longer there (deleted while a backup reads the tree). */
export function vanished(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/**
 * Every regular file under `dir`, as sorted paths relative to it with `/` separators. A sub-folder deleted while the
 * tree is walked is left out.
 */
export function listFiles(dir: string, skip: (rel: string) => boolean = () => false): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const entries = (rel: string): fs.Dirent[] => {
    try {
      return fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
    } catch (err) {
      if (rel && vanished(err)) return [];
      throw err;
    }
  };
  const walk = (rel: string): void => {
    for (const entry of entries(rel)) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (skip(child)) continue;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) out.push(child);
    }
  };
  walk('');
  return out.sort();
}

/**
 * Copy the regular files of `from` into `to` (created), keeping each file's
 * mode (issuer keys stay 0600); returns the relative paths copied. A file
 * deleted between the listing and its copy is left out (see copyFiles).
 */
export function copyTree(from: string, to: string, skip?: (rel: string) => boolean, dirMode = 0o755): string[] {
  return copyFiles(listFiles(from, skip).map((rel) => ({ rel, file: path.join(from, rel) })), to, dirMode).copied;
}

/**
 * Copy each listed file to `to/<rel>`, keeping its mode; a file that vanished since it was listed (ENOENT) is left
 * out and named in `skipped` (a partial copy of it is removed).
 */
export function copyFiles(sources: { rel: string; file: string }[], to: string, dirMode = 0o755): { copied: string[]; skipped: string[] } {
  const copied: string[] = [];
  const skipped: string[] = [];
  for (const { rel, file } of sources) {
    const dst = path.join(to, rel);
    fs.mkdirSync(path.dirname(dst), { recursive: true, mode: dirMode });
    try {
      const mode = fs.statSync(file).mode & 0o777;
      fs.copyFileSync(file, dst);
      fs.chmodSync(dst, mode);
      copied.push(rel);
    } catch (err) {
      if (!vanished(err)) throw err;
      fs.rmSync(dst, { force: true });
      skipped.push(rel);
    }
  }
  return { copied, skipped };
}

/** The manifest entries of every file of `archive` but the manifest itself. */
export function describeFiles(archive: string): ManifestFile[] {
  return listFiles(archive).filter((f) => f !== MANIFEST).map((rel) => {
    const file = path.join(archive, rel);
    return { path: rel, size: fs.statSync(file).size, sha256: sha256File(file) };
  });
}

/** Shape-check the text of `manifest.json`; throws a message naming what is wrong. */
export function parseManifest(text: string): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch {
    throw new Error(`${MANIFEST} is not valid JSON`);
  }
  if (!m || m.format !== MANIFEST_FORMAT || !Array.isArray(m.files) || (m.database_client !== 'sqlite' && m.database_client !== 'pg')) {
    throw new Error(`${MANIFEST} is not a manifest of format ${MANIFEST_FORMAT}`);
  }
  return m;
}

/** Read and shape-check the `manifest.json` of a directory archive; throws a message naming what is wrong. */
export function readManifest(archive: string): Manifest {
  const file = path.join(archive, MANIFEST);
  if (!fs.existsSync(file)) throw new Error(`${MANIFEST} is missing in ${archive}`);
  return parseManifest(fs.readFileSync(file, 'utf8'));
}
