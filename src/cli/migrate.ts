/** `npm run db:migrate`: apply pending migrations to the configured database, then exit. */
import path from 'node:path';
import { ConfigError, loadConfig } from '../config/index.js';
import { createDb, migrate } from '../platform/db.js';

try {
  const config = loadConfig(process.env);
  const db = createDb(config.database);
  const applied = await migrate(db, config.database, path.join(config.paths.root, 'db', 'migrations'));
  console.log(applied.length ? `Applied ${applied.length} migration(s):\n  ${applied.join('\n  ')}` : 'Already up to date.');
  await db.destroy();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exitCode = 1;
}
