/** The partner area's pages (the dashboard for now; recharges come with the recharge issue). */
import { Router, type Request, type Response } from 'express';
import { requireRole } from '../http/auth.js';

export function createPartnersRouter(): Router {
  const router = Router();
  router.get('/subscription/dashboard', requireRole('partner'), (req: Request, res: Response) => {
    res.render('partners/dashboard', { title: req.t('partners.dashboard.title') });
  });
  return router;
}
