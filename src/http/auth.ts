/**
 * Who is logged in, and the one role guard (`requireRole`).
 *
 * `loadAccount` runs on every request that carries a session: it resumes the
 * session through AuthService (server-side record, idle and absolute
 * timeouts, account still active) and sets `req.account`; a session that
 * ended elsewhere gets a fresh, empty session and, when useful, a message.
 * Pages that need a role redirect anonymous visitors to the login page
 * (then back), and answer 403 to the wrong role; under /api it is 401/403 JSON.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Account, Role } from '../accounts/accounts.repository.js';
import type { AuthService } from '../accounts/auth.service.js';
import { ForbiddenError, UnauthorizedError } from '../errors/index.js';
import { flash } from './flash.js';
import { regenerateSession } from './session.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The logged-in, active account, when there is one. */
    account?: Account;
  }
}

export function createAccountLoader(auth: AuthService) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const accountId = req.session?.accountId;
    if (!accountId) return next();
    const resumed = await auth.resume(req.sessionID, req.session.authAt ?? 0, req.session.role);
    if ('ended' in resumed) {
      await regenerateSession(req);
      if (resumed.ended === 'timeout') flash(req, 'info', 'accounts.flash.timeout');
      if (resumed.ended === 'inactive') flash(req, 'error', 'accounts.flash.inactive');
      return next();
    }
    req.account = resumed.account;
    next();
  };
}

/** Only a local path may be a post-login destination (no open redirect). */
export function safeNext(value: unknown): string | null {
  return typeof value === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(value) && value.length < 500 ? value : null;
}

/** Allow only logged-in accounts having one of `roles`. */
export function requireRole(...roles: Role[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const account = req.account;
    if (!account) {
      if (req.originalUrl.startsWith('/api/')) return next(new UnauthorizedError());
      flash(req, 'info', 'accounts.flash.login_required');
      const back = req.method === 'GET' ? `?next=${encodeURIComponent(req.originalUrl)}` : '';
      return res.redirect(303, `/subscription/login${back}`);
    }
    if (!roles.includes(account.role)) return next(new ForbiddenError('This page is not for your role'));
    next();
  };
}

export const STAFF_ROLES: Role[] = ['support', 'admin', 'superadmin'];
export const requireLogin = requireRole('partner', 'customer', 'support', 'admin', 'superadmin');

/**
 * Mounted on /admin: with STAFF_2FA_REQUIRED, an admin or superadmin without
 * two-step login is sent to its enrolment page and reaches nothing else
 * there (support staff and other roles pass on to their usual guards).
 */
export function requireStaffEnrolment(required: boolean, enabled: (accountId: number) => Promise<boolean>) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const account = req.account;
    if (!required || !account || (account.role !== 'admin' && account.role !== 'superadmin')) return next();
    if (await enabled(account.id)) return next();
    flash(req, 'info', 'totp:flash.required');
    res.redirect(303, '/subscription/account/totp');
  };
}
