/**
 * `npm run backup:verify -- ARCHIVE`: every file's size and SHA-256 against the
 * manifest, no unlisted file, and PRAGMA integrity_check on a copy of a SQLite
 * database. Reads no configuration. Exit codes: 0 verified, 1 a problem (named).
 */
import { verifyArchive } from '../ops/index.js';

const args = process.argv.slice(2);
if (args.length !== 1 || args[0]!.startsWith('-')) {
  console.error('Usage: npm run backup:verify -- ARCHIVE');
  process.exit(1);
}
const result = await verifyArchive(args[0]!);
if (result.ok) console.log(`Backup verified: ${result.files} files`);
else {
  console.error(`Backup NOT verified: ${result.problem}`);
  process.exitCode = 1;
}
