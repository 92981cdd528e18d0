/**
 * `npm run backup [-- --out DIR] [--format tar.gz|dir]`: write one archive
 * (src/ops/backup.ts) into DIR, or BACKUP_DIR when --out is not given, then
 * keep the newest BACKUP_KEEP archives there. The form is --format, else
 * BACKUP_FORMAT (default tar.gz); a tar.gz is encrypted to BACKUP_RECIPIENT
 * when it is set (`.tar.gz.age`). Does not migrate the database.
 * Files deleted while the backup runs are named ("Skipped"); SIGINT/SIGTERM removes the staging folder and the
 * partial archive, then exits with code 130.
 * Exit codes: 0 written, 1 not, 130 interrupted.
 */
import path from 'node:path';
import { ConfigError, loadConfig, type BackupFormat } from '../config/index.js';
import { createBackup, removeScratchOnSignal } from '../ops/index.js';
import { createDb } from '../platform/db.js';
import { cliOptions } from './context.js';

const USAGE = 'npm run backup [-- --out DIR] [--format tar.gz|dir]';
const { out, format } = cliOptions(['out', 'format'], USAGE);
if (format !== undefined && format !== 'tar.gz' && format !== 'dir') {
  console.error(`--format: tar.gz or dir, not ${format}\nUsage: ${USAGE}`);
  process.exit(1);
}

removeScratchOnSignal('Backup interrupted: no archive was written');
try {
  const config = loadConfig(process.env);
  const dir = out ? path.resolve(out) : config.backup.dir;
  if (!dir) {
    console.error(`No destination: give --out DIR or set BACKUP_DIR.\nUsage: ${USAGE}`);
    process.exit(1);
  }
  const db = createDb(config.database);
  try {
    const opts = { format: (format as BackupFormat | undefined) ?? config.backup.format, recipient: config.backup.recipient };
    const report = await createBackup({ config, db, now: new Date() }, dir, config.backup.keep, opts);
    const bytes = report.manifest.files.reduce((n, f) => n + f.size, 0);
    console.log(`Backup written: ${report.archive} (${report.manifest.files.length} files, ${bytes} bytes, `
      + `migration ${report.manifest.migration_level ?? 'none'}${opts.format !== 'dir' && opts.recipient ? `, encrypted to ${opts.recipient}` : ''}).`);
    if (report.swept.length) console.log(`Left by an interrupted backup, removed: ${report.swept.join(', ')}`);
    if (report.skipped.length) console.log(`Skipped (deleted while the backup ran): ${report.skipped.join(', ')}`);
    if (report.pruned.length) console.log(`Older archives deleted (BACKUP_KEEP=${config.backup.keep}): ${report.pruned.join(', ')}`);
  } finally {
    await db.destroy();
  }
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `Backup failed: ${(err as Error).message}`);
  process.exitCode = 1;
}
