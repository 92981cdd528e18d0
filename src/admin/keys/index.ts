/**
 * Admin area: /admin/keys, the issuer keys (admin and superadmin only;
 * support gets 403 like any other role).
 *
 * - GET  /admin/keys         every key: kid, status, created, retired, files signed, public key
 * - POST /admin/keys/rotate  after the confirmation step: a new active key, the old one retired
 *                            (it still verifies); IssuerKeysService.rotate writes the audit row
 *                            `issuer_key.rotated` (same action as `npm run keys:rotate`) in the
 *                            rotation's transaction. The form carries the kid it retires (`kid`):
 *                            a second post of the same form (double click, stale page) changes nothing.
 *
 * The instance that rotates signs with the new key at once; the others of
 * the same host follow within REFRESH_MS (src/keys/issuer-keys.ts).
 */
import { Router, type Request, type Response } from 'express';
import { actorOf } from '../../http/actor.js';
import { ConflictError } from '../../errors/index.js';
import { flash } from '../../http/flash.js';
import type { AdminDeps } from '../context.js';
import { adminOnly, confirmed } from '../shared.js';

export function createAdminKeysRouter(deps: AdminDeps): Router {
  const keys = deps.issuerKeys;
  const router = Router();

  router.get('/admin/keys', adminOnly, async (req: Request, res: Response) => {
    const list = (await keys.list()).map((k) => ({
      kid: k.kid, status: k.status, createdAt: k.createdAt, retiredAt: k.retiredAt, publicKey: k.publicKey.toString('base64'), files: k.files,
    }));
    res.render('admin/keys/list', { title: req.t('admin-keys:list.title'), keys: list, signingKid: keys.signingKid, rotatable: keys.rotatable });
  });

  router.post('/admin/keys/rotate', adminOnly, async (req: Request, res: Response) => {
    if (!keys.rotatable) {
      flash(req, 'error', 'admin-keys:flash.not_rotatable');
      return res.redirect(303, '/admin/keys');
    }
    const before = keys.signingKid;
    const posted = (req.body as Record<string, unknown> | undefined)?.kid;
    const stale = (): void => {
      flash(req, 'info', 'admin-keys:flash.stale', { kid: keys.signingKid });
      res.redirect(303, '/admin/keys');
    };
    if (posted !== before) return stale();
    if (!confirmed(
      req, res,
      {
        title: 'admin-keys:rotate.title', message: 'admin-keys:rotate.message', params: { kid: before },
        action: '/admin/keys/rotate', back: '/admin/keys', button: 'admin-keys:rotate.button', danger: true,
      },
    )) return;
    let kid: string;
    try {
      kid = (await keys.rotate(actorOf(req), before)).after;
    } catch (err) {
      if (err instanceof ConflictError) return stale();
      throw err;
    }
    deps.logger.info({ kid, retired: before }, 'issuer key rotated from /admin/keys');
    flash(req, 'success', 'admin-keys:flash.rotated', { kid, old: before });
    res.redirect(303, '/admin/keys');
  });
  return router;
}
