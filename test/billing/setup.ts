/**
 * A billing test bed on the run's database (SQLite file, or the PostgreSQL
 * test schema): configuration with a seller, a fixed clock, the billing
 * services as createBilling builds them, and partner accounts inserted
 * directly (the accounts component is not under test here).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuditService, SYSTEM_ACTOR, type Actor } from '../../src/audit/index.js';
import { createBilling, type Billing } from '../../src/billing/index.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { FixedClock } from '../../src/platform/clock.js';
import { insertedId, type Db } from '../../src/platform/db.js';
import { openTestDb, testDatabaseEnv } from '../helpers/db.js';

export const SELLER_ENV = {
  BILLING_SELLER_NAME: 'Artisan ND SAS', BILLING_SELLER_ADDRESS: '12 rue des Imprimeurs, 69001 Lyon', BILLING_SELLER_SIRET: '12345678900012',
  BILLING_SELLER_VAT_NUMBER: 'FR12123456789', BILLING_SELLER_RCS: 'RCS Lyon 123 456 789', BILLING_SELLER_CAPITAL: 'SAS au capital de 10 000 €',
};

export interface BillingBed extends Billing {
  db: Db;
  config: Readonly<Config>;
  clock: FixedClock;
  actor: Actor;
  dir: string;
  env: Record<string, string>;
  partner(fields?: Partial<{ company: string; name: string; country: string; locale: string; address: string; vat_number: string }>): Promise<number>;
  close(): Promise<void>;
}

let seq = 0;

export async function billingBed(env: Record<string, string> = {}): Promise<BillingBed> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'artisan-billing-'));
  const fullEnv = { NODE_ENV: 'test', LOG_LEVEL: 'silent', DB_DIR: path.join(dir, 'db'), ...testDatabaseEnv(path.join(dir, 'db')), ...SELLER_ENV, ...env };
  const config = loadConfig(fullEnv);
  const db = await openTestDb(config.database);
  const clock = new FixedClock(new Date('2026-11-22T10:00:00Z'));
  const audit = new AuditService(db, clock);
  const billing = createBilling({ db, clock, audit, billing: config.billing });
  return {
    ...billing, db, config, clock, dir, env: fullEnv, actor: SYSTEM_ACTOR,
    async partner(fields = {}) {
      seq += 1;
      const now = clock.now().toISOString();
      return insertedId(await db('accounts').insert({
        email: `partner${seq}@example.fr`, password_hash: 'x', role: 'partner', state: 'active', public_ref: `PTN-B${seq}`,
        company: 'Imprimerie Durand', name: 'Marie Durand', country: 'FR', locale: 'fr', address: '3 place du Marché\n33000 Bordeaux',
        ...fields, created_at: now, updated_at: now,
      }).returning('id'));
    },
    async close() {
      await db.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The text pdftotext extracts from `pdf`, whitespace (also no-break spaces) collapsed to one space. */
export async function pdfText(pdf: Buffer, dir: string): Promise<string> {
  const { execFileSync } = await import('node:child_process');
  const file = path.join(dir, `doc-${Date.now()}-${Math.random().toString(36).slice(2)}.pdf`);
  fs.writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(/[\s\u00a0\u202f]+/g, ' ');
}
