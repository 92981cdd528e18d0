/**
 * CSRF protection with csrf-sync: the synchronizer-token pattern (OWASP CSRF
 * Prevention Cheat Sheet), the token kept in the session and sent back as the
 * `_csrf` form field or the `x-csrf-token` header. csurf, the classic choice,
 * is archived upstream; csrf-sync is its maintained successor for this pattern.
 *
 * Every POST/PUT/PATCH/DELETE outside `/api` is checked; a missing or wrong
 * token is a 403. The JSON API uses no cookies, so it needs no CSRF token.
 */
import type { Request, RequestHandler } from 'express';
import { csrfSync } from 'csrf-sync';

/** Routes that take a multipart upload: their CSRF check runs after multer has parsed the body. */
export const UPLOAD_ROUTES = new Set(['/subscription/recharge']);

export interface Csrf {
  protect: RequestHandler;
  /** The check itself, for upload routes to run after multer. */
  afterUpload: RequestHandler;
  /** The session's token (created on first use). */
  token(req: Request): string;
}

export function createCsrf(): Csrf {
  const { csrfSynchronisedProtection, generateToken } = csrfSync({
    getTokenFromRequest: (req) => {
      const body = req.body as Record<string, unknown> | undefined;
      const fromBody = body?._csrf;
      if (typeof fromBody === 'string') return fromBody;
      const header = req.headers['x-csrf-token'];
      return typeof header === 'string' ? header : undefined;
    },
  });
  const protect: RequestHandler = (req, res, next) => {
    if (req.path.startsWith('/api/')) return next();
    if (req.method === 'POST' && UPLOAD_ROUTES.has(req.path) && req.is('multipart/form-data')) return next();
    return csrfSynchronisedProtection(req, res, next);
  };
  return { protect, afterUpload: csrfSynchronisedProtection, token: (req) => generateToken(req) };
}
