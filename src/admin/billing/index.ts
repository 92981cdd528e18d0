/**
 * Admin area "Billing": plans, invoices and credit notes, payments, the
 * credit balance, promotion codes. Support reads; admin and superadmin act. The billing
 * services (src/billing) write and audit; this folder only reads (its
 * repository) and renders.
 *
 *   GET  /admin/billing                    the dashboard: MRR, movements, churn, conversion, per plan and promotion; from/to (months),
 *                                          format=csv&table=<name> (billing-dashboard.ts)
 *   GET  /admin/plans                      the plans
 *   GET  /admin/plans/new                  admin: the new plan form
 *   POST /admin/plans                      admin: create (plan.created)
 *   GET  /admin/plans/:id                  the plan's form (read-only for support)
 *   POST /admin/plans/:id                  admin: every field but the slug (plan.updated)
 *   POST /admin/plans/:id/activate         admin (plan.activated)
 *   POST /admin/plans/:id/deactivate       admin, confirmation step (plan.deactivated)
 *   GET  /admin/invoices                   list: q (number, e-mail, company), status, kind, from/to (issue date), page; format=csv (finalised only)
 *   GET  /admin/invoices/new               admin: manual invoice form (partner, currency, up to 5 lines)
 *   POST /admin/invoices                   admin: the draft (invoice.draft_created)
 *   GET  /admin/invoices/verify            the hash chain walked, first broken link named
 *   GET  /admin/invoices/:id               one document: lines, totals, mentions, payments, credit notes, forms
 *   GET  /admin/invoices/:id/pdf           the stored PDF (staff)
 *   POST /admin/invoices/:id/finalise      admin, confirmation step (invoice.finalised)
 *   POST /admin/invoices/:id/payments      admin: amount, method, reference, date, idempotency_key, overpay (payment.recorded)
 *   POST /admin/invoices/:id/credit-note   admin: amount (HT), reason; confirmation step (credit_note.issued)
 *   GET  /admin/payments                   list: q, method, from/to (received on), page; format=csv
 *   GET  /admin/payments/:id               one payment, its refunds and credit notes, the refund form for admins
 *   POST /admin/payments/:id/refund        admin: amount, reason, idempotency_key; confirmation step; gateway refund then credit note
 *   GET  /admin/webhooks                   gateway notifications: q (event id, type), gateway, status, page
 *   GET  /admin/webhooks/:id               one notification: body, attempts, last error or reason; replay form for admins
 *   POST /admin/webhooks/:id/replay        admin: a failed or ignored notification processed again; confirmation step (inbound_event.replayed)
 *   GET  /admin/credits                    credit entries: q, kind, page; the grant form for admins
 *   POST /admin/credits                    admin: partner, amount, currency, reason, expires_on; confirmation step (credit.granted)
 *   GET  /admin/promotions                 promotion codes: q (code, name), page; uses, revenue HT and discount given per code
 *   GET  /admin/promotions/new             admin: the new code form
 *   POST /admin/promotions                 admin: create (promotion.created)
 *   GET  /admin/promotions/:id             the code's form (read-only for support), its stats and latest uses
 *   POST /admin/promotions/:id             admin: every field but the code (promotion.updated)
 *   POST /admin/promotions/:id/activate    admin (promotion.activated)
 *   POST /admin/promotions/:id/deactivate  admin, confirmation step (promotion.deactivated)
 */
import { Router } from 'express';
import type { AdminDeps } from '../context.js';
import { adminOnly, staffOnly } from '../shared.js';
import { billingDashboardReports, billingReports, promotionReports } from './billing-reports.js';
import { createBillingDashboardController } from './dashboard.controller.js';
import { createInvoiceActionsController } from './invoice-actions.controller.js';
import { createInvoicesController } from './invoices.controller.js';
import { createPaymentController } from './payment.controller.js';
import { createPaymentsController } from './payments.controller.js';
import { createPlansController } from './plans.controller.js';
import { createWebhooksController } from './webhooks.controller.js';
import { createPromotionsController } from './promotions.controller.js';

export function createAdminBillingRouter(deps: AdminDeps): Router {
  const plans = createPlansController(deps);
  const dashboard = createBillingDashboardController(deps, billingDashboardReports(deps.db));
  const router = Router();
  router.get('/admin/billing', staffOnly, dashboard.show);
  router.get('/admin/plans', staffOnly, plans.list);
  router.get('/admin/plans/new', adminOnly, plans.newForm);
  router.post('/admin/plans', adminOnly, plans.create);
  router.get('/admin/plans/:id', staffOnly, plans.edit);
  router.post('/admin/plans/:id', adminOnly, plans.update);
  router.post('/admin/plans/:id/activate', adminOnly, plans.activate);
  router.post('/admin/plans/:id/deactivate', adminOnly, plans.deactivate);
  const reports = billingReports(deps.db);
  const invoices = createInvoicesController(deps, reports);
  const actions = createInvoiceActionsController(deps, reports, invoices);
  router.get('/admin/invoices', staffOnly, invoices.list);
  router.get('/admin/invoices/new', adminOnly, actions.newForm);
  router.post('/admin/invoices', adminOnly, actions.create);
  router.get('/admin/invoices/verify', staffOnly, invoices.verify);
  router.get('/admin/invoices/:id', staffOnly, invoices.show);
  router.get('/admin/invoices/:id/pdf', staffOnly, invoices.pdf);
  router.post('/admin/invoices/:id/finalise', adminOnly, actions.finalise);
  router.post('/admin/invoices/:id/payments', adminOnly, actions.pay);
  router.post('/admin/invoices/:id/credit-note', adminOnly, actions.creditNote);
  const money = createPaymentsController(deps, reports);
  router.get('/admin/payments', staffOnly, money.payments);
  const payment = createPaymentController(deps, reports);
  router.get('/admin/payments/:id', staffOnly, payment.show);
  router.post('/admin/payments/:id/refund', adminOnly, payment.refund);
  const webhooks = createWebhooksController(deps);
  router.get('/admin/webhooks', staffOnly, webhooks.list);
  router.get('/admin/webhooks/:id', staffOnly, webhooks.show);
  router.post('/admin/webhooks/:id/replay', adminOnly, webhooks.replay);
  router.get('/admin/credits', staffOnly, money.credits);
  router.post('/admin/credits', adminOnly, money.grant);
  const promotions = createPromotionsController(deps, promotionReports(deps.db));
  router.get('/admin/promotions', staffOnly, promotions.list);
  router.get('/admin/promotions/new', adminOnly, promotions.newForm);
  router.post('/admin/promotions', adminOnly, promotions.create);
  router.get('/admin/promotions/:id', staffOnly, promotions.edit);
  router.post('/admin/promotions/:id', adminOnly, promotions.update);
  router.post('/admin/promotions/:id/activate', adminOnly, promotions.activate);
  router.post('/admin/promotions/:id/deactivate', adminOnly, promotions.deactivate);
  return router;
}
