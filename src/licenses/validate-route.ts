/**
 * The license server's hot path, answered without Express (the app's
 * request listener hands it these requests; app.ts createApp):
 *
 *   POST /api/v1/licenses/validate   {machine_id, license_key} → validationBody (licenses.router.ts)
 *   POST /api/license/validate       Mastertrade: {key, device_id} → {valid, expiry, allowed}
 *
 * chain: security headers → request id and request line (logRequest) →
 * per-IP limit (express-rate-limit, LICENSE_VALIDATIONS_PER_HOUR, both
 * routes together) → JSON body (readJsonBody, 16 KB) →
 * parseBody (zod) → LicensesService.validate → sendSigned. Every answer is
 * signed, errors included (sendSignedError: the API's error JSON).
 *
 * Why not a route of the licenses router: issue 6 asks validate to serve at
 * least 35% of an Express hello route's req/s. Reaching the router through
 * the chain (language, page cache, pino-http's child logger, three routers)
 * cost about as much as the validation itself. Express itself is left out
 * too: its app.handle gives every request Express's prototypes
 * (Object.setPrototypeOf on the request and the response), and that alone
 * takes a bare node:http hello from ~17,000 to ~6,400 req/s here and makes
 * V8 promote each request's objects to the old generation (an RSS sawtooth
 * of ~50 MB under load, 10 ms scavenges); the router added ~5% more. So the
 * request stays node's own, with the client address Express would give
 * (`clientIp`: proxy-addr with the app's `trust proxy`) as `req.ip` for the
 * limiter. Only an error met while sending an error goes through Express
 * (the app's error handler). Nothing else differs from an Express route:
 * the same limiter semantics, body limits, error codes and OpenAPI answers
 * (checked by the suite). The body reader is the one piece written here
 * rather than taken from body-parser (which the other API routes use):
 * body-parser's type, charset and stream plumbing cost ~40 µs a request, a
 * tenth of the whole validation, for bodies that are always ~500 bytes of
 * UTF-8 JSON.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import { rfc3339 } from '../crypto/index.js';
import { perIpLimiter } from '../http/rate-limit.js';
import { logRequest } from '../http/request-id.js';
import type { LicensesApiDeps } from './context.js';
import { BadRequestError } from '../errors/index.js';
import { routePathOf, sendSignedError, validationBody } from './licenses.router.js';
import { sendSigned } from './response-signature.js';
import { compatValidateBody, parseBody, validateBody } from './schemas.js';

const V1 = '/api/v1/licenses/validate';
const COMPAT = '/api/license/validate';
/** Largest body, bytes (the API's documented 16 KB). */
const BODY_LIMIT = 16 * 1024;
/** `application/json`, with any parameters, but a charset other than UTF-8 (RFC 8259 §8.1: JSON is UTF-8). */
function isJsonType(header: string | undefined): boolean {
  const [type = '', ...params] = (header ?? '').split(';');
  if (type.trim().toLowerCase() !== 'application/json') return false;
  const charset = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('charset='));
  return charset === undefined || charset.replace(/"/g, '') === 'charset=utf-8';
}

export interface ValidateRouteDeps extends LicensesApiDeps {
  /** Sets the security headers (src/http/security.ts securityHeaderSetter). */
  securityHeaders(res: ServerResponse): void;
  /** The client's address as Express's req.ip gives it (the app's `trust proxy` setting). */
  clientIp(req: IncomingMessage): string;
}

/** A validate request: node's own, with the client address and (once logged) the request id. */
type ValidateRequest = IncomingMessage & { ip: string; id?: string };

/** Which of the two validate routes a request is for. */
export type ValidateVersion = 'v1' | 'compat';

/** The two validate routes, answered without Express (see the module comment). */
export interface ValidateRoute {
  /** The two routes (path, method), for the API's 404/405 answers (src/http/api-fallback.ts). */
  routes: { path: string; methods: string[] }[];
  /** Which one `req` is for, or null: POST, the path compared as Express routes compare it (routePathOf). */
  match(req: IncomingMessage): ValidateVersion | null;
  /**
   * Answer `req` (node's request and response, no Express) as `version`
   * (match's answer). An error met while answering with an error (the signed
   * error itself failing) goes to `fail` (the app hands it to its error
   * handler); `fail` must not throw.
   */
  handle(req: IncomingMessage, res: ServerResponse, version: ValidateVersion, fail: (err: unknown) => void): void;
}

export function createValidateRoute(deps: ValidateRouteDeps): ValidateRoute {
  const { licenses: service, clock, config, keys, logger } = deps;
  const limit = perIpLimiter({ windowSeconds: 3600, limit: config.licenses.validationsPerHour });

  const answer = async (req: ValidateRequest, res: ServerResponse, body: unknown, compat: boolean): Promise<void> => {
    if (compat) {
      const b = parseBody(compatValidateBody, body, 'device_id');
      const verdict = await service.validate(b.device_id, b.key, req.ip);
      const expiry = verdict.license?.expiresAt ? rfc3339(verdict.license.expiresAt) : null;
      await sendSigned(res, keys.active, clock.now(), { valid: verdict.valid, expiry, allowed: verdict.valid && verdict.license.state === 'active' }, service.signer);
      return;
    }
    const b = parseBody(validateBody, body);
    const verdict = await service.validate(b.machine_id, b.license_key, req.ip);
    const now = clock.now();
    await sendSigned(res, keys.active, now, validationBody(verdict, now, config.baseUrl), service.signer);
  };

  return {
    routes: [{ path: V1, methods: ['POST'] }, { path: COMPAT, methods: ['POST'] }],
    match(req) {
      if (req.method !== 'POST') return null;
      const path = routePathOf(req.url ?? '');
      return path === V1 ? 'v1' : path === COMPAT ? 'compat' : null;
    },
    handle(incoming, res, version, fail) {
      const req = incoming as ValidateRequest;
      req.ip = deps.clientIp(req);
      const compat = version === 'compat';
      deps.securityHeaders(res);
      logRequest(logger, req, res);
      // A failure here is answered signed; one while answering that goes to `fail`.
      const refuse = (err: unknown) => void sendSignedError(deps, err, req, res).catch(fail);
      // express-rate-limit reads only req.ip (keyGenerator), req.headers and
      // res.setHeader/headersSent here (src/http/rate-limit.ts perIpLimiter).
      void limit(req as unknown as Request, res as Response, (limited?: unknown) => {
        if (limited) return refuse(limited);
        readJsonBody(req).then((body) => answer(req, res, body, compat)).catch(refuse);
      });
    },
  };
}

/**
 * The request's JSON body (UTF-8, at most BODY_LIMIT bytes), parsed.
 * @throws (rejects with) BadRequestError INVALID_REQUEST: a Content-Type other
 *   than application/json (charset utf-8 or none, other parameters ignored), a Content-Encoding, a body
 *   over 16 KB (declared or sent), malformed JSON. A refused body is drained,
 *   so the connection stays usable.
 */
export function readJsonBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const refuse = (message: string) => {
      req.removeAllListeners('data');
      req.resume();
      reject(new BadRequestError(message));
    };
    if (!isJsonType(req.headers['content-type'])) return refuse('The body must be JSON (Content-Type: application/json)');
    const encoding = req.headers['content-encoding'];
    if (encoding && encoding.toLowerCase() !== 'identity') return refuse('The body must not be compressed');
    if (Number(req.headers['content-length'] ?? 0) > BODY_LIMIT) return refuse('The body is over 16 KB');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) return refuse('The body is over 16 KB');
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > BODY_LIMIT) return;
      try {
        const text = Buffer.concat(chunks, size).toString('utf8');
        resolve(JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)); // a leading BOM is tolerated, as body-parser does
      } catch {
        reject(new BadRequestError('The body is not valid JSON'));
      }
    });
    req.on('error', () => reject(new BadRequestError('The body could not be read')));
  });
}
