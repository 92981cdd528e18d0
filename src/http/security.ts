/**
 * Security headers (helmet 8): a Content-Security-Policy that allows no
 * inline script and no third-party origin (every asset comes from public/;
 * forms may lead to the configured payment gateways' hosted pages only),
 * plus helmet's defaults (HSTS only over https, nosniff, frame-ancestors none).
 * X-Powered-By is disabled in app.ts.
 *
 * None of these headers depends on the request, so helmet runs once, at
 * start, against a recording response, and each request replays the
 * recorded headers: one loop instead of helmet's dozen middlewares on every
 * request (it halves their cost on the cached public pages).
 */
import type { ServerResponse } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

/** The headers `mw` sets, as [name, value] pairs. */
function recordHeaders(mw: RequestHandler): [string, string][] {
  const headers: [string, string][] = [];
  const recorder = {
    setHeader: (name: string, value: unknown) => { headers.push([name, String(value)]); },
    removeHeader: () => undefined,
    getHeader: () => undefined,
  };
  void mw({ headers: {} } as Request, recorder as unknown as Response, () => undefined);
  return headers;
}

/**
 * The security headers as a function setting them on a response (for handlers mounted ahead of securityHeaders).
 * `formActions`: other origins a form may lead to (a payment gateway's hosted page, reached by a redirect after the
 * partner's POST: browsers apply form-action to that redirect too).
 */
export function securityHeaderSetter(https: boolean, formActions: readonly string[] = []): (res: ServerResponse) => void {
  const headers = recordHeaders(helmetFor(https, formActions));
  return (res) => {
    for (const [name, value] of headers) res.setHeader(name, value);
  };
}

export function securityHeaders(https: boolean, formActions: readonly string[] = []): RequestHandler {
  const set = securityHeaderSetter(https, formActions);
  return (_req, res, next) => {
    set(res);
    next();
  };
}

function helmetFor(https: boolean, formActions: readonly string[]): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'"],
        'connect-src': ["'self'"],
        'form-action': ["'self'", ...formActions],
        'frame-ancestors': ["'none'"],
        'base-uri': ["'self'"],
        'object-src': ["'none'"],
        ...(https ? { 'upgrade-insecure-requests': [] } : {}),
      },
    },
    strictTransportSecurity: https ? { maxAge: 31536000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  });
}
