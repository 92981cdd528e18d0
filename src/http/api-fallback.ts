/**
 * What the API answers when no route takes a request under /api (any form
 * of it: `//api/…`, `/%61pi/…`, any case; error-handler.ts normalisedPath):
 * always the JSON error envelope, never an HTML page or a CSRF refusal.
 *
 * - the method is not one of the path's routes: 405 METHOD_NOT_ALLOWED with
 *   an `Allow` header listing the methods it has (HEAD with GET);
 * - the path is a route's only once normalised (`//api/v1/licenses/trial`):
 *   404 NOT_FOUND (the API answers its exact paths only, any case, one
 *   trailing slash), or 405 as above for another method;
 * - anything else: 404 NOT_FOUND.
 * Where the normalised path is a signed route's (validate, heartbeat), the
 * answer is signed too (`sendSigned`), as every answer of those routes is.
 *
 * The routes are read from the app's Express router stack on first use (so
 * a new API route is known without a list to keep), plus the ones answered
 * before Express (`extraRoutes`: the validate fast path). Mounted after the
 * JSON API routers and before language, session and CSRF: a request that
 * Express itself routes further on (/api/docs, /api/v1/openapi.json) goes on.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AppError, ERR, NotFoundError } from '../errors/index.js';
import { isApiPath, normalisedPath } from './error-handler.js';

/** A route: its path as declared (`/api/v1/installations/:code/keyfiles`) and its methods (upper case). */
export interface ApiRoute {
  path: string;
  methods: string[];
}

interface CompiledRoute extends ApiRoute {
  regex: RegExp;
}

export interface ApiFallbackDeps {
  /** Every route of the app (Express's stack walked by routesOfApp), read on first use. */
  routes(): ApiRoute[];
  /** Whether answers on this normalised path are signed. */
  signed(path: string): boolean;
  /** Send `err` as the signed JSON error (src/licenses: sendSignedError). */
  sendSigned(err: unknown, req: Request, res: Response): Promise<void>;
}

type Layer = { route?: { path: unknown; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };

/** Every route of an Express app with a string path, walking nested routers (Express 5: `app.router.stack`). */
export function routesOfApp(app: unknown): ApiRoute[] {
  const byPath = new Map<string, Set<string>>();
  const walk = (stack: Layer[]): void => {
    for (const l of stack) {
      if (l.route && typeof l.route.path === 'string') {
        const set = byPath.get(l.route.path) ?? new Set<string>();
        for (const m of Object.keys(l.route.methods)) set.add(m.toUpperCase());
        byPath.set(l.route.path, set);
      } else if (l.handle?.stack) walk(l.handle.stack);
    }
  };
  walk((app as { router: { stack: Layer[] } }).router.stack);
  return [...byPath].map(([path, methods]) => ({ path, methods: [...methods] }));
}

/** A route path as Express matches it: case ignored, one trailing slash allowed, a parameter one segment. */
function compile(route: ApiRoute): CompiledRoute {
  const source = route.path.split('/').map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
  return { ...route, regex: new RegExp(`^${source}/?$`, 'i') };
}

function allows(route: ApiRoute, method: string): boolean {
  return route.methods.includes(method) || (method === 'HEAD' && route.methods.includes('GET'));
}

/** The middleware (see the module comment). */
export function createApiFallback(deps: ApiFallbackDeps): RequestHandler {
  let routes: CompiledRoute[] | null = null;
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!isApiPath(req.url)) return next();
    routes ??= deps.routes().filter((r) => /^\/api(\/|$)/i.test(r.path)).map(compile);
    const method = req.method.toUpperCase();
    const exact = routes.filter((r) => r.regex.test(req.path));
    if (exact.some((r) => allows(r, method))) return next(); // Express routes it further on
    const path = normalisedPath(req.url);
    const matching = exact.length ? exact : routes.filter((r) => r.regex.test(path));
    const methods = [...new Set(matching.flatMap((r) => r.methods))];
    let err: AppError;
    if (methods.length && !matching.some((r) => allows(r, method))) {
      const allow = methods.includes('GET') && !methods.includes('HEAD') ? [...methods, 'HEAD'] : methods;
      res.setHeader('Allow', allow.join(', '));
      err = new AppError(405, ERR.METHOD_NOT_ALLOWED, `${method} is not allowed here (Allow: ${allow.join(', ')})`, { allow });
    } else {
      err = new NotFoundError(matching.length ? `Not found: the API answers ${matching[0]!.path} at that exact path` : 'Not found');
    }
    res.setHeader('Cache-Control', 'no-store');
    if (deps.signed(path)) void deps.sendSigned(err, req, res).catch(next);
    else next(err);
  };
}
