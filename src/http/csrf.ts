/**
 * CSRF protection with csrf-sync: the synchronizer-token pattern (OWASP CSRF
 * Prevention Cheat Sheet), the token kept in the session and sent back as the
 * `_csrf` form field or the `x-csrf-token` header. csurf, the classic choice,
 * is archived upstream; csrf-sync is its maintained successor for this pattern.
 *
 * Every POST/PUT/PATCH/DELETE outside `/api` is checked; a missing or wrong
 * token is a 403, except on the public forms, which are shown again with what
 * was typed (src/http/stale-form.ts). The JSON API uses no cookies, so it
 * needs no CSRF token.
 */
import type { Request, RequestHandler } from 'express';
import { csrfSync } from 'csrf-sync';
import { safeNext } from './auth.js';
import { flash } from './flash.js';
import { publicFormOf } from './stale-form.js';

/** Routes that take a multipart upload: their CSRF check runs after multer has parsed the body. */
export const UPLOAD_ROUTES = new Set(['/subscription/recharge', '/admin/releases', '/support/tickets']);
/**
 * Upload routes with a parameter: a course's lesson upload (POST /admin/courses/:id/lessons), a reply to a
 * support ticket (POST /support/tickets/:id/reply), a product's thumbnail (POST /admin/shop/products/:id/thumbnail),
 * an image for the editable pages (POST /admin/pages/:slug/images);
 * any segment, so a bad id still gets its token read (then a 404).
 */
const UPLOAD_PATTERNS: readonly RegExp[] = [/^\/admin\/courses\/[^/]+\/lessons$/, /^\/support\/tickets\/[^/]+\/reply$/,
  /^\/admin\/shop\/products\/[^/]+\/thumbnail$/, /^\/admin\/pages\/[^/]+\/images$/];

/** Whether `path` (lower-case, no trailing slash) is an upload route's. */
export function isUploadPath(path: string): boolean {
  return UPLOAD_ROUTES.has(path) || UPLOAD_PATTERNS.some((re) => re.test(path));
}

export interface Csrf {
  protect: RequestHandler;
  /** The check itself, for upload routes to run after multer. */
  afterUpload: RequestHandler;
  /** The session's token (created on first use). */
  token(req: Request): string;
  /** Whether `err` is the error a missing or wrong token raised. */
  isTokenError(err: unknown): boolean;
}

/** `sessionCookie`: the session cookie's name, to tell a session that no longer exists from a visitor that never had one. */
export function createCsrf(sessionCookie: string): Csrf {
  const { csrfSynchronisedProtection, generateToken, invalidCsrfTokenError } = csrfSync({
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
    // A form posted from a session that has just ended (suspended account,
    // timeout, logged out elsewhere) carries the old session's token: send the
    // visitor to the login page with the reason, not to a bare 403.
    if (req.method === 'POST' && isUploadPath(req.path) && req.is('multipart/form-data')) return next();
    return check(req, res, next);
  };
  // A form posted from a session that no longer exists (ended by a
  // suspension, a password change, a timeout or a log-out elsewhere) cannot
  // carry a valid token: instead of a bare 403, say so and send the visitor
  // to the login page (or, for another form posted from a public page, back
  // to that page). A request without a session cookie, or whose session still
  // exists, with a missing or wrong token stays a 403. The public forms
  // themselves are shown again with what was typed (stale-form.ts).
  const check: RequestHandler = (req, res, next) => {
    csrfSynchronisedProtection(req, res, (err?: unknown) => {
      const session = req.session as { csrfToken?: unknown; accountId?: unknown } | undefined;
      const gone = Boolean(req.headers.cookie?.includes(`${sessionCookie}=`)) && session?.csrfToken === undefined && session?.accountId === undefined;
      if (!err || !gone || publicFormOf(req.method, req.path)) return next(err);
      flash(req, 'error', 'accounts.flash.session_gone');
      res.redirect(303, goneTarget(req.path, backPath(req.get('referer'), req.get('host'))));
    });
  };
  return { protect, afterUpload: check, token: (req) => generateToken(req), isTokenError: (err) => err === invalidCsrfTokenError };
}

/**
 * Where a form from a session that no longer exists goes: forms of the
 * partner and admin areas to the login page (their Referer may be a
 * confirmation page, which only exists as a POST answer); public forms
 * (contact, login, register, …) back to the same-site page they came from.
 */
export function goneTarget(postPath: string, referer: string | null): string {
  const back = safeNext(referer);
  const inArea = (p: string): boolean => p.startsWith('/admin') || /^\/subscription\/(?:dashboard|recharge|installations|account)/.test(p);
  if (!back || inArea(postPath) || inArea(back)) return '/subscription/login';
  return back;
}

/** The path of a same-site Referer (`http(s)://<host>/path?query`), or null. */
function backPath(referer: string | undefined, host: string | undefined): string | null {
  if (!referer || !host) return null;
  try {
    const u = new URL(referer);
    return u.host === host ? u.pathname + u.search : null;
  } catch {
    return null;
  }
}
