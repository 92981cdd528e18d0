/**
 * Security headers (helmet 8): a Content-Security-Policy that allows no
 * inline script and no third-party origin (every asset comes from public/),
 * plus helmet's defaults (HSTS only over https, nosniff, frame-ancestors none).
 * X-Powered-By is disabled in app.ts.
 */
import type { RequestHandler } from 'express';
import helmet from 'helmet';

export function securityHeaders(https: boolean): RequestHandler {
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
        'form-action': ["'self'"],
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
