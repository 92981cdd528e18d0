/** The read-only repositories of the billing admin pages (they write nothing: the src/billing services do). */
import type { Db } from '../../platform/db.js';
import { BillingAdminRepository } from './billing.repository.js';
import { PromotionsAdminRepository } from './promotions.repository.js';
import { BillingReportsRepository } from './reports.repository.js';

export function billingReports(db: Db): BillingAdminRepository {
  return new BillingAdminRepository(db);
}

/** The grouped queries of the billing dashboard (/admin/billing). */
export function billingDashboardReports(db: Db): BillingReportsRepository {
  return new BillingReportsRepository(db);
}

/** The promotion codes' list, stats and latest uses. */
export function promotionReports(db: Db): PromotionsAdminRepository {
  return new PromotionsAdminRepository(db);
}
