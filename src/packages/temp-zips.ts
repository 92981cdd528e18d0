/**
 * The temporary zips of files/packages: a package's zip is written as `.new-<uuid>.zip` (writePackageZip's own
 * partial copy of it: `..new-<uuid>.zip.<pid>.tmp`) and moved into its folder once its row commits. Each holds a
 * clear API key; one left behind (a crash, a failed move not cleaned up) is deleted by the daily cleanup.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** A temporary zip's name, or writePackageZip's partial copy of one. */
const TEMP_ZIP = /^\.?\.new-[0-9a-f-]{36}\.zip(?:\.\d+\.tmp)?$/;

/** A new temporary zip's path in `dir`. */
export function tempZipPath(dir: string): string {
  return path.join(dir, `.new-${crypto.randomUUID()}.zip`);
}

/** Delete the temporary zips of `dir` (regular files) last modified before `before`; returns how many went (0: no `dir`). */
export async function removeTempZipsBefore(dir: string, before: Date): Promise<number> {
  const names = await fs.promises.readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  let removed = 0;
  for (const name of names.filter((n) => TEMP_ZIP.test(n))) {
    const file = path.join(dir, name);
    const stat = await fs.promises.lstat(file).catch(() => null);
    if (!stat?.isFile() || stat.mtimeMs >= before.getTime()) continue;
    await fs.promises.rm(file, { force: true });
    removed++;
  }
  return removed;
}
