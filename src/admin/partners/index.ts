/**
 * Admin area: /admin/partners. Support reads the list and the detail pages;
 * admin and superadmin act; only a superadmin changes roles (and manages
 * staff accounts). Suspend, debit, close and role changes go through the
 * confirmation step (src/admin/shared.ts `confirmed`).
 *
 *   GET  /admin/partners                          list (?q, state, sort, dir, page; ?format=csv)
 *   GET  /admin/partners/:id                      detail
 *   POST /admin/partners/:id/activate             pending_verification → active
 *   POST /admin/partners/:id/suspend              reason; active → suspended; sessions ended
 *   POST /admin/partners/:id/reactivate           suspended → active
 *   POST /admin/partners/:id/balance              kind credit|debit, units, reason (ledger row)
 *   POST /admin/partners/:id/resend-verification  mails a verification link (pending accounts)
 *   POST /admin/partners/:id/send-reset           mails a password reset link
 *   POST /admin/partners/:id/role                 role (superadmin)
 *   POST /admin/partners/:id/close                reason, anonymise=yes; → closed; sessions ended
 */
import { Router } from 'express';
import type { AdminDeps } from '../context.js';
import { adminOnly, staffOnly, superadminOnly } from '../shared.js';
import { createAdminPartnersController } from './partners.controller.js';

export function createAdminPartnersRouter(deps: AdminDeps): Router {
  const ctl = createAdminPartnersController(deps);
  const router = Router();
  router.get('/admin/partners', staffOnly, ctl.list);
  router.get('/admin/partners/:id', staffOnly, ctl.show);
  router.post('/admin/partners/:id/activate', adminOnly, ctl.activate);
  router.post('/admin/partners/:id/suspend', adminOnly, ctl.suspend);
  router.post('/admin/partners/:id/reactivate', adminOnly, ctl.reactivate);
  router.post('/admin/partners/:id/balance', adminOnly, ctl.balance);
  router.post('/admin/partners/:id/resend-verification', adminOnly, ctl.resendVerification);
  router.post('/admin/partners/:id/send-reset', adminOnly, ctl.sendReset);
  router.post('/admin/partners/:id/role', superadminOnly, ctl.role);
  router.post('/admin/partners/:id/close', adminOnly, ctl.close);
  return router;
}
