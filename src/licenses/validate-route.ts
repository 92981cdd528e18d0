/**
 * The license server's hot path, answered ahead of the whole middleware
 * chain (app.ts mounts it first):
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
 * cost about as much as the validation itself; here the request meets only
 * what it needs. Nothing else differs: the same limiter semantics, body
 * limits, error codes and OpenAPI answers (checked by the suite). The body
 * reader is the one piece written here rather than taken from body-parser
 * (which the other API routes use): body-parser's type, charset and stream
 * plumbing cost ~40 µs a request, a tenth of the whole validation, for
 * bodies that are always ~500 bytes of UTF-8 JSON.
 */
import type { Request, RequestHandler, Response } from 'express';
import { rfc3339 } from '../crypto/index.js';
import { perIpLimiter } from '../http/rate-limit.js';
import { logRequest } from '../http/request-id.js';
import type { LicensesApiDeps } from './context.js';
import { BadRequestError } from '../http/errors.js';
import { routePath, sendSignedError, validationBody } from './licenses.router.js';
import { sendSigned } from './response-signature.js';
import { compatValidateBody, parseBody, validateBody } from './schemas.js';

const V1 = '/api/v1/licenses/validate';
/** Largest body, bytes (the API's documented 16 KB). */
const BODY_LIMIT = 16 * 1024;
/** `application/json`, with any parameters, but a charset other than UTF-8 (RFC 8259 §8.1: JSON is UTF-8). */
function isJsonType(header: string | undefined): boolean {
  const [type = '', ...params] = (header ?? '').split(';');
  if (type.trim().toLowerCase() !== 'application/json') return false;
  const charset = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('charset='));
  return charset === undefined || charset.replace(/"/g, '') === 'charset=utf-8';
}
const COMPAT = '/api/license/validate';

export interface ValidateRouteDeps extends LicensesApiDeps {
  /** Sets the security headers (src/http/security.ts securityHeaderSetter). */
  securityHeaders(res: Response): void;
}

/** The middleware answering both validate routes (POST only); any other request goes on unchanged. */
export function createValidateRoute(deps: ValidateRouteDeps): RequestHandler {
  const { licenses: service, clock, config, keys, logger } = deps;
  const limit = perIpLimiter({ windowSeconds: 3600, limit: config.licenses.validationsPerHour });

  const answer = async (req: Request, res: Response, compat: boolean): Promise<void> => {
    if (compat) {
      const b = parseBody(compatValidateBody, req.body, 'device_id');
      const verdict = await service.validate(b.device_id, b.key, req.ip ?? '');
      const expiry = verdict.license?.expiresAt ? rfc3339(verdict.license.expiresAt) : null;
      await sendSigned(res, keys.active, clock.now(), { valid: verdict.valid, expiry, allowed: verdict.valid && verdict.license.state === 'active' }, service.signer);
      return;
    }
    const b = parseBody(validateBody, req.body);
    const verdict = await service.validate(b.machine_id, b.license_key, req.ip ?? '');
    const now = clock.now();
    await sendSigned(res, keys.active, now, validationBody(verdict, now, config.baseUrl), service.signer);
  };

  return (req, res, next) => {
    if (req.method !== 'POST') return next();
    const path = routePath(req);
    const compat = path === COMPAT;
    if (!compat && path !== V1) return next();
    deps.securityHeaders(res);
    logRequest(logger, req, res);
    // A failure here is answered signed; one while answering that goes to the app's error handler.
    const fail = (err: unknown) => void sendSignedError(deps, err, req, res).catch(next);
    void limit(req, res, (limited?: unknown) => {
      if (limited) return fail(limited);
      readJsonBody(req).then((body) => {
        req.body = body;
        return answer(req, res, compat);
      }).catch(fail);
    });
  };
}

/**
 * The request's JSON body (UTF-8, at most BODY_LIMIT bytes), parsed.
 * @throws (rejects with) BadRequestError INVALID_REQUEST: a Content-Type other
 *   than application/json (charset utf-8 or none, other parameters ignored), a Content-Encoding, a body
 *   over 16 KB (declared or sent), malformed JSON. A refused body is drained,
 *   so the connection stays usable.
 */
export function readJsonBody(req: Request): Promise<unknown> {
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
