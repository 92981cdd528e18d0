/**
 * The admin area: staff only (support reads, admin and superadmin act; the
 * guards are in src/admin/shared.ts). Each area lives in src/admin/<area>/
 * with its views in views/admin/<area>/ and its texts in
 * src/locales/<lng>/admin-<area>.json.
 */
import { Router } from 'express';
import type { AdminDeps } from './context.js';
import { createAdminAuditRouter } from './audit/index.js';
import { createAdminBillingRouter } from './billing/index.js';
import { createAdminCoursesRouter } from './courses/index.js';
import { createAdminDashboardRouter } from './dashboard/index.js';
import { createAdminDownloadsRouter } from './downloads/index.js';
import { createAdminInstallationsRouter } from './installations/index.js';
import { createAdminKeysRouter } from './keys/index.js';
import { createAdminLicensesRouter } from './licenses/index.js';
import { createAdminMessagesRouter } from './messages/index.js';
import { createAdminPackagesRouter } from './packages/index.js';
import { createAdminPartnersRouter } from './partners/index.js';
import { createAdminRechargesRouter } from './recharges/index.js';
import { createAdminReleasesRouter } from './releases/index.js';
import { createAdminShopRouter } from './shop/index.js';
import { createAdminSubscriptionsRouter } from './subscriptions/index.js';
import { createAdminTicketsRouter } from './tickets/index.js';

export function createAdminRouter(deps: AdminDeps): Router {
  const router = Router();
  for (const create of [
    createAdminDashboardRouter, createAdminPartnersRouter, createAdminInstallationsRouter, createAdminRechargesRouter,
    createAdminReleasesRouter, createAdminDownloadsRouter, createAdminKeysRouter, createAdminMessagesRouter, createAdminAuditRouter, createAdminLicensesRouter,
    createAdminBillingRouter, createAdminSubscriptionsRouter, createAdminCoursesRouter, createAdminShopRouter, createAdminTicketsRouter,
    createAdminPackagesRouter,
  ]) router.use(create(deps));
  return router;
}
