/**
 * The billing migrations on a database of their own (SQLite file, or a
 * PostgreSQL schema): partners already there move onto the `legacy` plan as
 * `active`, closed ones and staff do not; every billing migration rolls back.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { DatabaseConfig } from '../../src/config/index.js';
import { createDb, FolderMigrationSource, type Db } from '../../src/platform/db.js';
import { MIGRATIONS_DIR, PG_SCHEMA, PG_URL } from '../helpers/db.js';

const FIRST = '20261206000100_create-plans';

class Before extends FolderMigrationSource {
  override async getMigrations(): Promise<string[]> {
    return (await super.getMigrations()).filter((f) => f < FIRST);
  }
}

describe('billing migrations', () => {
  let db: Db;
  let dir: string;
  const schema = `${PG_SCHEMA}_billing_migration`;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'artisan-billing-migration-'));
    const database: DatabaseConfig = PG_URL ? { client: 'pg', url: PG_URL, schema } : { client: 'sqlite', filename: path.join(dir, 'm.sqlite') };
    if (PG_URL) {
      const admin = createDb({ client: 'pg', url: PG_URL, schema: undefined });
      await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
      await admin.raw('CREATE SCHEMA ??', [schema]);
      await admin.destroy();
    }
    db = createDb(database);
  });
  after(async () => {
    if (PG_URL) await db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('puts every partner not closed on the legacy plan as active, and rolls back', async () => {
    await db.migrate.latest({ migrationSource: new Before(MIGRATIONS_DIR) });
    const now = new Date('2026-11-22T10:00:00Z').toISOString();
    const account = (id: number, role: string, state: string) => ({
      id, email: `a${id}@example.fr`, password_hash: 'x', role, state, created_at: now, updated_at: now,
    });
    await db('accounts').insert([
      account(1, 'partner', 'active'), account(2, 'partner', 'suspended'), account(3, 'partner', 'closed'), account(4, 'admin', 'active'),
    ]);
    const source = new FolderMigrationSource(MIGRATIONS_DIR);
    await db.migrate.latest({ migrationSource: source });
    const plan = (await db('plans').where({ slug: 'legacy' }).first()) as Record<string, unknown>;
    expect(plan).to.include({ type: 'custom', currency: 'EUR' });
    expect(Boolean(plan.is_public)).to.equal(false);
    const subs = (await db('subscriptions').orderBy('account_id').select('account_id', 'state', 'plan_id')) as Record<string, unknown>[];
    const planId = Number(plan.id);
    expect(subs.map((s) => [Number(s.account_id), s.state, Number(s.plan_id)])).to.deep.equal([[1, 'active', planId], [2, 'active', planId]]);
    expect(Number(((await db('document_counters').where({ series: 'chain' }).first()) as { next_value: unknown }).next_value)).to.equal(1);
    for (;;) {
      const [, done] = (await db.migrate.down({ migrationSource: source })) as [number, string[]];
      if (done[0] === FIRST) break;
    }
    expect(await db.schema.hasTable('plans')).to.equal(false);
    expect(await db.schema.hasColumn('accounts', 'vat_number')).to.equal(false);
    expect(Number(((await db('accounts').count({ n: '*' }).first()) as { n: unknown }).n)).to.equal(4);
  });
});
