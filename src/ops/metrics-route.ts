/**
 * GET /metrics (the Prometheus text exposition of the app's Metrics) and the
 * request listener wrapper that counts and times every request.
 *
 * Access: with METRICS_TOKEN set, `Authorization: Bearer <token>` (compared
 * in constant time) from anywhere, else 401; without it, clients on loopback
 * only, judged by the socket's own address (never X-Forwarded-For, which any
 * client can write), others get the site's 404.
 */
import crypto from 'node:crypto';
import type { IncomingMessage, RequestListener } from 'node:http';
import { Router, type Request } from 'express';
import type { Metrics } from './metrics.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function isLoopback(address: string | undefined): boolean {
  return address !== undefined && LOOPBACK.has(address);
}

/** Whether `header` is `Bearer <token>`; constant time over the SHA-256 of both (lengths differ freely). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer +(\S+) *$/i.exec(header ?? '');
  const digest = (s: string) => crypto.createHash('sha256').update(s).digest();
  return crypto.timingSafeEqual(digest(m?.[1] ?? ''), digest(token)) && m !== null;
}

export function createMetricsRouter(metrics: Metrics, token: string | undefined): Router {
  const router = Router();
  router.get('/metrics', async (req, res, next) => {
    if (token) {
      if (!bearerMatches(req.headers.authorization, token)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
        res.setHeader('Cache-Control', 'no-store');
        res.status(401).type('text/plain').send('Unauthorized\n');
        return;
      }
    } else if (!isLoopback(req.socket.remoteAddress)) {
      next();
      return;
    }
    const { contentType, body } = await metrics.scrape();
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Type', contentType);
    res.send(body);
  });
  return router;
}

/** The route pattern Express matched (mount path and route path), or null when no route answered. */
function expressRoute(req: IncomingMessage): string | null {
  const r = req as Partial<Request>;
  if (!r.route) return null;
  return `${r.baseUrl ?? ''}${String((r.route as { path?: unknown }).path)}`;
}

/**
 * Wraps the app's request listener: every finished answer counted and timed
 * by method, route pattern and status. `routeOf` names the routes answered
 * outside Express (the license validation's fast path); any other request
 * no route answered (404, static files, the page cache's hits) is `unmatched`:
 * never the raw URL, whose values would make a series each.
 */
export function measureRequests(metrics: Metrics, listener: RequestListener, routeOf: (req: IncomingMessage) => string | null): RequestListener {
  return (req, res) => {
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      metrics.request(req.method ?? '', expressRoute(req) ?? routeOf(req) ?? 'unmatched', res.statusCode, seconds);
    });
    listener(req, res);
  };
}
