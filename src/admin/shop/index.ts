/**
 * Admin area "Shop": the customers' orders, the catalogue (listings and
 * offers) and the customers. Support reads; admin and superadmin act. The
 * shop's services (src/shop) and AccountsService write and audit; this
 * folder only reads (its repository) and renders.
 *
 *   GET  /admin/orders                       list: q (e-mail, invoice number), status, from/to (placed on), page; format=csv
 *   GET  /admin/orders/:id                   one order: customer, product, offer, invoice, payments, license keys, refund request
 *   POST /admin/orders/:id/refund            admin: reason; confirmation step; RefundsService.approve (order.refunded)
 *   GET  /admin/shop/products                every license-server product, its listing state and offers
 *   GET  /admin/shop/products/:id            the listing form, the offers, the offer form (?offer=<id> edits one)
 *   POST /admin/shop/products/:id            admin: the listing (product_listing.saved)
 *   POST /admin/shop/products/:id/offers     admin: add (offer empty) or change an offer (product_offer.saved)
 *   GET  /admin/customers                    customers: q (e-mail, name, company), page
 *   GET  /admin/customers/:id                profile and orders
 *   POST /admin/customers/:id/suspend        admin: reason; confirmation step (admin.partner.suspended)
 *   POST /admin/customers/:id/reactivate     admin (admin.partner.reactivated)
 */
import { Router } from 'express';
import type { AdminDeps } from '../context.js';
import { adminOnly, staffOnly } from '../shared.js';
import { createShopCustomersController } from './customers.controller.js';
import { createShopOrdersController } from './orders.controller.js';
import { createShopProductsController } from './products.controller.js';
import { shopReports } from './shop-reports.js';
import { thumbnailUpload } from './products.controller.js';

export function createAdminShopRouter(deps: AdminDeps): Router {
  const reports = shopReports(deps.db);
  const orders = createShopOrdersController(deps);
  const products = createShopProductsController(deps, reports);
  const customers = createShopCustomersController(deps, reports);
  const router = Router();
  router.get('/admin/orders', staffOnly, orders.list);
  router.get('/admin/orders/:id', staffOnly, orders.show);
  router.post('/admin/orders/:id/refund', adminOnly, orders.refund);
  router.get('/admin/shop/products', staffOnly, products.list);
  router.get('/admin/shop/products/:id', staffOnly, products.show);
  router.post('/admin/shop/products/:id', adminOnly, products.saveListing);
  router.post('/admin/shop/products/:id/offers', adminOnly, products.saveOffer);
  router.post('/admin/shop/products/:id/thumbnail', adminOnly, thumbnailUpload(deps.config), deps.csrfAfterUpload, products.thumbnail);
  router.get('/admin/customers', staffOnly, customers.list);
  router.get('/admin/customers/:id', staffOnly, customers.show);
  router.post('/admin/customers/:id/suspend', adminOnly, customers.suspend);
  router.post('/admin/customers/:id/reactivate', adminOnly, customers.reactivate);
  return router;
}
