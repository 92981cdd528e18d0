/**
 * Migration 20261205000000_recharges-customer on the run's database (SQLite
 * file, or a PostgreSQL schema of its own): existing recharges take their
 * installation's label; `down` removes the column and keeps the rows.
 */
import { expect } from 'chai';
import { openMigrationDb, type MigrationDb } from '../../helpers/db.js';

describe('migration recharges-customer', () => {
  let m: MigrationDb;
  before(async () => { m = await openMigrationDb('20261205000000_recharges-customer'); });
  after(async () => { await m.close(); });

  it("copies each installation's label onto its recharges, and down drops the column only", async () => {
    const { db } = m;
    await m.migrateBefore();
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

    await m.up();
    const rows = (await db('recharges').orderBy('id').select('id', 'customer')) as { id: string; customer: string }[];
    expect(rows.map((r) => [r.id, r.customer])).to.deep.equal([['r1', 'Boulangerie Martin'], ['r2', 'Boulangerie Martin'], ['r3', 'Garage Dupont']]);

    await m.down();
    expect(await db.schema.hasColumn('recharges', 'customer')).to.equal(false);
    expect(((await db('recharges').orderBy('id').select('id')) as { id: string }[]).map((r) => r.id)).to.deep.equal(['r1', 'r2', 'r3']);
  });
});
