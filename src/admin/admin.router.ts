/** The admin area (filled by the admin issue): staff only. */
import { Router, type Request, type Response } from 'express';
import { requireRole, STAFF_ROLES } from '../http/auth.js';

export function createAdminRouter(): Router {
  const router = Router();
  router.get('/admin', requireRole(...STAFF_ROLES), (req: Request, res: Response) => {
    res.render('admin/index', { title: req.t('admin.title') });
  });
  return router;
}
