/**
 * Admin area "Billing": plans, invoices and credit notes, payments, the
 * credit balance. Support reads; admin and superadmin act. The billing
 * services (src/billing) write and audit; this folder only reads (its
 * repository) and renders.
 *
 *   GET  /admin/plans                      the plans
 *   GET  /admin/plans/new                  admin: the new plan form
 *   POST /admin/plans                      admin: create (plan.created)
 *   GET  /admin/plans/:id                  the plan's form (read-only for support)
 *   POST /admin/plans/:id                  admin: every field but the slug (plan.updated)
 *   POST /admin/plans/:id/activate         admin (plan.activated)
 *   POST /admin/plans/:id/deactivate       admin, confirmation step (plan.deactivated)
 */
import { Router } from 'express';
import type { AdminDeps } from '../context.js';
import { adminOnly, staffOnly } from '../shared.js';
import { createPlansController } from './plans.controller.js';

export function createAdminBillingRouter(deps: AdminDeps): Router {
  const plans = createPlansController(deps);
  const router = Router();
  router.get('/admin/plans', staffOnly, plans.list);
  router.get('/admin/plans/new', adminOnly, plans.newForm);
  router.post('/admin/plans', adminOnly, plans.create);
  router.get('/admin/plans/:id', staffOnly, plans.edit);
  router.post('/admin/plans/:id', adminOnly, plans.update);
  router.post('/admin/plans/:id/activate', adminOnly, plans.activate);
  router.post('/admin/plans/:id/deactivate', adminOnly, plans.deactivate);
  return router;
}
