/**
 * Admin area: /admin/maintenance, the maintenance switch (the same as `npm run maintenance`).
 *
 * - GET  /admin/maintenance  on or off, the message, when and by whom it was set; staff read it
 * - POST /admin/maintenance  `action` on (with `message`) or off: admins and superadmins; MaintenanceService.set
 *                            writes the switch and its audit row in one transaction
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { actorOf } from '../http/actor.js';
import { requireRole, STAFF_ROLES } from '../http/auth.js';
import { flash } from '../http/flash.js';
import { MAINTENANCE_MESSAGE_MAX, type MaintenanceService } from './maintenance.service.js';

const staffOnly = requireRole(...STAFF_ROLES);
const adminOnly = requireRole('admin', 'superadmin');

const switchSchema = z.object({
  action: z.enum(['on', 'off']),
  message: z.string().max(MAINTENANCE_MESSAGE_MAX).optional().default(''),
});

export function createMaintenanceRouter(maintenance: MaintenanceService): Router {
  const router = Router();

  router.get('/admin/maintenance', staffOnly, async (req: Request, res: Response) => {
    const state = await maintenance.state();
    const canSwitch = req.account?.role === 'admin' || req.account?.role === 'superadmin';
    res.render('admin/maintenance', { title: req.t('maintenance:admin.title'), state, canSwitch, messageMax: MAINTENANCE_MESSAGE_MAX });
  });

  router.post('/admin/maintenance', adminOnly, async (req: Request, res: Response) => {
    const parsed = switchSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      flash(req, 'error', 'maintenance:admin.flash.invalid');
      return res.redirect(303, '/admin/maintenance');
    }
    const on = parsed.data.action === 'on';
    await maintenance.set(on, on ? parsed.data.message : null, actorOf(req));
    flash(req, 'success', on ? 'maintenance:admin.flash.on' : 'maintenance:admin.flash.off');
    res.redirect(303, '/admin/maintenance');
  });
  return router;
}
