/**
 * The billing test bed plus subscriptions: plans inserted directly (plans
 * belong to the plans service, not under test here), the unit ledger of
 * src/recharge, and the mails kept in memory in the order they were sent.
 */
import { createSubscriptions, type PendingMail, type SubscriptionsService } from '../../src/billing/index.js';
import { LedgerService } from '../../src/recharge/index.js';
import { AuditService } from '../../src/audit/index.js';
import { insertedId } from '../../src/platform/db.js';
import { LEGACY_PLAN } from '../../db/migrations/20261206000100_create-plans.js';
import { billingBed, type BillingBed } from './setup.js';

export interface SubsBed extends BillingBed {
  subs: SubscriptionsService;
  ledger: LedgerService;
  sent: PendingMail[];
  plan(fields?: Record<string, unknown>): Promise<number>;
  legacyPlanId(): Promise<number>;
}

let seq = 0;

export async function subsBed(env: Record<string, string> = {}): Promise<SubsBed> {
  const bed = await billingBed(env);
  const audit = new AuditService(bed.db, bed.clock);
  const ledger = new LedgerService(bed.db, bed.clock, audit);
  const sent: PendingMail[] = [];
  const mails = { send: async (m: PendingMail) => { sent.push(m); } };
  const subs = createSubscriptions(bed, { db: bed.db, clock: bed.clock, audit, billing: bed.config.billing, ledger, mails });
  return {
    ...bed, subs, ledger, sent,
    async plan(fields = {}) {
      seq += 1;
      const now = bed.clock.now().toISOString();
      return insertedId(await bed.db('plans').insert({
        slug: `pro-${seq}`, name_fr: `Pro ${seq}`, name_en: `Pro ${seq}`, type: 'monthly', price: 10000, currency: 'EUR', billing_cycle: 'month',
        limits: JSON.stringify({ units_per_period: 500 }), is_active: true, is_public: true, created_at: now, updated_at: now, ...fields,
      }).returning('id'));
    },
    async legacyPlanId() {
      // The PostgreSQL test schema is emptied between files: the migration's legacy row comes back here.
      const row = (await bed.db('plans').where({ slug: 'legacy' }).first('id')) as { id: number } | undefined;
      if (row) return Number(row.id);
      const now = bed.clock.now().toISOString();
      return insertedId(await bed.db('plans').insert({ ...LEGACY_PLAN, created_at: now, updated_at: now }).returning('id'));
    },
  };
}
