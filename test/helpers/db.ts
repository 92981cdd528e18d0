/**
 * The test database. `npm test` uses a fresh SQLite file per context;
 * with TEST_DATABASE_URL=postgres://… every context shares one PostgreSQL
 * schema (`artisan_test`), dropped and recreated once at the start of the
 * run (the server may hold what an earlier run left), then emptied per context.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DatabaseConfig } from '../../src/config/index.js';
import { DEFAULT_PRODUCTS } from '../../db/migrations/20261122040000_create-products.js';
import { LEGACY_PLAN } from '../../db/migrations/20261206000100_create-plans.js';
import { createDb, FolderMigrationSource, migrate, type Db } from '../../src/platform/db.js';

export const PG_URL = process.env.TEST_DATABASE_URL;
/** `TEST_PG_SCHEMA` lets two runs share the server without sharing a schema (default `artisan_test`). */
export const PG_SCHEMA = process.env.TEST_PG_SCHEMA ?? 'artisan_test';
export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '..', '..', 'db', 'migrations');

/** DATABASE_URL and DATABASE_SCHEMA for a context whose files live under `dbDir`. */
export function testDatabaseEnv(dbDir: string): Record<string, string> {
  if (PG_URL) return { DATABASE_URL: PG_URL, DATABASE_SCHEMA: PG_SCHEMA };
  return { DATABASE_URL: `sqlite:${path.join(dbDir, 'test.sqlite')}` };
}

/** Drop and recreate the PostgreSQL test schema and migrate it (once per run). */
export async function resetPgSchema(): Promise<void> {
  if (!PG_URL) return;
  const admin = createDb({ client: 'pg', url: PG_URL, schema: undefined });
  await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [PG_SCHEMA]);
  await admin.raw('CREATE SCHEMA ??', [PG_SCHEMA]);
  await admin.destroy();
  const db = createDb({ client: 'pg', url: PG_URL, schema: PG_SCHEMA });
  await migrate(db, { client: 'pg', url: PG_URL, schema: PG_SCHEMA }, MIGRATIONS_DIR);
  await db.destroy();
}

/** Open the context's database: migrated, and empty of rows. */
export async function openTestDb(database: DatabaseConfig): Promise<Db> {
  const db = createDb(database);
  if (database.client === 'sqlite') {
    await migrate(db, database, MIGRATIONS_DIR);
    return db;
  }
  const rows = (await db.raw(
    "SELECT tablename FROM pg_tables WHERE schemaname = ? AND tablename NOT LIKE 'knex_migrations%'",
    [PG_SCHEMA],
  )) as { rows: { tablename: string }[] };
  const tables = rows.rows.map((r) => r.tablename);
  if (tables.length) await db.raw(`TRUNCATE ${tables.map(() => '??').join(', ')} RESTART IDENTITY CASCADE`, tables);
  // Reference rows the migrations insert, as a fresh SQLite database has them.
  const now = new Date().toISOString();
  await db('products').insert(DEFAULT_PRODUCTS.map((p) => ({ ...p, created_at: now, updated_at: now })));
  await db('plans').insert({ ...LEGACY_PLAN, created_at: now, updated_at: now });
  return db;
}

/** A database of its own for testing one migration (see openMigrationDb). */
export interface MigrationDb {
  db: Db;
  /** Run every migration before `name`. */
  migrateBefore(): Promise<void>;
  up(): Promise<void>;
  down(): Promise<void>;
  /** Drop the PostgreSQL schema or the SQLite file. */
  close(): Promise<void>;
}

/**
 * A fresh database for the migration `name` (file name without extension):
 * a SQLite file in a temporary folder, or with TEST_DATABASE_URL a
 * PostgreSQL schema `<PG_SCHEMA>_migration` of its own.
 */
export async function openMigrationDb(name: string): Promise<MigrationDb> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'artisan-migration-'));
  const schema = `${PG_SCHEMA}_migration`;
  if (PG_URL) {
    const admin = createDb({ client: 'pg', url: PG_URL, schema: undefined });
    await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
    await admin.raw('CREATE SCHEMA ??', [schema]);
    await admin.destroy();
  }
  const db = createDb(PG_URL ? { client: 'pg', url: PG_URL, schema } : { client: 'sqlite', filename: path.join(dir, 'm.sqlite') });
  const source = new FolderMigrationSource(MIGRATIONS_DIR);
  /** The migrations before `name` only. */
  class Before extends FolderMigrationSource {
    override async getMigrations(): Promise<string[]> {
      return (await super.getMigrations()).filter((f) => f < name);
    }
  }
  return {
    db,
    migrateBefore: async () => { await db.migrate.latest({ migrationSource: new Before(MIGRATIONS_DIR) }); },
    up: async () => { await db.migrate.up({ name, migrationSource: source }); },
    down: async () => { await db.migrate.down({ name, migrationSource: source }); },
    close: async () => {
      if (PG_URL) await db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
      await db.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
