/**
 * The shop's routes: the public catalogue and its JSON, the customers' checkout,
 * orders, payments and licenses, courses bought alone (CSRF-checked forms, rate-limited payment starts, a device released
 * from a key),
 * their API tokens (/account/tokens; the customer API itself: customer-api.ts).
 */
import { Router, type RequestHandler } from 'express';
import { requireRole } from '../http/auth.js';
import type { createCourseOrdersController } from './course-orders.controller.js';
import type { createOrdersController } from './orders.controller.js';
import type { createShopController } from './shop.controller.js';
import type { createTokensController } from './tokens.controller.js';

const customer = requireRole('customer');

export function createShopRouter(shop: ReturnType<typeof createShopController>, orders: ReturnType<typeof createOrdersController>,
  limiter: RequestHandler, tokens: ReturnType<typeof createTokensController>, courseOrders: ReturnType<typeof createCourseOrdersController>): Router {
  const router = Router();
  router.get('/products', shop.list);
  router.get('/products/:sku', shop.show);
  router.get('/products/:sku/thumbnail', shop.thumbnail);
  router.get('/products/:sku/checkout', customer, shop.checkout);
  router.post('/products/:sku/checkout', customer, limiter, shop.order);
  router.get('/api/products', shop.apiList);
  router.get('/api/products/:id', shop.apiShow);
  router.get('/account', customer, orders.dashboard);
  router.get('/orders', customer, orders.list);
  router.get('/orders/:id', customer, orders.show);
  router.get('/orders/:id/invoice.pdf', customer, orders.pdf);
  router.post('/orders/:id/pay/stripe', customer, limiter, orders.pay('stripe'));
  router.post('/orders/:id/pay/paypal', customer, limiter, orders.pay('paypal'));
  router.get('/orders/:id/return/paypal', customer, limiter, orders.returned('paypal'));
  router.post('/orders/:id/refund', customer, limiter, orders.refund);
  router.get('/orders/:id/renew', customer, orders.renewForm);
  router.post('/orders/:id/renew', customer, limiter, orders.renew);
  router.get('/licenses', customer, orders.licenses);
  router.get('/licenses/:id', customer, orders.license);
  router.post('/licenses/release', customer, limiter, orders.release);
  router.post('/downloads/generate', customer, limiter, orders.generateLink);
  router.get('/courses/:slug/buy', customer, courseOrders.summary);
  router.post('/courses/:slug/buy', customer, limiter, courseOrders.buy);
  router.get('/course-orders/:id', customer, courseOrders.show);
  router.get('/course-orders/:id/invoice.pdf', customer, courseOrders.pdf);
  router.post('/course-orders/:id/pay/stripe', customer, limiter, courseOrders.pay('stripe'));
  router.post('/course-orders/:id/pay/paypal', customer, limiter, courseOrders.pay('paypal'));
  router.get('/course-orders/:id/return/paypal', customer, limiter, courseOrders.returned('paypal'));
  router.get('/account/tokens', customer, tokens.list);
  router.post('/account/tokens', customer, limiter, tokens.create);
  router.post('/account/tokens/:id/revoke', customer, limiter, tokens.revoke);
  return router;
}
