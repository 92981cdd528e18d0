/**
 * Routes of the support component, customer and partner side (the staff
 * queue is the admin area /admin/tickets, src/admin/tickets). The message
 * forms take attachments: multer parses them in the route, then the text
 * rule and the CSRF check (`csrfAfterUpload`).
 */
import { Router, type RequestHandler } from 'express';
import { requireRole } from '../http/auth.js';
import { attachmentsUpload } from './attachments.js';
import type { createSupportController } from './support.controller.js';

const customer = requireRole('partner', 'customer');

export function createSupportRouter(ctl: ReturnType<typeof createSupportController>, csrfAfterUpload: RequestHandler, limiter: RequestHandler): Router {
  const router = Router();
  router.get('/support/tickets', customer, ctl.list);
  router.get('/support/tickets/new', customer, ctl.newForm);
  router.post('/support/tickets', customer, limiter, attachmentsUpload, csrfAfterUpload, ctl.create);
  router.get('/support/tickets/:id', customer, ctl.show);
  router.post('/support/tickets/:id/reply', customer, limiter, attachmentsUpload, csrfAfterUpload, ctl.reply);
  router.post('/support/tickets/:id/close', customer, ctl.close);
  router.get('/support/tickets/:id/attachments/:attachmentId', customer, ctl.attachment);
  return router;
}
