/** The read-only repositories of the billing admin pages (they write nothing: the src/billing services do). */
import type { Db } from '../../platform/db.js';
import { BillingAdminRepository } from './billing.repository.js';
import { PromotionsAdminRepository } from './promotions.repository.js';

export function billingReports(db: Db): BillingAdminRepository {
  return new BillingAdminRepository(db);
}

/** The promotion codes' list, stats and latest uses. */
export function promotionReports(db: Db): PromotionsAdminRepository {
  return new PromotionsAdminRepository(db);
}
