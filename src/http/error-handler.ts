/**
 * The one error handler (DESIGN.md convention 6).
 *
 * Under `/api` (and `/.well-known/`): JSON `{success:false, error, message, details, timestamp,
 * request_id}`. Elsewhere: `views/errors/<status>.ejs` (or the generic page)
 * in the visitor's language. AppErrors keep their status; errors raised by
 * libraries with an HTTP status (body parser: 400/413, csrf-sync: 403) are
 * mapped to the same shape; anything else is logged and shown as a plain 500
 * without details.
 */
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { AppError, ERR, NotFoundError, RateLimitedError, type ErrorCode } from '../errors/index.js';
import { ensureLocals } from './locals.js';

const PAGES = new Set([400, 403, 404, 413, 422, 429, 500]);

const CODES: Record<number, ErrorCode> = {
  400: ERR.INVALID_REQUEST,
  401: ERR.UNAUTHORIZED,
  403: ERR.FORBIDDEN,
  404: ERR.NOT_FOUND,
  405: ERR.METHOD_NOT_ALLOWED,
  413: ERR.PAYLOAD_TOO_LARGE,
  415: ERR.UNSUPPORTED_MEDIA_TYPE,
  422: ERR.VALIDATION_FAILED,
  429: ERR.RATE_LIMIT_EXCEEDED,
  500: ERR.SERVER_ERROR,
};

interface HttpishError {
  status?: number;
  statusCode?: number;
  code?: string;
  type?: string;
  expose?: boolean;
  message?: string;
}

/** Normalise anything thrown into an AppError; `null` means an unexpected failure. */
function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  const e = err as HttpishError;
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = e.code === 'EBADCSRFTOKEN' || e.message === 'invalid csrf token' ? ERR.CSRF_TOKEN_INVALID : (CODES[status] ?? ERR.INVALID_REQUEST);
    return new AppError(status, code, e.expose && e.message ? e.message : (CODES[status] ?? 'Bad request'));
  }
  return null;
}

/** 404 for every route nobody answered. */
export function notFound(_req: Request, _res: Response, next: NextFunction): void {
  next(new NotFoundError());
}

/**
 * The path of a request target as Express routes it (parseurl's pathname):
 * the query string and fragment left out; for the absolute form (RFC 9112
 * §3.2.2, `http://host/path`, as a proxy may send it) the part after the
 * authority, not normalised (`..` stays, as Express leaves it).
 */
export function pathOfTarget(url: string): string {
  let p = url;
  if (!p.startsWith('/')) p = p.replace(/^[a-z][a-z\d+.-]*:\/\/[^/?#]*/i, '') || '/';
  const q = p.indexOf('?');
  if (q >= 0) p = p.slice(0, q);
  const h = p.indexOf('#');
  return h >= 0 ? p.slice(0, h) : p;
}

/**
 * The path of a request target as a path of this site: pathOfTarget, then
 * percent-escapes of unreserved characters decoded (RFC 3986 §6.2.2.2:
 * `/%61pi` is `/api`), runs of slashes made one (`//api`), lower case and
 * one trailing slash dropped (as Express's routing ignores them). Routes
 * are matched on the raw path by Express; this form tells where a request
 * that no route took was meant to go.
 */
export function normalisedPath(url: string): string {
  const p = pathOfTarget(url)
    .replace(/%([0-9A-Fa-f]{2})/g, (m, hex: string) => {
      const c = String.fromCharCode(Number.parseInt(hex, 16));
      return /[A-Za-z0-9\-._~]/.test(c) ? c : m;
    })
    .replace(/\/{2,}/g, '/')
    .toLowerCase();
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

/** Whether `url` is under /api (normalisedPath: any case, `//api`, `/%61pi`): its errors are the API's JSON. */
export function isApiPath(url: string): boolean {
  return /^\/api(?:\/|$)/.test(normalisedPath(url));
}

/** Whether `url` is under /.well-known/ (JSON documents such as the issuer keys: their errors are JSON too). */
export function isWellKnownPath(url: string): boolean {
  return /^\/\.well-known\//.test(normalisedPath(url));
}

/** The JSON error answer under /api: its status, body and (429) Retry-After seconds. */
export interface ApiErrorAnswer {
  status: number;
  body: Record<string, unknown>;
  retryAfter?: number;
}

/** What an API error answer reads of its request: Express's, or a bare one with the request id (src/licenses/validate-route.ts). */
export type ApiRequest = Pick<IncomingMessage, 'method' | 'url'> & { id?: unknown; originalUrl?: string };

/**
 * What the API answers for `err` (convention 6): an AppError or an HTTP-ish
 * library error keeps its status and code; anything else is logged here and
 * becomes a 500 SERVER_ERROR without details.
 */
export function apiErrorAnswer(err: unknown, req: ApiRequest, logger: Logger): ApiErrorAnswer {
  const appErr = toAppError(err);
  if (!appErr) logUnexpected(logger, err, req);
  const retryAfter = appErr instanceof RateLimitedError ? appErr.retryAfter : undefined;
  return {
    status: appErr?.status ?? 500,
    retryAfter,
    body: {
      success: false,
      error: appErr?.code ?? 'SERVER_ERROR',
      message: appErr?.message ?? 'Internal server error',
      details: appErr?.details ?? null,
      ...(retryAfter !== undefined ? { retry_after: retryAfter } : {}),
      timestamp: new Date().toISOString(),
      request_id: String(req.id ?? ''),
    },
  };
}

function logUnexpected(logger: Logger, err: unknown, req: ApiRequest): void {
  const path = (req.originalUrl ?? req.url ?? '').split('?')[0];
  logger.error({ err, reqId: req.id, method: req.method, path }, 'unexpected error'); // no query: it may hold a token
}

export function createErrorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(err);
    if (isApiPath(req.originalUrl) || isWellKnownPath(req.originalUrl)) {
      const answer = apiErrorAnswer(err, req, logger);
      if (answer.retryAfter !== undefined) res.setHeader('Retry-After', String(answer.retryAfter));
      res.status(answer.status).json(answer.body);
      return;
    }
    const appErr = toAppError(err);
    if (!appErr) logUnexpected(logger, err, req);
    const status = appErr?.status ?? 500;
    if (appErr instanceof RateLimitedError) res.setHeader('Retry-After', String(appErr.retryAfter));
    res.status(status);
    ensureLocals(req, res);
    const view = PAGES.has(status) ? `errors/${status}` : 'errors/generic';
    res.setHeader('Cache-Control', 'no-store');
    res.render(view, {
      status, title: '', retryAfter: appErr instanceof RateLimitedError ? appErr.retryAfter : undefined,
    }, (renderErr: Error | null, html: string) => {
      if (renderErr) {
        logger.error({ err: renderErr }, 'error page failed to render');
        res.type('text/plain').send(`${status}`);
        return;
      }
      res.send(html);
    });
  };
}
