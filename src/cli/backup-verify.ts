/**
 * `npm run backup:verify -- ARCHIVE [--identity FILE]`: every file's size and
 * SHA-256 against the manifest, no unlisted file, and PRAGMA integrity_check on
 * a copy of a SQLite database. ARCHIVE is a directory, a `.tar.gz` or a
 * `.tar.gz.age`; the last is opened with the AGE-SECRET-KEY-1… in FILE, else in
 * BACKUP_IDENTITY_FILE (the only configuration read). Its scratch copies (under TMPDIR) are removed on
 * SIGINT/SIGTERM too. Exit codes: 0 verified, 1 a problem (named) or a usage error, 130 interrupted.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { backupIdentityFile, ROOT_DIR } from '../config/index.js';
import { removeScratchOnSignal, verifyArchive } from '../ops/index.js';

const USAGE = 'Usage: npm run backup:verify -- ARCHIVE [--identity FILE]';
let archive: string;
let identity: string | undefined;
try {
  const parsed = parseArgs({ args: process.argv.slice(2), options: { identity: { type: 'string' } }, allowPositionals: true, strict: true });
  if (parsed.positionals.length !== 1) throw new Error('one ARCHIVE is expected');
  archive = parsed.positionals[0]!;
  identity = parsed.values.identity;
} catch (err) {
  console.error(`${(err as Error).message}\n${USAGE}`);
  process.exit(1);
}
removeScratchOnSignal('Verification interrupted');
const identityFile = identity ? path.resolve(identity) : backupIdentityFile(process.env, ROOT_DIR);
const result = await verifyArchive(archive, { identityFile });
if (result.ok) console.log(`Backup verified: ${result.files} files`);
else {
  console.error(`Backup NOT verified: ${result.problem}`);
  process.exitCode = 1;
}
