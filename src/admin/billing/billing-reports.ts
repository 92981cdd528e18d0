/** The read-only repository of the billing admin pages (it writes nothing: the src/billing services do). */
import type { Db } from '../../platform/db.js';
import { BillingAdminRepository } from './billing.repository.js';

export function billingReports(db: Db): BillingAdminRepository {
  return new BillingAdminRepository(db);
}
