/**
 * The partner's online payment routes (CSRF-checked forms of /subscription/billing, rate-limited):
 * pay an invoice by card on Stripe Checkout or on PayPal (whose return captures: a GET, as PayPal sends the payer
 * back), replace the card kept for renewals.
 */
import { Router, type RequestHandler } from 'express';
import { requireRole } from '../http/auth.js';
import type { createCheckoutController } from './checkout.controller.js';

const partner = requireRole('partner');

export function createCheckoutRouter(ctl: ReturnType<typeof createCheckoutController>, limiter: RequestHandler): Router {
  const router = Router();
  router.post('/subscription/invoices/:id/pay/stripe', partner, limiter, ctl.pay('stripe'));
  router.post('/subscription/invoices/:id/pay/paypal', partner, limiter, ctl.pay('paypal'));
  router.get('/subscription/invoices/:id/return/paypal', partner, limiter, ctl.returned('paypal'));
  router.post('/subscription/billing/card/stripe', partner, limiter, ctl.replaceCard('stripe'));
  return router;
}
