/**
 * Admin area "Subscriptions" (billing): support reads, admin and superadmin
 * act. SubscriptionsService (src/billing) writes and audits; this folder
 * reads (subscription-reports.ts) and renders.
 *
 *   GET  /admin/subscriptions                  list: q (partner e-mail or company, plan), state, page; format=csv
 *   GET  /admin/subscriptions/:id              one subscription: snapshot, period, dunning, timeline, documents, credit
 *   POST /admin/subscriptions/:id/extend       admin: invoice_id, due_date, reason (subscription.due_extended)
 *   POST /admin/subscriptions/:id/suspend      admin, confirmation step (subscription.suspended)
 *   POST /admin/subscriptions/:id/reactivate   admin (subscription.reactivated)
 *   POST /admin/subscriptions/:id/pause        admin, confirmation step (subscription.paused)
 *   POST /admin/subscriptions/:id/resume       admin (subscription.resumed)
 *   POST /admin/subscriptions/:id/cancel       admin, confirmation step (subscription.cancelled)
 */
import { Router } from 'express';
import type { AdminDeps } from '../context.js';
import { adminOnly, staffOnly } from '../shared.js';
import { createSubscriptionsController } from './subscriptions.controller.js';

export function createAdminSubscriptionsRouter(deps: AdminDeps): Router {
  const ctl = createSubscriptionsController(deps);
  const router = Router();
  router.get('/admin/subscriptions', staffOnly, ctl.list);
  router.get('/admin/subscriptions/:id', staffOnly, ctl.show);
  router.post('/admin/subscriptions/:id/extend', adminOnly, ctl.extend);
  router.post('/admin/subscriptions/:id/suspend', adminOnly, ctl.suspend);
  router.post('/admin/subscriptions/:id/reactivate', adminOnly, ctl.reactivate);
  router.post('/admin/subscriptions/:id/pause', adminOnly, ctl.pause);
  router.post('/admin/subscriptions/:id/resume', adminOnly, ctl.resume);
  router.post('/admin/subscriptions/:id/cancel', adminOnly, ctl.cancel);
  return router;
}
