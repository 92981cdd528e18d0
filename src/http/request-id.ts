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
