/**
 * `npm run backup [-- --out DIR]`: write one archive (src/ops/backup.ts) into
 * DIR, or BACKUP_DIR when --out is not given, then keep the newest BACKUP_KEEP
 * archives there. Does not migrate the database. Exit codes: 0 written, 1 not.
 */
import path from 'node:path';
import { ConfigError, loadConfig } from '../config/index.js';
import { createBackup } from '../ops/index.js';
import { createDb } from '../platform/db.js';
import { cliOptions } from './context.js';

const USAGE = 'npm run backup [-- --out DIR]';
const { out } = cliOptions(['out'], USAGE);

try {
  const config = loadConfig(process.env);
  const dir = out ? path.resolve(out) : config.backup.dir;
  if (!dir) {
    console.error(`No destination: give --out DIR or set BACKUP_DIR.\nUsage: ${USAGE}`);
    process.exit(1);
  }
  const db = createDb(config.database);
  try {
    const report = await createBackup({ config, db, now: new Date() }, dir, config.backup.keep);
    const bytes = report.manifest.files.reduce((n, f) => n + f.size, 0);
    console.log(`Backup written: ${report.archive} (${report.manifest.files.length} files, ${bytes} bytes, `
      + `migration ${report.manifest.migration_level ?? 'none'}).`);
    if (report.pruned.length) console.log(`Older archives deleted (BACKUP_KEEP=${config.backup.keep}): ${report.pruned.join(', ')}`);
  } finally {
    await db.destroy();
  }
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `Backup failed: ${(err as Error).message}`);
  process.exitCode = 1;
}
