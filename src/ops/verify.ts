/**
 * `verifyArchive`: the manifest is read, every file it lists must exist with
 * its size and SHA-256, no file may be there that it does not list, and a
 * SQLite database copy must pass `PRAGMA integrity_check` (run on a temporary
 * copy, so the archive itself is never opened for writing). A `.tar.gz` (or
 * `.tar.gz.age`, opened with an identity file) is read as one stream and each
 * entry checked the same way (src/ops/archive-file.ts). Its scratch folders (a decrypted SQLite copy) are made
 * 0700 under TMPDIR, or under `scratchParent` (a restore passes its staging folder), and are registered so that a
 * command's SIGINT/SIGTERM handler removes them (src/ops/staging.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listFiles, MANIFEST, PARTS, readManifest, sha256File, type Manifest, type ManifestFile } from './archive.js';
import { ArchiveProblem, readTarArchive } from './archive-file.js';
import { sqliteIntegrity } from './ops.repository.js';
import { makeScratch, removeScratch, VERIFY_STAGING } from './staging.js';

export type Verification = { ok: true; manifest: Manifest; files: number } | { ok: false; problem: string };

function firstHashProblem(archive: string, manifest: Manifest): string | undefined {
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const f of manifest.files) {
    const file = path.join(archive, f.path);
    if (path.relative(archive, file).startsWith('..')) return `${f.path}: a path outside the archive`;
    if (!fs.existsSync(file)) return `${f.path}: missing`;
    if (fs.statSync(file).size !== f.size) return `${f.path}: size ${fs.statSync(file).size}, the manifest says ${f.size}`;
    if (sha256File(file) !== f.sha256) return `${f.path}: SHA-256 does not match the manifest`;
  }
  const extra = listFiles(archive).find((rel) => rel !== MANIFEST && !listed.has(rel));
  return extra ? `${extra}: not listed in the manifest` : undefined;
}

async function integrityProblem(archive: string, manifest: Manifest, scratchParent: string): Promise<string | undefined> {
  const part = manifest.database_client === 'sqlite' ? PARTS.sqlite : PARTS.pgDump;
  if (!manifest.files.some((f) => f.path === part)) return `${part}: missing (no database copy in the archive)`;
  if (manifest.database_client !== 'sqlite') return undefined;
  const tmp = makeScratch(scratchParent, VERIFY_STAGING);
  try {
    const copy = path.join(tmp, 'check.sqlite');
    fs.copyFileSync(path.join(archive, part), copy);
    const lines = await sqliteIntegrity(copy).catch((err: Error) => [err.message]);
    return lines.join() === 'ok' ? undefined : `${part}: PRAGMA integrity_check answers ${lines.slice(0, 3).join('; ')}`;
  } finally {
    removeScratch(tmp);
  }
}

/** The first difference between the manifest and the entries found in a tar archive. */
function tarProblem(manifest: Manifest, found: Map<string, ManifestFile>): string | undefined {
  for (const f of manifest.files) {
    const got = found.get(f.path);
    if (!got) return `${f.path}: missing`;
    if (got.size !== f.size) return `${f.path}: size ${got.size}, the manifest says ${f.size}`;
    if (got.sha256 !== f.sha256) return `${f.path}: SHA-256 does not match the manifest`;
  }
  const listed = new Set(manifest.files.map((f) => f.path));
  const extra = [...found.keys()].find((rel) => !listed.has(rel));
  return extra ? `${extra}: not listed in the manifest` : undefined;
}

/**
 * Check the `.tar.gz` or `.tar.gz.age` file `archive`; with `extractTo` (an empty folder), its files are also written
 * there, forming the directory archive the restore then reads.
 */
async function verifyFile(archive: string, opts: VerifyOptions, extractTo?: string): Promise<Verification> {
  const scratchParent = opts.scratchParent ?? os.tmpdir();
  const scratch = makeScratch(scratchParent, VERIFY_STAGING);
  try {
    const { manifest, found } = await readTarArchive(archive, { identityFile: opts.identityFile, extractTo, scratch, keep: [PARTS.sqlite] });
    const problem = tarProblem(manifest, found) ?? await integrityProblem(extractTo ?? scratch, manifest, scratchParent);
    return problem ? { ok: false, problem } : { ok: true, manifest, files: manifest.files.length };
  } catch (err) {
    if (err instanceof ArchiveProblem) return { ok: false, problem: (err as Error).message };
    throw err;
  } finally {
    removeScratch(scratch);
  }
}

/**
 * What verifying may need: the file holding the AGE-SECRET-KEY-1… of an encrypted archive, and the folder receiving
 * its scratch folders (default TMPDIR).
 */
export interface VerifyOptions { identityFile?: string | undefined; scratchParent?: string | undefined }

/** Check `archive` (a directory, a `.tar.gz` or a `.tar.gz.age` file) against its manifest; the first problem found is named. */
export async function verifyArchive(archive: string, opts: VerifyOptions = {}): Promise<Verification> {
  if (!fs.existsSync(archive)) return { ok: false, problem: `${archive}: no such archive` };
  if (fs.statSync(archive).isFile()) return verifyFile(archive, opts);
  if (!fs.statSync(archive).isDirectory()) return { ok: false, problem: `${archive}: not an archive directory or file` };
  let manifest: Manifest;
  try {
    manifest = readManifest(archive);
  } catch (err) {
    return { ok: false, problem: (err as Error).message };
  }
  const problem = firstHashProblem(archive, manifest) ?? await integrityProblem(archive, manifest, opts.scratchParent ?? os.tmpdir());
  return problem ? { ok: false, problem } : { ok: true, manifest, files: manifest.files.length };
}

/** Verify the archive file `archive` while writing its files into the empty folder `into` (see verifyFile). */
export function unpackArchive(archive: string, into: string, opts: VerifyOptions = {}): Promise<Verification> {
  return verifyFile(archive, opts, into);
}
