/**
 * `npm run restore -- ARCHIVE [--force]`: verify the archive, then restore it
 * into the configured database and folders and migrate (src/ops/restore.ts).
 * Refuses a database a running server uses, and a database that is not empty
 * unless --force. Exit codes: 0 restored, 1 refused or failed (nothing or part done: the message says).
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/index.js';
import { restoreArchive, RestoreRefused } from '../ops/index.js';

const USAGE = 'npm run restore -- ARCHIVE [--force]';
let archive: string;
let force: boolean;
try {
  const parsed = parseArgs({ args: process.argv.slice(2), options: { force: { type: 'boolean' } }, allowPositionals: true, strict: true });
  if (parsed.positionals.length !== 1) throw new Error('one ARCHIVE is expected');
  archive = parsed.positionals[0]!;
  force = parsed.values.force === true;
} catch (err) {
  console.error(`${(err as Error).message}\nUsage: ${USAGE}`);
  process.exit(1);
}

try {
  const config = loadConfig(process.env);
  const report = await restoreArchive({ config, archive, force });
  console.log(`Restored:\n  ${report.join('\n  ')}`);
} catch (err) {
  if (err instanceof ConfigError) console.error(err.message);
  else if (err instanceof RestoreRefused) console.error(`Restore refused: ${err.message}. Nothing was changed.`);
  else console.error(`Restore failed part-way: ${(err as Error).message}. Restore again with --force once the cause is fixed.`);
  process.exitCode = 1;
}
