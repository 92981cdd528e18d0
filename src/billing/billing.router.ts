/**
 * The partner's billing pages: plans, checkout summary, pay (issues the
 * invoice, manual gateway's instructions), the billing page with invoices,
 * payments and the cancel / undo cancel actions, an invoice's PDF (its owner
 * only; anyone else gets 404), the unit packs (list, summary, buy).
 */
import { Router } from 'express';
import { requireRole } from '../http/auth.js';
import type { createBillingController } from './billing.controller.js';

const partner = requireRole('partner');

export function createBillingRouter(ctl: ReturnType<typeof createBillingController>): Router {
  const router = Router();
  router.get('/subscription/plans', partner, ctl.plans);
  router.get('/subscription/checkout/:planId', partner, ctl.summary);
  router.post('/subscription/checkout', partner, ctl.pay);
  router.get('/subscription/billing', partner, ctl.billing);
  router.post('/subscription/billing/cancel', partner, ctl.cancel);
  router.post('/subscription/billing/undo-cancel', partner, ctl.undoCancel);
  router.get('/subscription/invoices/:id/pdf', partner, ctl.pdf);
  router.get('/subscription/packs', partner, ctl.packs);
  router.get('/subscription/packs/:planId', partner, ctl.packSummary);
  router.post('/subscription/packs', partner, ctl.buyPack);
  return router;
}
