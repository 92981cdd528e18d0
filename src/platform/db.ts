/**
 * Database access: one knex instance over SQLite (sqlite3) or PostgreSQL (pg).
 *
 * SQLite connections get, each one as it is created (knex `pool.afterCreate`),
 * `journal_mode=WAL`, `busy_timeout=5000` (ms), `foreign_keys=ON` and
 * `synchronous=FULL` (https://www.sqlite.org/pragma.html): WAL lets readers
 * run beside the writer, FULL makes every committed ledger row durable.
 * PostgreSQL may be confined to one schema (`DATABASE_SCHEMA`), created when missing. Its connections carry an
 * `application_name` (pgApplicationName) telling a server from a command, so that a restore on another host sees a
 * server still connected (pg_stat_activity); a server keeps one connection open for that (pool min 1).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import knexFactory, { type Knex } from 'knex';
import type { DatabaseConfig } from '../config/index.js';

export type Db = Knex;

const SQLITE_PRAGMAS = [
  'PRAGMA journal_mode = WAL',
  'PRAGMA busy_timeout = 5000',
  'PRAGMA foreign_keys = ON',
  'PRAGMA synchronous = FULL',
];

interface SqliteConnection {
  run(sql: string, cb: (err: Error | null) => void): void;
}

function applyPragmas(conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void): void {
  const next = (i: number): void => {
    const sql = SQLITE_PRAGMAS[i];
    if (sql === undefined) return done(null, conn);
    conn.run(sql, (err) => (err ? done(err, conn) : next(i + 1)));
  };
  next(0);
}

/** Who opens the database: the server (`npm start`), or a command (CLI, test). */
export type DbRole = 'server' | 'tool';

/**
 * The PostgreSQL `application_name` of `role`'s connections: `artisan-nd` for a server, `artisan-nd-cli` for a
 * command, followed by `/<schema>` when DATABASE_SCHEMA is set (portals in other schemas of the same database are
 * told apart); cut to 63 characters as PostgreSQL does (NAMEDATALEN - 1).
 */
export function pgApplicationName(schema: string | undefined, role: DbRole): string {
  return `${role === 'server' ? 'artisan-nd' : 'artisan-nd-cli'}${schema ? `/${schema}` : ''}`.slice(0, 63);
}

/** Build the knex instance for `database` (opened by `role`, default a command); creates the SQLite file's folder. */
export function createDb(database: DatabaseConfig, role: DbRole = 'tool'): Db {
  if (database.client === 'sqlite') {
    fs.mkdirSync(path.dirname(database.filename), { recursive: true });
    return knexFactory({
      client: 'sqlite3',
      connection: { filename: database.filename },
      useNullAsDefault: true,
      pool: { min: 1, max: 1, afterCreate: applyPragmas },
    });
  }
  return knexFactory({
    client: 'pg',
    connection: { connectionString: database.url, application_name: pgApplicationName(database.schema, role) },
    searchPath: database.schema ? [database.schema] : undefined,
    // A server keeps one connection even when idle, so that pg_stat_activity shows it to a restore.
    pool: { min: role === 'server' ? 1 : 0, max: 10 },
  });
}

/**
 * The id of a row inserted with `.returning('id')`: PostgreSQL and recent
 * SQLite answer `[{ id }]`, older drivers `[id]`.
 */
export function insertedId(rows: unknown[]): number {
  const row = rows[0] as { id: unknown } | number | undefined;
  return typeof row === 'object' && row !== null ? Number(row.id) : Number(row);
}

/** True for a unique-constraint violation on SQLite (SQLITE_CONSTRAINT … UNIQUE) or PostgreSQL (SQLSTATE 23505). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  return e?.code === '23505' || (e?.code === 'SQLITE_CONSTRAINT' && /UNIQUE/i.test(e.message ?? ''));
}

/** True when `db` talks to SQLite (for the few places where SQL must differ). */
export function isSqlite(db: Db): boolean {
  return db.client.config.client === 'sqlite3';
}

/**
 * Migration source over `db/migrations`: names are recorded without their
 * extension, so runs under tsx (.ts) and from compiled files (.js) agree.
 */
export class FolderMigrationSource implements Knex.MigrationSource<string> {
  constructor(private readonly dir: string) {}

  async getMigrations(): Promise<string[]> {
    const files = await fs.promises.readdir(this.dir);
    return files.filter((f) => /^\d{14}_[a-z0-9-]+\.(ts|js)$/.test(f)).sort();
  }

  getMigrationName(file: string): string {
    return file.replace(/\.(ts|js)$/, '');
  }

  async getMigration(file: string): Promise<Knex.Migration> {
    return (await import(pathToFileURL(path.join(this.dir, file)).href)) as Knex.Migration;
  }
}

/** Create the PostgreSQL schema when one is configured, then run every pending migration. */
export async function migrate(db: Db, database: DatabaseConfig, migrationsDir: string): Promise<string[]> {
  if (database.client === 'pg' && database.schema) {
    await db.raw('CREATE SCHEMA IF NOT EXISTS ??', [database.schema]);
  }
  const [, applied] = (await db.migrate.latest({ migrationSource: new FolderMigrationSource(migrationsDir) })) as [number, string[]];
  return applied;
}

/**
 * PostgreSQL: hold session advisory lock `key` on one connection while `work` runs, or return null at once when another
 * instance holds it; SQLite (one host, one writer): run `work`.
 */
export async function onceAcrossInstances<T>(db: Db, key: number, work: () => Promise<T>): Promise<T | null> {
  if (isSqlite(db)) return work();
  const client = db.client as { acquireConnection(): Promise<unknown>; releaseConnection(c: unknown): Promise<void> };
  const conn = await client.acquireConnection();
  try {
    const got = (await db.raw('SELECT pg_try_advisory_lock(?) AS ok', [key]).connection(conn)) as { rows: { ok: boolean }[] };
    if (!got.rows[0]?.ok) return null;
    try {
      return await work();
    } finally {
      await db.raw('SELECT pg_advisory_unlock(?)', [key]).connection(conn);
    }
  } finally {
    await client.releaseConnection(conn);
  }
}

/** The 64-bit PostgreSQL advisory lock number of a lock name: the first 8 bytes of its SHA-256, signed, as text. */
export function advisoryKey(name: string): string {
  return crypto.createHash('sha256').update(name, 'utf8').digest().readBigInt64BE(0).toString();
}

/**
 * Run `work` in one transaction that holds, from its first statement, the write lock named `name`, so that a check
 * and the write it allows (no live row yet → insert one) cannot interleave with another instance's:
 * - PostgreSQL: the transaction-level advisory lock advisoryKey(name) (pg_advisory_xact_lock, released at commit or
 *   rollback; transactions of other names run beside it);
 * - SQLite: the database's write lock, taken at once by an UPDATE of `table` (a table with an `id` column) that changes
 *   nothing, as BEGIN IMMEDIATE would: another process's writer is waited for (busy_timeout) instead of failing the
 *   transaction with SQLITE_BUSY later, and the reads that follow see what it committed. Within one process the
 *   one-connection pool already runs transactions one at a time.
 */
export async function lockedTransaction<T>(db: Db, table: string, name: string, work: (trx: Db) => Promise<T>): Promise<T> {
  return db.transaction(async (trx) => {
    if (isSqlite(db)) await trx.raw('UPDATE ?? SET id = id WHERE 0', [table]);
    else await trx.raw('SELECT pg_advisory_xact_lock(?::bigint)', [advisoryKey(name)]);
    return work(trx);
  });
}
