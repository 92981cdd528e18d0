/**
 * Admin area "Billing": plans, invoices and credit notes, payments, the
 * credit balance. Support reads; admin and superadmin act. The billing
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
 *   GET  /admin/credits                    credit entries: q, kind, page; the grant form for admins
 *   POST /admin/credits                    admin: partner, amount, currency, reason, expires_on; confirmation step (credit.granted)
 */
import { Router } from 'express';
import type { AdminDeps } from '../context.js';
import { adminOnly, staffOnly } from '../shared.js';
import { billingDashboardReports, billingReports } from './billing-reports.js';
import { createBillingDashboardController } from './dashboard.controller.js';
import { createInvoiceActionsController } from './invoice-actions.controller.js';
import { createInvoicesController } from './invoices.controller.js';
import { createPaymentsController } from './payments.controller.js';
import { createPlansController } from './plans.controller.js';

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
  router.get('/admin/credits', staffOnly, money.credits);
  router.post('/admin/credits', adminOnly, money.grant);
  return router;
}
