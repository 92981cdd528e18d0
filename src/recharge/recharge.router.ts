/** Routes of the recharge component: partner pages and the key-file delivery API. */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { formatInstallationCode } from '../crypto/index.js';
import { requireRole } from '../http/auth.js';
import { BadRequestError, ERR } from '../errors/index.js';
import { boundedInt, INT4_MAX } from '../http/query.js';
import type { createRechargeController } from './recharge.controller.js';
import type { RechargeService } from './recharge.service.js';

const partner = requireRole('partner');
const staffOrPartner = requireRole('partner', 'support', 'admin', 'superadmin');
// Handing out a key file marks it delivered (no revocation afterwards): not for read-only support.
const partnerOrAdmin = requireRole('partner', 'admin', 'superadmin');

export function createRechargeRouter(ctl: ReturnType<typeof createRechargeController>, csrfAfterUpload: RequestHandler): Router {
  const router = Router();
  router.get('/subscription/recharge', partner, ctl.form);
  router.post('/subscription/recharge', partner, ctl.upload, csrfAfterUpload, ctl.prepare);
  router.get('/subscription/recharge/confirm/:id', partner, ctl.confirmPage);
  router.post('/subscription/recharge/confirm', partner, ctl.confirm);
  router.get('/subscription/recharges', partner, ctl.history);
  router.get('/subscription/recharges/:id', staffOrPartner, ctl.show);
  router.get('/subscription/recharges/:id/key.bin', partnerOrAdmin, ctl.keyFile);
  router.get('/subscription/installations', partner, ctl.installations);
  return router;
}

/**
 * `GET /api/v1/installations/:code/keyfiles?after_serial=N` →
 * `{"keyfiles":[{"serial":…,"id":…,"file":"<base64>"}]}`, at most 100, serial
 * order. The files are encrypted to the installation, so no login is needed;
 * the route is rate-limited per IP. Only issued (not revoked) files are
 * served, and serving one marks it delivered (it can no longer be revoked).
 */
export function createKeyfilesApiRouter(service: RechargeService, limiter: RequestHandler): Router {
  const router = Router();
  router.get('/api/v1/installations/:code/keyfiles', limiter, async (req: Request, res: Response) => {
    let code: string;
    try {
      code = service.parseCode(String(req.params.code));
    } catch {
      throw new BadRequestError('Not a valid Installation Code', { installation_code: 'INVALID' }, ERR.INVALID_INSTALLATION_CODE);
    }
    // The serial column is a 32-bit integer: a larger value is refused, not sent to the database.
    const after = req.query.after_serial === undefined ? 0 : boundedInt(req.query.after_serial, 0, INT4_MAX);
    if (after === null) throw new BadRequestError(`after_serial must be a whole number from 0 to ${INT4_MAX}`);
    const files = await service.deliverAfter(code, after, 100);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ installation: formatInstallationCode(code), keyfiles: files.map((f) => ({ serial: f.serial, id: f.id, file: f.file.toString('base64') })) });
  });
  return router;
}
