/**
 * The request id: the caller's `X-Request-Id` when it looks like one
 * (8–64 of `A–Z a–z 0–9 . _ -`), else a new UUID; echoed in the response's
 * `X-Request-Id` header and in every log line of the request.
 */
import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : crypto.randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/** What logRequest needs of a logger (pino's Logger fits). */
interface RequestLineLogger {
  isLevelEnabled(level: string): boolean;
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * Give the request its id (`req.id`, `X-Request-Id`) and write, when the
 * response finishes, the same one line pino-http writes for the pages
 * (request id, method, path without query, status, response time in ms),
 * plus `extra`; at level error for a 5xx, as pino-http does. For the paths answered before pino-http (page-cache hits,
 * the JSON API): pino-http builds a child logger for every request, which
 * costs about as much as Express's own routing of it.
 */
export function logRequest(logger: RequestLineLogger, req: IncomingMessage & { id?: unknown }, res: ServerResponse, extra?: Record<string, unknown>): void {
  const id = requestId(req, res);
  req.id = id;
  if (!logger.isLevelEnabled('info')) return;
  const start = Date.now();
  res.once('finish', () => {
    const path = (req.url ?? '').split('?')[0];
    const line = { req: { id, method: req.method, path }, res: { status: res.statusCode }, responseTime: Date.now() - start, ...extra };
    if (res.statusCode >= 500) logger.error(line, 'request errored');
    else logger.info(line, 'request completed');
  });
}
