/**
 * Admin area: /admin/keys, the issuer keys (admin and superadmin only;
 * support gets 403 like any other role).
 *
 * - GET  /admin/keys         every key: kid, status, created, retired, files signed, public key
 * - POST /admin/keys/rotate  after the confirmation step: a new active key, the old one retired
 *                            (it still verifies); audit `issuer_key.rotated` (same action as
 *                            `npm run keys:rotate`), written in the rotation's transaction.
 *                            The form carries the kid it retires (`kid`): a second post of the
 *                            same form (double click, stale page) changes nothing.
 *
 * The instance that rotates signs with the new key at once; the others of
 * the same host follow within REFRESH_MS (src/keys/issuer-keys.ts).
 */
import { Router, type Request, type Response } from 'express';
import { actorOf } from '../../http/actor.js';
import { ConflictError, ERR } from '../../errors/index.js';
import { flash } from '../../http/flash.js';
import type { AdminDeps } from '../context.js';
import { adminOnly, confirmed } from '../shared.js';
import { AdminKeysRepository } from './keys.repository.js';

export function createAdminKeysRouter(deps: AdminDeps): Router {
  const repo = new AdminKeysRepository(deps.db);
  const router = Router();
  let rotating = false;

  router.get('/admin/keys', adminOnly, async (req: Request, res: Response) => {
    await deps.keys.refresh();
    const signed = await repo.filesSignedPerKid();
    const keys = [...deps.keys.list()].reverse().map((k) => ({
      kid: k.kid, status: k.status, createdAt: k.createdAt, retiredAt: k.retiredAt, publicKey: k.publicKey.toString('base64'), files: signed.get(k.kid) ?? 0,
    }));
    res.render('admin/keys/list', {
      title: req.t('admin-keys:list.title'), keys, signingKid: deps.keys.active.kid.toString('hex'), rotatable: deps.keys.rotatable,
    });
  });

  router.post('/admin/keys/rotate', adminOnly, async (req: Request, res: Response) => {
    if (!deps.keys.rotatable) {
      flash(req, 'error', 'admin-keys:flash.not_rotatable');
      return res.redirect(303, '/admin/keys');
    }
    const before = deps.keys.active.kid.toString('hex');
    const posted = (req.body as Record<string, unknown> | undefined)?.kid;
    const stale = (): void => {
      flash(req, 'info', 'admin-keys:flash.stale', { kid: deps.keys.active.kid.toString('hex') });
      res.redirect(303, '/admin/keys');
    };
    if (posted !== before || rotating) return stale();
    if (!confirmed(req, res, { title: 'admin-keys:rotate.title', message: 'admin-keys:rotate.message', params: { kid: before }, action: '/admin/keys/rotate', back: '/admin/keys', button: 'admin-keys:rotate.button', danger: true })) return;
    const actor = actorOf(req);
    rotating = true;
    let kid: string;
    try {
      kid = await deps.keys.rotate(async (trx, r) => {
        // Another instance rotated since this form was shown: keep its key.
        if (r.before !== before) throw new ConflictError('the active issuer key changed meanwhile', ERR.ISSUER_KEY_CHANGED);
        await deps.audit.record(trx, actor, 'issuer_key.rotated', { type: 'issuer_key', id: r.after }, { before: r.before, after: r.after });
      });
    } catch (err) {
      if (err instanceof ConflictError) return stale();
      throw err;
    } finally {
      rotating = false;
    }
    deps.logger.info({ kid, retired: before }, 'issuer key rotated from /admin/keys');
    flash(req, 'success', 'admin-keys:flash.rotated', { kid, old: before });
    res.redirect(303, '/admin/keys');
  });
  return router;
}
