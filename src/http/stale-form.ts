/**
 * A public form posted with a CSRF token that no longer matches its session
 * (the session ended or expired while the page was open, cookies were
 * cleared, the session store was reset): instead of a bare 403, the form is
 * shown again, with what was typed (never a password), the session's valid
 * token and a message asking to send it again. Nothing of the post is acted
 * on, so this gives a forged cross-site post nothing either: at most a
 * pre-filled form the visitor has to send themselves.
 *
 * Forms of the partner and admin areas are not listed: a stale token there
 * means the session that allowed the action is gone (src/http/csrf.ts sends
 * the visitor to the login page).
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { COUNTRIES, typedValues } from '../accounts/accounts.schemas.js';
import { safeNext } from './auth.js';
import { flash } from './flash.js';

/** How to show one public form again: its view, title key, kept fields and any other data its view needs. */
interface PublicForm {
  view: string;
  title: string;
  fields: readonly string[];
  extra?: (body: Record<string, unknown>) => Record<string, unknown>;
}

/** The public forms by POST path (lower case, no trailing slash), as their controllers render them. */
export const PUBLIC_FORMS: ReadonlyMap<string, PublicForm> = new Map<string, PublicForm>([
  ['/contact', { view: 'site/contact', title: 'contact.title', fields: ['name', 'email', 'message'] }],
  ['/subscription/login', {
    view: 'accounts/login', title: 'accounts.login.title', fields: ['email'], extra: (b) => ({ next: safeNext(b.next) }),
  }],
  ['/subscription/register', {
    view: 'accounts/register', title: 'accounts.register.title', fields: ['company', 'name', 'email', 'phone', 'country', 'terms'],
    extra: () => ({ countries: COUNTRIES, customer: false }),
  }],
  ['/register', {
    view: 'accounts/register', title: 'shop:register.title', fields: ['company', 'name', 'email', 'phone', 'country', 'terms'],
    extra: () => ({ countries: COUNTRIES, customer: true }),
  }],
  ['/subscription/forgot', { view: 'accounts/forgot', title: 'accounts.forgot.title', fields: ['email'] }],
  ['/subscription/reset', {
    view: 'accounts/reset', title: 'accounts.reset.title', fields: [], extra: (b) => ({ token: typeof b.token === 'string' ? b.token : '' }),
  }],
  ['/subscription/verify/resend', {
    view: 'accounts/verify-failed', title: 'accounts.verify.failed_title', fields: ['email'], extra: () => ({ reason: 'resend' }),
  }],
]);

/** The public form a POST to `path` comes from, if any (routes match case-insensitively, with or without a trailing slash). */
export function publicFormOf(method: string, path: string): PublicForm | undefined {
  if (method !== 'POST') return undefined;
  return PUBLIC_FORMS.get(path.toLowerCase().replace(/\/+$/, ''));
}

/**
 * Error middleware, placed after `locals` and before the routers: a CSRF
 * failure (`isTokenError`) on a public form becomes that form again, with
 * status 403 and the `forms:stale` message; anything else goes on.
 */
export function staleFormRecovery(isTokenError: (err: unknown) => boolean, locals: RequestHandler): ErrorRequestHandler {
  return async (err: unknown, req, res, next) => {
    const form = publicFormOf(req.method, req.path);
    if (!form || !isTokenError(err)) return next(err);
    const body = (req.body ?? {}) as Record<string, unknown>;
    // The page's locals, awaited (the header's unread count is a query): a failure goes to the error handler (Express 5).
    await locals(req, res, () => undefined);
    flash(req, 'error', 'forms:stale');
    res.status(403).setHeader('Cache-Control', 'no-store');
    res.render(form.view, { title: req.t(form.title), values: typedValues(body, form.fields), errors: {}, ...form.extra?.(body) });
  };
}
