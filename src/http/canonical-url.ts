/**
 * The canonical URL of the page a request shows: where the FR/EN switch and
 * anything else that must "reload this page" points.
 *
 * A GET page is its own URL (query kept, `lang` dropped). A page rendered in
 * answer to a POST (a form with field errors, a confirmation step, an error
 * page) has no URL of its own: reloading the POST URL with GET is a 404 or a
 * 405. Its canonical URL is the page that shows that form: the nearest GET
 * route at or above the POST path (`/contact` → `/contact`,
 * `/subscription/recharge/confirm` → `/subscription/recharge`,
 * `/admin/partners/7/suspend` → `/admin/partners/7`), read from the app's
 * own route table, so a new POST route needs no entry here. The few forms
 * whose GET page needs what the form carried are listed in {@link POST_TARGETS}.
 */
import type { Application, Request } from 'express';

/** The parts of a router layer (the `router` package Express 5 uses) read here. */
interface RouteLayer {
  match(path: string): false | { path: string } | boolean;
  /** Set by older `router` versions' match(); newer ones return it. */
  path?: string;
  route?: { methods: Record<string, boolean | undefined> };
  handle: { stack?: RouteLayer[] };
}

/**
 * POST routes whose GET page is not their nearest GET ancestor: the reset
 * form's page needs its token (without it the link is "invalid"); the
 * verification resend form only exists on a failed verification link.
 */
const POST_TARGETS: [RegExp, (body: Record<string, unknown>) => string][] = [
  [/^\/subscription\/reset\/?$/, (body) => (typeof body.token === 'string' && /^[\w-]{16,200}$/.test(body.token)
    ? `/subscription/reset?token=${body.token}`
    : '/subscription/forgot')],
  [/^\/subscription\/verify\/resend\/?$/, () => '/subscription/login'],
];

/** Whether a GET route of `stack` (nested routers included) matches `path`. */
function hasGetRoute(stack: readonly RouteLayer[], path: string): boolean {
  for (const layer of stack) {
    let m: ReturnType<RouteLayer['match']>;
    try {
      m = layer.match(path);
    } catch {
      continue; // a malformed percent-escape in a parameter
    }
    if (!m) continue;
    if (layer.route) {
      if (layer.route.methods.get || layer.route.methods._all) return true;
      continue;
    }
    const inner = layer.handle.stack;
    if (!inner) continue;
    const matched = typeof m === 'object' ? m.path : (layer.path ?? '');
    if (hasGetRoute(inner, path.slice(matched.length) || '/')) return true;
  }
  return false;
}

/**
 * The nearest path at or above `path` (segments dropped from the end) that a
 * GET route of `app` answers; `/` when none does.
 */
export function nearestGetPath(app: Application, path: string): string {
  const stack = (app.router as unknown as { stack: RouteLayer[] }).stack;
  let p = path.replace(/\/+$/, '') || '/';
  while (p !== '/') {
    if (hasGetRoute(stack, p)) return p;
    p = p.slice(0, p.lastIndexOf('/')) || '/';
  }
  return '/';
}

/**
 * The request's path from the root (whatever router is handling it), one
 * leading slash: `//host/x` would make a link to another site.
 */
function ownPath(req: Request): string {
  return (req.baseUrl + req.path).replace(/^\/+/, '/');
}

/**
 * Where a GET for "this page" goes: path and query (without `lang`). For
 * GET/HEAD the request's own URL; otherwise the POST route's page
 * ({@link POST_TARGETS}, else {@link nearestGetPath}).
 */
export function canonicalTarget(req: Request): { path: string; query: URLSearchParams } {
  if (req.method === 'GET' || req.method === 'HEAD') {
    const q = req.originalUrl.indexOf('?');
    const query = new URLSearchParams(q >= 0 ? req.originalUrl.slice(q + 1) : '');
    query.delete('lang');
    return { path: ownPath(req), query };
  }
  const body = (req.body ?? {}) as Record<string, unknown>;
  const path = ownPath(req);
  const special = POST_TARGETS.find(([re]) => re.test(path));
  const target = special ? special[1](body) : nearestGetPath(req.app, path);
  const q = target.indexOf('?');
  return q >= 0 ? { path: target.slice(0, q), query: new URLSearchParams(target.slice(q + 1)) } : { path: target, query: new URLSearchParams() };
}

/** The canonical URL of this page in language `lng` (`/contact?lang=en`). */
export function languageUrl(req: Request, lng: string): string {
  const { path, query } = canonicalTarget(req);
  query.set('lang', lng);
  return `${path}?${query.toString()}`;
}
