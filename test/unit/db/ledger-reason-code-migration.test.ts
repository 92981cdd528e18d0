/**
 * Migration 20261211000000_ledger-entries-reason-code on the run's database
 * (SQLite file, or a PostgreSQL schema of its own): the rows the recharge
 * service wrote get their code and parameters, rows typed by staff or the
 * CLI keep none; `down` drops both columns and keeps the rows.
 */
import { expect } from 'chai';
import { openMigrationDb, type MigrationDb } from '../../helpers/db.js';

const RECHARGE_ID = '0b7e3c52-6f0a-4c1e-9d3b-2a1f5e8c7d90';

describe('migration ledger-entries-reason-code', () => {
  let m: MigrationDb;
  before(async () => { m = await openMigrationDb('20261211000000_ledger-entries-reason-code'); });
  after(async () => { await m.close(); });

  it('codes the recharge debits and revocation credits from their English reason, and down drops the columns only', async () => {
    const { db } = m;
    await m.migrateBefore();
    const now = new Date('2026-11-22T10:00:00Z').toISOString();
    await db('accounts').insert({ id: 1, email: 'p@example.fr', password_hash: 'x', role: 'partner', state: 'active', created_at: now, updated_at: now });
    const row = (id: number, kind: string, units: number, after: number, reason: string, reference: string | null) => ({
      id, account_id: 1, kind, units, balance_after: after, reason, reference, actor_label: 'p@example.fr', created_at: now,
    });
    await db('ledger_entries').insert([
      row(1, 'credit', 100, 100, 'abonnement novembre', null),
      row(2, 'debit', 30, 70, 'recharge ABCDEFGHJK… serial 12', RECHARGE_ID),
      row(3, 'credit', 30, 100, `Revoked recharge ${RECHARGE_ID}: Erreur de saisie : client`, RECHARGE_ID),
      // Typed by staff, looking like the system's sentence: not coded.
      row(4, 'debit', 5, 95, 'recharge ABCDEFGHJK… serial 3', 'adm:5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f'),
    ]);

    await m.up();
    const coded = (await db('ledger_entries').orderBy('id').select('id', 'reason_code', 'reason_params', 'reason')) as {
      id: number; reason_code: string | null; reason_params: string | null; reason: string;
    }[];
    expect(coded.map((r) => [r.id, r.reason_code, r.reason_params && JSON.parse(r.reason_params)])).to.deep.equal([
      [1, null, null],
      [2, 'recharge', { code: 'ABCDEFGHJK', serial: 12 }],
      [3, 'revocation', { recharge: RECHARGE_ID, reason: 'Erreur de saisie : client' }],
      [4, null, null],
    ]);
    expect(coded[1]!.reason).to.equal('recharge ABCDEFGHJK… serial 12');

    await m.down();
    expect(await db.schema.hasColumn('ledger_entries', 'reason_code')).to.equal(false);
    expect(await db.schema.hasColumn('ledger_entries', 'reason_params')).to.equal(false);
    expect(((await db('ledger_entries').orderBy('id').select('id')) as { id: number }[]).map((r) => Number(r.id))).to.deep.equal([1, 2, 3, 4]);
  });
});
