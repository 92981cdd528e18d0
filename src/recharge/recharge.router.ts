/** Routes of the recharge component: partner pages and the key-file delivery API. */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { formatInstallationCode, rfc3339 } from '../crypto/index.js';
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

/** The compact code of the path's `:code`. @throws BadRequestError INVALID_INSTALLATION_CODE. */
function codeOf(service: RechargeService, req: Request): string {
  try {
    return service.parseCode(String(req.params.code));
  } catch {
    throw new BadRequestError('Not a valid Installation Code', { installation_code: 'INVALID' }, ERR.INVALID_INSTALLATION_CODE);
  }
}

/** The `X-Installation-Proof` header as bytes: null when absent, an empty buffer when it is not base64 (never a valid proof). */
function proofOf(req: Request): Buffer | null {
  const text = req.get('x-installation-proof');
  if (text === undefined) return null;
  return /^[A-Za-z0-9+/]{1,200}={0,2}$/.test(text.trim()) ? Buffer.from(text.trim(), 'base64') : Buffer.alloc(0);
}

/**
 * The key-file delivery API, rate-limited per IP (both routes share `limiter`):
 *
 * - `POST /api/v1/installations/:code/challenge` → `{"installation","challenge":"<base64>","expires_at"}`:
 *   a challenge sealed to the code's X25519 key (installation-proof.ts);
 * - `GET /api/v1/installations/:code/keyfiles?after_serial=N` with `X-Installation-Proof: <base64 of the
 *   opened challenge>` → `{"installation","keyfiles":[{"serial","id","file":"<base64>"}]}`, at most 100,
 *   serial order, issued (not revoked) files only, each then marked delivered (no revocation afterwards).
 *
 * Knowing an Installation Code is not enough: without a valid proof the answer
 * is a 401 and nothing is read or marked, so nobody but the installation
 * itself can make a recharge count as delivered through the API.
 */
export function createKeyfilesApiRouter(service: RechargeService, limiter: RequestHandler): Router {
  const router = Router();
  router.post('/api/v1/installations/:code/challenge', limiter, (req: Request, res: Response) => {
    const code = codeOf(service, req);
    const { challenge, expiresAt } = service.challenge(code);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ installation: formatInstallationCode(code), challenge: challenge.toString('base64'), expires_at: rfc3339(expiresAt) });
  });
  router.get('/api/v1/installations/:code/keyfiles', limiter, async (req: Request, res: Response) => {
    const code = codeOf(service, req);
    // The serial column is a 32-bit integer: a larger value is refused, not sent to the database.
    const after = req.query.after_serial === undefined ? 0 : boundedInt(req.query.after_serial, 0, INT4_MAX);
    if (after === null) throw new BadRequestError(`after_serial must be a whole number from 0 to ${INT4_MAX}`);
    const files = await service.deliverAfter(code, after, 100, proofOf(req));
    res.setHeader('Cache-Control', 'no-store');
    res.json({ installation: formatInstallationCode(code), keyfiles: files.map((f) => ({ serial: f.serial, id: f.id, file: f.file.toString('base64') })) });
  });
  return router;
}
