/**
 * `npm run restore -- ARCHIVE [--force] [--identity FILE]`: verify the archive (a directory, `.tar.gz` or
 * `.tar.gz.age`, the last opened with the AGE-SECRET-KEY-1… in FILE, else in BACKUP_IDENTITY_FILE), then restore it
 * into the configured database and folders and migrate (src/ops/restore.ts).
 * Refuses a database a running server uses, and a database that is not empty
 * unless --force. The archive is unpacked under DB_DIR; SIGINT/SIGTERM removes that staging folder and exits.
 * Exit codes: 0 restored, 1 refused or failed (nothing or part done: the message says), 130 interrupted.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/index.js';
import { removeScratchOnSignal, restoreArchive, RestoreRefused } from '../ops/index.js';

const USAGE = 'npm run restore -- ARCHIVE [--force] [--identity FILE]';
let archive: string;
let force: boolean;
let identity: string | undefined;
try {
  const options = { force: { type: 'boolean' as const }, identity: { type: 'string' as const } };
  const parsed = parseArgs({ args: process.argv.slice(2), options, allowPositionals: true, strict: true });
  if (parsed.positionals.length !== 1) throw new Error('one ARCHIVE is expected');
  archive = parsed.positionals[0]!;
  force = parsed.values.force === true;
  identity = parsed.values.identity;
} catch (err) {
  console.error(`${(err as Error).message}\nUsage: ${USAGE}`);
  process.exit(1);
}

removeScratchOnSignal('Restore interrupted: if it had begun replacing the data, restore again with --force');
try {
  const config = loadConfig(process.env);
  const identityFile = identity ? path.resolve(identity) : config.backup.identityFile;
  const report = await restoreArchive({ config, archive, force, identityFile });
  console.log(`Restored:\n  ${report.join('\n  ')}`);
} catch (err) {
  if (err instanceof ConfigError) console.error(err.message);
  else if (err instanceof RestoreRefused) console.error(`Restore refused: ${err.message}. Nothing was changed.`);
  else console.error(`Restore failed part-way: ${(err as Error).message}. Restore again with --force once the cause is fixed.`);
  process.exitCode = 1;
}
