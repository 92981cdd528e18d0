/**
 * One rule for the text of every query string and every form (urlencoded or
 * multipart text fields): control characters are refused before any handler
 * or database sees them. PostgreSQL cannot store a NUL in a text column (it
 * answers an error: a 500 for whichever route passed it on), and no field
 * of this site needs one; a newline in a single-line value could forge a mail
 * header or a log line.
 *
 * - a query value (or name) may hold no control character at all (U+0000 to
 *   U+001F, U+007F);
 * - a form field may hold TAB, CR and LF (multi-line text), nothing else of
 *   that range; its name none.
 *
 * A refused request is a 400: under /api and /.well-known/ the API's JSON error (INVALID_REQUEST,
 * `details` naming the field), elsewhere the page views/errors/invalid-characters.ejs
 * in the visitor's language. The zod text rules (src/http/text-fields.ts)
 * stay as a second line, for JSON bodies and values built in code.
 *
 * Mounted by app.ts where bodies are parsed: before the JSON API routers
 * (their query strings), after the form body parsers (every other request)
 * and after multer on the upload routes.
 */
import type { NextFunction, Request, Response } from 'express';
import { BadRequestError } from '../errors/index.js';
import { isApiPath, isWellKnownPath } from './error-handler.js';
import { ensureLocals } from './locals.js';

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ANY_CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex -- idem
const CONTROL_EXCEPT_NEWLINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Where a refused character was: the query string or the form, and the field's name (control characters in it replaced by `?`). */
export interface Offence {
  where: 'query' | 'form';
  field: string;
}

/** The first field of `fields` (a parsed query or form: strings and arrays of strings) whose name or value breaks the rule, or null. */
function offendingField(fields: unknown, valueRule: RegExp): string | null {
  if (typeof fields !== 'object' || fields === null || Buffer.isBuffer(fields)) return null;
  for (const [name, value] of Object.entries(fields)) {
    if (ANY_CONTROL.test(name)) return name;
    const values: unknown[] = Array.isArray(value) ? value : [value];
    if (values.some((v) => typeof v === 'string' && valueRule.test(v))) return name;
  }
  return null;
}

/** What `req` carries against the rule (query first, then a parsed form body), or null when nothing. */
export function controlCharOffence(req: Pick<Request, 'query' | 'body' | 'url'>): Offence | null {
  // req.query parses the query string at each read: not at all when there is none.
  const inQuery = req.url.includes('?') ? offendingField(req.query, ANY_CONTROL) : null;
  if (inQuery !== null) return { where: 'query', field: printable(inQuery) };
  const inForm = offendingField(req.body, CONTROL_EXCEPT_NEWLINES);
  return inForm !== null ? { where: 'form', field: printable(inForm) } : null;
}

function printable(name: string): string {
  // eslint-disable-next-line no-control-regex -- replacing control characters is the point
  return name.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 100);
}

/** The path of a same-site Referer, for the page's link back to the form; '/' otherwise. */
function backTo(req: Request): string {
  const referer = req.get('referer');
  const host = req.get('host');
  if (!referer || !host) return '/';
  try {
    const u = new URL(referer);
    return u.host === host && /^\/(?![/\\])/.test(u.pathname) ? u.pathname + u.search : '/';
  } catch {
    return '/';
  }
}

/**
 * Middleware: pass the request on, or refuse it with a 400 (see the module
 * comment) when its query string or form breaks the rule.
 */
export function refuseControlCharacters(req: Request, res: Response, next: NextFunction): void {
  const offence = controlCharOffence(req);
  if (!offence) return next();
  if (isApiPath(req.originalUrl) || isWellKnownPath(req.originalUrl)) {
    const where = offence.where === 'query' ? 'query string' : 'body';
    return next(new BadRequestError(`Control characters are not allowed in the ${where} (${offence.field})`, { [offence.field]: 'CONTROL_CHARACTER' }));
  }
  // The form's fields are not sent back: the browser's Back button still holds what was typed.
  ensureLocals(req, res);
  res.status(400).setHeader('Cache-Control', 'no-store');
  res.render('errors/invalid-characters', { title: req.t('invalid-input:title'), status: 400, where: offence.where, back: backTo(req) });
}

/** The same rule for /api and /.well-known/ paths only (their routers answer before the form body parsers run); other paths go on. */
export function refuseControlCharactersInApi(req: Request, res: Response, next: NextFunction): void {
  if (isApiPath(req.url) || isWellKnownPath(req.url)) refuseControlCharacters(req, res, next);
  else next();
}
