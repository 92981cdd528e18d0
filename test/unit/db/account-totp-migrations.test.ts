/**
 * Migrations 20261220450100_create-account-totp and
 * 20261220450200_create-account-recovery-codes on the run's database (SQLite
 * file, or a PostgreSQL schema of its own): up creates the table with its
 * keys, down drops it.
 */
import { expect } from 'chai';
import { openMigrationDb, type MigrationDb } from '../../helpers/db.js';

const NOW = new Date('2026-11-22T10:00:00Z').toISOString();

async function refused(insert: Promise<unknown>): Promise<boolean> {
  return insert.then(() => false, () => true);
}

describe('migrations create-account-totp and create-account-recovery-codes', () => {
  let m: MigrationDb | undefined;
  afterEach(async () => { await m?.close(); m = undefined; });

  it('keeps one secret per account, with a time step beyond 32 bits, and down drops the table', async () => {
    m = await openMigrationDb('20261220450100_create-account-totp');
    const { db } = m;
    await m.migrateBefore();
    await db('accounts').insert({ id: 1, email: 'p@example.fr', password_hash: 'x', role: 'partner', state: 'active', created_at: NOW, updated_at: NOW });
    await m.up();
    await db('account_totp').insert({ account_id: 1, secret: 'v1.sealed', created_at: NOW, last_used_step: 59_000_000_000 });
    expect(Number((await db('account_totp').first()).last_used_step)).to.equal(59_000_000_000);
    expect(await refused(db('account_totp').insert({ account_id: 1, secret: 'v1.other', created_at: NOW })), 'a second secret').to.equal(true);
    await m.down();
    expect(await db.schema.hasTable('account_totp')).to.equal(false);
  });

  it('keeps each code hash once per account, and down drops the table', async () => {
    m = await openMigrationDb('20261220450200_create-account-recovery-codes');
    const { db } = m;
    await m.migrateBefore();
    await db('accounts').insert({ id: 1, email: 'p@example.fr', password_hash: 'x', role: 'partner', state: 'active', created_at: NOW, updated_at: NOW });
    await m.up();
    await db('account_recovery_codes').insert({ account_id: 1, code_hash: 'a'.repeat(64), created_at: NOW });
    expect(await refused(db('account_recovery_codes').insert({ account_id: 1, code_hash: 'a'.repeat(64), created_at: NOW })), 'the same hash twice')
      .to.equal(true);
    await m.down();
    expect(await db.schema.hasTable('account_recovery_codes')).to.equal(false);
    expect(await db.schema.hasTable('account_totp'), 'the other migration stays').to.equal(true);
  });
});
