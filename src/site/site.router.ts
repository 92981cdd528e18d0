/** Routes of the public site. */
import { Router, type RequestHandler } from 'express';
import type { createSiteController } from './site.controller.js';

export function createSiteRouter(ctl: ReturnType<typeof createSiteController>, contactLimiter: RequestHandler): Router {
  const router = Router();
  router.get('/', ctl.home);
  router.get('/features', ctl.features);
  router.get('/subscription', ctl.subscription);
  router.get('/legal', ctl.legal);
  router.get('/terms', ctl.terms);
  router.get('/privacy', ctl.privacy);
  router.get('/contact', ctl.contactForm);
  router.post('/contact', contactLimiter, ctl.contactSubmit);
  return router;
}
