/**
 * /admin/api-tokens (admin only): the bearer tokens of every admin for the
 * license admin API (label, owner, created, last used, revoked), the form
 * creating one for the logged-in admin, and revocation.
 *
 * A new token is shown once, in the answer to the creation form itself
 * (`Cache-Control: no-store`), and never again: the database keeps only its
 * SHA-256 (AccountsService.createApiToken), nothing puts it in the session.
 */
import type { Request, Response } from 'express';
import { actorOf } from '../../http/actor.js';
import { NotFoundError } from '../../errors/index.js';
import { flash } from '../../http/flash.js';
import type { AdminDeps } from '../context.js';
import { confirmed, pager, parseListQuery, routeId } from '../shared.js';
import { parseTokenLabel, typed } from './schemas.js';

export function createApiTokensController(deps: AdminDeps) {
  const renderList = async (
    req: Request, res: Response, status: number, errors: Record<string, string> = {}, values: Record<string, string> = {},
  ): Promise<void> => {
    const q = parseListQuery(req.query as Record<string, unknown>);
    const { rows, total } = await deps.accounts.listApiTokens(q.perPage, q.offset);
    res.status(status).render('admin/licenses/tokens', {
      title: req.t('admin-licenses:tokens.title'), rows, total, pg: pager(q, total, '/admin/api-tokens'), errors, values,
    });
  };

  return {
    list: async (req: Request, res: Response): Promise<void> => renderList(req, res, 200),

    create: async (req: Request, res: Response): Promise<void> => {
      const parsed = parseTokenLabel(req.body);
      if (!parsed.ok) return renderList(req, res, 422, parsed.errors, typed(req.body, ['label']));
      const token = await deps.accounts.createApiToken(req.account!, parsed.data.label, actorOf(req));
      res.setHeader('Cache-Control', 'no-store');
      res.render('admin/licenses/token-created', { title: req.t('admin-licenses:tokens.created_title'), token, label: parsed.data.label });
    },

    revoke: async (req: Request, res: Response): Promise<void> => {
      const id = routeId(req.params.id);
      const token = id === null ? null : await deps.accounts.apiTokenById(id);
      if (!token) throw new NotFoundError('No such API token');
      if (token.revokedAt) {
        flash(req, 'info', 'admin-licenses:flash.token_already_revoked', { label: token.label });
        return res.redirect(303, '/admin/api-tokens');
      }
      if (!confirmed(req, res, {
        title: 'admin-licenses:confirm.token_revoke_title', message: 'admin-licenses:confirm.token_revoke',
        params: { label: token.label, email: token.ownerEmail }, action: `/admin/api-tokens/${token.id}/revoke`, back: '/admin/api-tokens', danger: true,
      })) return;
      const done = await deps.accounts.revokeApiToken(token.id, actorOf(req));
      flash(req, done ? 'success' : 'info', done ? 'admin-licenses:flash.token_revoked' : 'admin-licenses:flash.token_already_revoked', { label: token.label });
      res.redirect(303, '/admin/api-tokens');
    },
  };
}
