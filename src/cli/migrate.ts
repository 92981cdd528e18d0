/** `npm run db:migrate`: apply pending migrations to the configured database, then exit. */
import { ConfigError, loadConfig } from '../config/index.js';
import { createDb, migrate } from '../platform/db.js';

try {
  const config = loadConfig(process.env);
  const db = createDb(config.database);
  const applied = await migrate(db, config.database, config.paths.migrations);
  console.log(applied.length ? `Applied ${applied.length} migration(s):\n  ${applied.join('\n  ')}` : 'Already up to date.');
  await db.destroy();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exitCode = 1;
}
