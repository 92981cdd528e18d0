/**
 * In-app notifications of the logged-in account, whatever its role:
 * the list, mark one or all read, open one (read, then its link).
 */
import { Router } from 'express';
import { requireLogin } from '../http/auth.js';
import type { createNotificationsController } from './notifications.controller.js';

export function createNotificationsRouter(ctl: ReturnType<typeof createNotificationsController>): Router {
  const router = Router();
  router.get('/notifications', requireLogin, ctl.list);
  router.post('/notifications/read-all', requireLogin, ctl.readAll);
  router.post('/notifications/:id/read', requireLogin, ctl.read);
  router.post('/notifications/:id/open', requireLogin, ctl.open);
  return router;
}
