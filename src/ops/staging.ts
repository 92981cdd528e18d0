/**
 * Scratch folders of backups, verifications and restores. They may hold plaintext copies of the database, the session
 * secret and the issuer keys, so:
 *
 * - each is made 0700 and named after its owner, `<prefix><host>.<pid>.<random>` (the host name reduced to
 *   `[A-Za-z0-9-]`), so the next run can tell a folder left by a dead process (swept) from one a live process is still
 *   filling (left alone; a folder of another host is left to that host);
 * - each is registered while it exists, and a command that calls `removeScratchOnSignal()` removes every registered
 *   folder when it receives SIGINT or SIGTERM, then exits with code 130.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processAlive } from '../platform/process-alive.js';

/** Scratch folders of the backup, under DB_DIR (the database's own filesystem, never BACKUP_DIR). */
export const BACKUP_STAGING = '.backup-staging-';
/** Scratch folders of a restore (the unpacked archive), under DB_DIR. */
export const RESTORE_STAGING = '.restore-staging-';
/** Scratch folders of a verification, under TMPDIR (or the restore's staging folder). */
export const VERIFY_STAGING = 'artisan-verify-';

const registered = new Set<string>();

/** This process as it appears in scratch names: `<host>.<pid>`. */
export function ownerTag(): string {
  return `${os.hostname().replace(/[^A-Za-z0-9-]/g, '-') || 'host'}.${process.pid}`;
}

/** Create a registered 0700 folder `<parent>/<prefix><owner>.<random>` (parent created 0700 when missing); returns its path. */
export function makeScratch(parent: string, prefix: string): string {
  fs.mkdirSync(parent, { recursive: true, mode: 0o700 });
  const dir = fs.mkdtempSync(path.join(parent, `${prefix}${ownerTag()}.`));
  fs.chmodSync(dir, 0o700);
  registered.add(dir);
  return dir;
}

/** Remove a folder made by makeScratch (or a file) and forget it. */
export function removeScratch(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  registered.delete(dir);
}

/** Register `file` (a partial archive) to be removed on SIGINT/SIGTERM until removeScratch or forget. */
export function registerScratch(file: string): void {
  registered.add(file);
}

/** Stop tracking `file` (it became the final archive). */
export function forgetScratch(file: string): void {
  registered.delete(file);
}

function alive(pid: number): boolean {
  return pid === process.pid || processAlive(pid);
}

/** Whether a scratch owned by `tag` (`<host>.<pid>`, undefined for names without an owner) may be removed from this host. */
export function staleOwner(tag: string | undefined): boolean {
  if (tag === undefined) return true;
  const [host, pid] = [tag.slice(0, tag.lastIndexOf('.')), Number(tag.slice(tag.lastIndexOf('.') + 1))];
  return host === ownerTag().slice(0, ownerTag().lastIndexOf('.')) && Number.isInteger(pid) && !alive(pid);
}

/**
 * Remove the entries of `dir` that `owner` recognises (answering the owner tag found in the name, or undefined for a
 * name without one) and whose owner is dead (staleOwner); returns the names removed. A missing `dir` removes nothing.
 */
export function sweepStale(dir: string, owner: (name: string) => string | undefined | null): string[] {
  if (!fs.existsSync(dir)) return [];
  const removed: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    const tag = owner(name);
    if (tag === null || !staleOwner(tag)) continue;
    fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** The owner-tag reader for makeScratch's names with `prefix`: null for other names. */
export function scratchOwner(prefix: string): (name: string) => string | null {
  return (name) => {
    if (!name.startsWith(prefix)) return null;
    const parts = name.slice(prefix.length).split('.');
    return parts.length === 3 && /^\d+$/.test(parts[1]!) ? `${parts[0]}.${parts[1]}` : null;
  };
}

let installed = false;

/**
 * For a command: on SIGINT or SIGTERM, remove every registered scratch folder and partial archive, print `message`
 * on stderr and exit with code 130.
 */
export function removeScratchOnSignal(message: string): void {
  if (installed) return;
  installed = true;
  const handler = (signal: NodeJS.Signals) => {
    for (const dir of registered) fs.rmSync(dir, { recursive: true, force: true });
    console.error(`${message} (${signal}); its temporary files were removed.`);
    process.exit(130);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
