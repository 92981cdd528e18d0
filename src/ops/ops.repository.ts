/**
 * The SQL that backups and restores run: a consistent SQLite copy
 * (`VACUUM INTO`), its integrity check, the migration level, whether a target
 * database is empty, whether another connection is writing, and whether a server is connected (PostgreSQL). SQLite and
 * PostgreSQL differ in most of these; each branch is visible.
 */
import knexFactory from 'knex';
import type { DatabaseConfig } from '../config/index.js';
import { isSqlite, type Db } from '../platform/db.js';

/** Write a consistent copy of the open SQLite database to `file` (which must not exist). */
export async function vacuumInto(db: Db, file: string): Promise<void> {
  await db.raw('VACUUM INTO ?', [file]);
}

/** Open the SQLite file `file` on its own connection, run `PRAGMA integrity_check` and answer its lines ("ok" when sound). */
export async function sqliteIntegrity(file: string): Promise<string[]> {
  const db = knexFactory({ client: 'sqlite3', connection: { filename: file }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
  try {
    const rows = (await db.raw('PRAGMA integrity_check')) as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check);
  } finally {
    await db.destroy();
  }
}

/** The name of the last applied migration, or null when none (or no migrations table). */
export async function migrationLevel(db: Db): Promise<string | null> {
  if (!(await db.schema.hasTable('knex_migrations'))) return null;
  const row = (await db('knex_migrations').orderBy('id', 'desc').first('name')) as { name: string } | undefined;
  return row?.name ?? null;
}

/** How many tables the target database (its schema on PostgreSQL) holds: 0 is an empty database. */
export async function tableCount(db: Db, database: DatabaseConfig): Promise<number> {
  if (isSqlite(db)) {
    const rows = (await db.raw("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")) as { n: number }[];
    return Number(rows[0]?.n ?? 0);
  }
  const schema = database.client === 'pg' && database.schema ? database.schema : 'public';
  const res = (await db.raw('SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = ?', [schema])) as { rows: { n: string }[] };
  return Number(res.rows[0]?.n ?? 0);
}

/**
 * Whether another connection holds the SQLite database in a write: `BEGIN
 * EXCLUSIVE` with `busy_timeout = 0` answers SQLITE_BUSY at once when it does.
 * (An idle server holds no lock; src/ops/server-pid.ts covers that case.)
 */
export async function sqliteBusy(file: string): Promise<boolean> {
  // One connection (pool max 1): the pragma, BEGIN and ROLLBACK run on the same one.
  const db = knexFactory({ client: 'sqlite3', connection: { filename: file }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
  try {
    await db.raw('PRAGMA busy_timeout = 0');
    await db.raw('BEGIN EXCLUSIVE');
    await db.raw('ROLLBACK');
    return false;
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return true;
    throw err;
  } finally {
    await db.destroy();
  }
}

/**
 * PostgreSQL: the other backends connected to the current database under `applicationName` (a server's
 * connections, src/platform/db.ts pgApplicationName): their pid and client address (null when hidden or local).
 */
export async function pgBackendsNamed(db: Db, applicationName: string): Promise<{ pid: number; client: string | null }[]> {
  const res = (await db.raw('SELECT pid, client_addr::text AS client FROM pg_stat_activity '
    + 'WHERE datname = current_database() AND application_name = ? AND pid <> pg_backend_pid() ORDER BY pid', [applicationName])) as
    { rows: { pid: number; client: string | null }[] };
  return res.rows;
}
