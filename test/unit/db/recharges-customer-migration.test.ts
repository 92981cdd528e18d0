/**
 * Migration 20261205000000_recharges-customer on the run's database (SQLite
 * file, or a PostgreSQL schema of its own): existing recharges take their
 * installation's label; `down` removes the column and keeps the rows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { DatabaseConfig } from '../../../src/config/index.js';
import { createDb, FolderMigrationSource, type Db } from '../../../src/platform/db.js';
import { MIGRATIONS_DIR, PG_SCHEMA, PG_URL } from '../../helpers/db.js';

const NAME = '20261205000000_recharges-customer';

/** The migrations before this one only. */
class Before extends FolderMigrationSource {
  override async getMigrations(): Promise<string[]> {
    return (await super.getMigrations()).filter((f) => f < NAME);
  }
}

describe('migration recharges-customer', () => {
  let db: Db;
  let dir: string;
  const schema = `${PG_SCHEMA}_migration`;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'artisan-migration-'));
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

  it("copies each installation's label onto its recharges, and down drops the column only", async () => {
    await db.migrate.latest({ migrationSource: new Before(MIGRATIONS_DIR) });
    const now = new Date('2026-11-22T10:00:00Z').toISOString();
    await db('accounts').insert({ id: 1, email: 'p@example.fr', password_hash: 'x', role: 'partner', state: 'active', created_at: now, updated_at: now });
    await db('installations').insert([
      { id: 1, code: 'A'.repeat(55), partner_id: 1, customer: 'Boulangerie Martin', created_at: now, updated_at: now },
      { id: 2, code: 'B'.repeat(55), partner_id: 1, customer: 'Garage Dupont', created_at: now, updated_at: now },
    ]);
    const recharge = (id: string, installation: number, serial: number) => ({
      id, partner_id: 1, installation_id: installation, serial, units: 5, kid: '0011223344556677',
      file: Buffer.from('x'), sha256: '0'.repeat(64), issued_at: now,
    });
    await db('recharges').insert([recharge('r1', 1, 1), recharge('r2', 1, 2), recharge('r3', 2, 1)]);

    const source = new FolderMigrationSource(MIGRATIONS_DIR);
    await db.migrate.up({ name: NAME, migrationSource: source });
    const rows = (await db('recharges').orderBy('id').select('id', 'customer')) as { id: string; customer: string }[];
    expect(rows.map((r) => [r.id, r.customer])).to.deep.equal([['r1', 'Boulangerie Martin'], ['r2', 'Boulangerie Martin'], ['r3', 'Garage Dupont']]);

    await db.migrate.down({ name: NAME, migrationSource: source });
    expect(await db.schema.hasColumn('recharges', 'customer')).to.equal(false);
    expect(((await db('recharges').orderBy('id').select('id')) as { id: string }[]).map((r) => r.id)).to.deep.equal(['r1', 'r2', 'r3']);
  });
});
