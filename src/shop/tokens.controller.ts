/**
 * /account/tokens (customers only): the customer's API tokens for the
 * customer API (/api/users/me/*, customer-api.ts): name, created, last used;
 * the form creating one; revocation after a confirmation step.
 *
 * A new token is shown once, in the answer to the creation form itself
 * (`Cache-Control: no-store`), and never again: the database keeps only its
 * SHA-256 (AccountsService.createApiToken), nothing puts it in the session.
 * Another account's token is a 404.
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { AccountsService } from '../accounts/index.js';
import { NotFoundError } from '../errors/index.js';
import { actorOf } from '../http/actor.js';
import { flash } from '../http/flash.js';
import { boundedInt, INT4_MAX } from '../http/query.js';
import { fieldErrors, singleLine } from '../http/text-fields.js';

const E = (k: string) => `customer-api:errors.${k}`;
const NAME = z.object({ name: singleLine(1, 120, { required: E('name_required'), long: E('name_long'), invalid: E('name_invalid') }) });

export type CustomerTokens = Pick<AccountsService, 'apiTokensOf' | 'apiTokenById' | 'createApiToken' | 'revokeApiToken'>;

export function createTokensController(accounts: CustomerTokens) {
  const renderList = async (req: Request, res: Response, status: number, errors: Record<string, string> = {}, name = ''): Promise<void> => {
    const rows = await accounts.apiTokensOf(req.account!.id);
    res.status(status).render('shop/tokens', { title: req.t('customer-api:tokens.title'), rows, errors, name });
  };
  /** The logged-in customer's token `:id`, revoked or not. @throws NotFoundError for an unknown id or another account's token. */
  const mine = async (req: Request) => {
    const id = boundedInt(req.params.id, 1, INT4_MAX);
    const token = id === null ? null : await accounts.apiTokenById(id);
    if (!token || token.accountId !== req.account!.id) throw new NotFoundError('No such API token');
    return token;
  };

  return {
    /** GET /account/tokens */
    list: async (req: Request, res: Response): Promise<void> => renderList(req, res, 200),

    /** POST /account/tokens (name) */
    create: async (req: Request, res: Response): Promise<void> => {
      const parsed = NAME.safeParse(req.body ?? {});
      if (!parsed.success) {
        const typed = (req.body as Record<string, unknown> | undefined)?.name;
        return renderList(req, res, 422, fieldErrors(parsed.error, () => E('name_invalid')), typeof typed === 'string' ? typed : '');
      }
      const token = await accounts.createApiToken(req.account!, parsed.data.name, actorOf(req));
      res.setHeader('Cache-Control', 'no-store');
      res.render('shop/token-created', { title: req.t('customer-api:created.title'), token, name: parsed.data.name });
    },

    /** POST /account/tokens/:id/revoke (confirm=yes once confirmed) */
    revoke: async (req: Request, res: Response): Promise<void> => {
      const token = await mine(req);
      if (!token.revokedAt && (req.body as Record<string, unknown> | undefined)?.confirm !== 'yes') {
        return res.render('shop/token-revoke', { title: req.t('customer-api:revoke.title'), token });
      }
      const done = !token.revokedAt && await accounts.revokeApiToken(token.id, actorOf(req), req.account!.id);
      flash(req, done ? 'success' : 'info', done ? 'customer-api:flash.revoked' : 'customer-api:flash.already_revoked', { name: token.label });
      res.redirect(303, '/account/tokens');
    },
  };
}
