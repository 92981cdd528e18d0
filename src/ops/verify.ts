/**
 * `verifyArchive`: the manifest is read, every file it lists must exist with
 * its size and SHA-256, no file may be there that it does not list, and a
 * SQLite database copy must pass `PRAGMA integrity_check` (run on a temporary
 * copy, so the archive itself is never opened for writing).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listFiles, MANIFEST, PARTS, readManifest, sha256File, type Manifest } from './archive.js';
import { sqliteIntegrity } from './ops.repository.js';

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

async function integrityProblem(archive: string, manifest: Manifest): Promise<string | undefined> {
  const part = manifest.database_client === 'sqlite' ? PARTS.sqlite : PARTS.pgDump;
  if (!manifest.files.some((f) => f.path === part)) return `${part}: missing (no database copy in the archive)`;
  if (manifest.database_client !== 'sqlite') return undefined;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'artisan-verify-'));
  try {
    const copy = path.join(tmp, 'check.sqlite');
    fs.copyFileSync(path.join(archive, part), copy);
    const lines = await sqliteIntegrity(copy).catch((err: Error) => [err.message]);
    return lines.join() === 'ok' ? undefined : `${part}: PRAGMA integrity_check answers ${lines.slice(0, 3).join('; ')}`;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Check `archive` against its manifest; the first problem found is named. */
export async function verifyArchive(archive: string): Promise<Verification> {
  if (!fs.existsSync(archive) || !fs.statSync(archive).isDirectory()) return { ok: false, problem: `${archive}: not an archive directory` };
  let manifest: Manifest;
  try {
    manifest = readManifest(archive);
  } catch (err) {
    return { ok: false, problem: (err as Error).message };
  }
  const problem = firstHashProblem(archive, manifest) ?? await integrityProblem(archive, manifest);
  return problem ? { ok: false, problem } : { ok: true, manifest, files: manifest.files.length };
}
