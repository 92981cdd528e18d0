/**
 * Admin area of the license server. Support reads the licenses
 * and their statistics; admin and superadmin act, and alone see activation
 * codes, API tokens and products. Revoke, suspend, reinstate and token
 * revocation go through the confirmation step (src/admin/shared.ts `confirmed`).
 *
 *   GET  /admin/licenses                        list (?q machine/e-mail/license id, product, state, type, sort, dir, page; ?format=csv)
 *   GET  /admin/licenses/stats                  per product: active trials, paid, trial → paid conversion, validations per day
 *   GET  /admin/licenses/:id                    detail: activations, last 50 heartbeats, audit rows
 *   POST /admin/licenses/:id/revoke             reason; active|suspended → revoked       (license.revoked)
 *   POST /admin/licenses/:id/suspend            reason; active → suspended               (license.suspended)
 *   POST /admin/licenses/:id/reinstate          suspended|revoked → active               (license.reinstated)
 *   POST /admin/licenses/:id/extend             days 1..3650 or until YYYY-MM-DD, reason; not lifetime (license.extended)
 *   GET  /admin/activation-codes                batches and the generation form
 *   POST /admin/activation-codes                product, type, duration_days, count 1..10 000, expires_at, note (activation_batch.created)
 *   GET  /admin/activation-codes/:id            a batch's codes (?used=yes|no, page; ?format=csv)
 *   GET  /admin/api-tokens                      every admin's tokens
 *   POST /admin/api-tokens                      label; the token is shown once (api_token.created)
 *   POST /admin/api-tokens/:id/revoke           (api_token.revoked)
 *   GET  /admin/products                        products, policies, the add form
 *   POST /admin/products                        code, policy (product.created)
 *   GET  /admin/products/:id                    the policy form
 *   POST /admin/products/:id                    policy (product.updated)
 */
import { Router } from 'express';
import type { AdminDeps } from '../context.js';
import { adminOnly, staffOnly } from '../shared.js';
import { createActivationCodesController } from './codes.controller.js';
import { LicenseReports } from './license-reports.js';
import { createAdminLicensesController } from './licenses.controller.js';
import { createProductsController } from './products.controller.js';
import { createLicenseStatsController } from './stats.controller.js';
import { createApiTokensController } from './tokens.controller.js';

export function createAdminLicensesRouter(deps: AdminDeps): Router {
  const reports = new LicenseReports(deps.db, deps.products);
  const licenses = createAdminLicensesController(deps, reports);
  const codes = createActivationCodesController(deps);
  const tokens = createApiTokensController(deps);
  const products = createProductsController(deps);
  const router = Router();
  router.get('/admin/licenses', staffOnly, licenses.list);
  router.get('/admin/licenses/stats', staffOnly, createLicenseStatsController(deps, reports));
  router.get('/admin/licenses/:id', staffOnly, licenses.show);
  router.post('/admin/licenses/:id/revoke', adminOnly, licenses.revoke);
  router.post('/admin/licenses/:id/suspend', adminOnly, licenses.suspend);
  router.post('/admin/licenses/:id/reinstate', adminOnly, licenses.reinstate);
  router.post('/admin/licenses/:id/extend', adminOnly, licenses.extend);
  router.get('/admin/activation-codes', adminOnly, codes.list);
  router.post('/admin/activation-codes', adminOnly, codes.generate);
  router.get('/admin/activation-codes/:id', adminOnly, codes.show);
  router.get('/admin/api-tokens', adminOnly, tokens.list);
  router.post('/admin/api-tokens', adminOnly, tokens.create);
  router.post('/admin/api-tokens/:id/revoke', adminOnly, tokens.revoke);
  router.get('/admin/products', adminOnly, products.list);
  router.post('/admin/products', adminOnly, products.create);
  router.get('/admin/products/:id', adminOnly, products.edit);
  router.post('/admin/products/:id', adminOnly, products.update);
  return router;
}
