/**
 * The license server's hot path, fenced in this module: the app's request
 * listener (createAppListener) hands these two requests to their handler
 * without Express, everything else to the Express app.
 *
 *   POST /api/v1/licenses/validate   {machine_id, license_key} → validationBody (licenses.router.ts)
 *   POST /api/license/validate       Mastertrade: {key, device_id} → {valid, expiry, allowed}
 *
 * chain: security headers → request id and request line (logRequest) →
 * per-IP limit (express-rate-limit, LICENSE_VALIDATIONS_PER_HOUR, both
 * routes together) → JSON body (json-body.ts: content-type, raw-body, 16 KB,
 * the reader of the other API routes too) → parseBody (zod) →
 * (the client API key: client-key.ts) → LicensesService.validate → sendSigned. Every answer is signed, errors
 * included (sendSignedError: the API's error JSON).
 *
 * Why not a route of the licenses router: the license server must serve a
 * large share of an Express hello route's requests per second. Express's
 * app.handle gives every request Express's prototypes
 * (Object.setPrototypeOf on the request and the response), which makes V8
 * promote each request's objects to the old generation, and the chain before
 * the router (language, page cache, pino-http's child logger, three routers)
 * costs about as much as the validation itself. So the request stays node's
 * own, with the client address Express would give (`clientIp`: proxy-addr
 * with the app's `trust proxy`) as `req.ip` for the limiter, the path read
 * by parseurl (cached on the request, as Express reads it). Only an error
 * met while sending an error goes through Express (the app's error handler).
 * Nothing else differs from an Express route: test/http/licenses/validate-contract.test.ts
 * sends the same requests here and through a plain Express route built from
 * answerValidation and compares status, headers and bodies.
 */
import type { IncomingHttpHeaders, IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, Express, Request, Response } from 'express';
import parseurl from 'parseurl';
import { rfc3339 } from '../crypto/index.js';
import { logRequest } from '../http/request-id.js';
import type { Logger } from '../platform/logger.js';
import { ANY_CLIENT, challenged, clientScope, type ClientScope } from './client-key.js';
import type { LicensesApiDeps } from './context.js';
import { readJsonBody } from './json-body.js';
import { sendSignedError, validationBody } from './licenses.router.js';
import { sendSigned } from './response-signature.js';
import { compatValidateBody, parseBody, validateBody } from './schemas.js';

const V1 = '/api/v1/licenses/validate';
const COMPAT = '/api/license/validate';

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

/** Each validate route's path (the route pattern metrics name it by). */
export const VALIDATE_PATHS: Readonly<Record<ValidateVersion, string>> = { v1: V1, compat: COMPAT };

/** The two validate routes, answered without Express (see the module comment). */
export interface ValidateRoute {
  /** The two routes (path, method), for the API's 404/405 answers (src/http/api-fallback.ts). */
  routes: { path: string; methods: string[] }[];
  /** Which one `req` is for, or null: POST, the path (parseurl) compared as Express compares it (case, one trailing slash). */
  match(req: IncomingMessage): ValidateVersion | null;
  /**
   * Answer `req` (node's request and response, no Express) as `version`
   * (match's answer). An error met while answering with an error (the signed
   * error itself failing) goes to `fail` (the app hands it to its error
   * handler); `fail` must not throw.
   */
  handle(req: IncomingMessage, res: ServerResponse, version: ValidateVersion, fail: (err: unknown) => void): void;
}

/**
 * Validate `body` (already parsed JSON) as `version` for the client `ip`
 * and send the signed answer: the route's logic, shared by the fast path
 * and the contract test's Express route.
 * @throws (rejects with) BadRequestError for a body that is not the route's (parseBody).
 */
export async function answerValidation(
  deps: LicensesApiDeps, version: ValidateVersion, body: unknown, ip: string, res: ServerResponse, headers: IncomingHttpHeaders = {},
): Promise<void> {
  const { licenses: service, clock, config, keys } = deps;
  // A client API key (client-key.ts): looked up only when the request carries an Authorization header.
  const required = config.clientKeys.requiredProducts;
  const scope: ClientScope = headers.authorization ? await clientScope(deps.clientKeys, required, headers, res)
    : required.size ? { product: null, required } : ANY_CLIENT;
  // Only a scope with a key or a required product can refuse (401 WWW-Authenticate): the usual request skips the wrapper.
  const check = <T>(work: () => Promise<T>): Promise<T> => (scope === ANY_CLIENT ? work() : challenged(res, work));
  if (version === 'compat') {
    const b = parseBody(compatValidateBody, body, 'device_id');
    const verdict = await check(() => service.validate(b.device_id, b.key, ip, scope));
    const expiry = verdict.license?.expiresAt ? rfc3339(verdict.license.expiresAt) : null;
    const answer = { valid: verdict.valid, expiry, allowed: verdict.valid && verdict.license.state === 'active' };
    await sendSigned(res, keys.active, clock.now(), answer, service.signer);
    return;
  }
  const b = parseBody(validateBody, body);
  const verdict = await check(() => service.validate(b.machine_id, b.license_key, ip, scope));
  const now = clock.now();
  await sendSigned(res, keys.active, now, validationBody(verdict, now, config.baseUrl), service.signer);
}

/** The route a request is for, as Express would route it: the pathname (parseurl), any case, one trailing slash. */
function versionOf(req: IncomingMessage): ValidateVersion | null {
  if (req.method !== 'POST') return null;
  const pathname = parseurl(req)?.pathname ?? '';
  const p = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
  if (p.length === V1.length && p.toLowerCase() === V1) return 'v1';
  if (p.length === COMPAT.length && p.toLowerCase() === COMPAT) return 'compat';
  return null;
}

export function createValidateRoute(deps: ValidateRouteDeps): ValidateRoute {
  const limit = deps.limit('license-validate', { windowSeconds: 3600, limit: deps.config.licenses.validationsPerHour });
  return {
    routes: [{ path: V1, methods: ['POST'] }, { path: COMPAT, methods: ['POST'] }],
    match: versionOf,
    handle(incoming, res, version, fail) {
      const req = incoming as ValidateRequest;
      req.ip = deps.clientIp(req);
      deps.securityHeaders(res);
      logRequest(deps.logger, req, res);
      // A failure here is answered signed; one while answering that goes to `fail`.
      const refuse = (err: unknown) => void sendSignedError(deps, err, req, res).catch(fail);
      // express-rate-limit reads only req.ip (keyGenerator), req.headers and
      // res.setHeader/headersSent here (src/http/rate-limit.ts perIpLimiter).
      void limit(req as unknown as Request, res as Response, (limited?: unknown) => {
        if (limited) return refuse(limited);
        readJsonBody(req).then((body) => answerValidation(deps, version, body, req.ip, res, req.headers)).catch(refuse);
      });
    },
  };
}

/**
 * The app's request listener (what http.createServer and supertest call):
 * the two validate routes to `validate`, everything else to `app`. A failure
 * of the validate route's own error answer goes to the app's error handler,
 * as Express would send it; one the handler itself meets ends the connection.
 */
export function createAppListener(validate: ValidateRoute, app: Express, errorHandler: ErrorRequestHandler, logger: Logger): RequestListener {
  return (req, res) => {
    const version = validate.match(req);
    if (!version) {
      app(req, res);
      return;
    }
    const last = (err: unknown) => {
      logger.error({ err, reqId: (req as { id?: unknown }).id }, 'license validation failed to answer');
      res.destroy();
    };
    const fail = (err: unknown) => {
      try {
        if (!res.headersSent) {
          res.removeHeader('Retry-After'); // the unsigned 500 is not the 429 that could not be signed
          res.setHeader('Cache-Control', 'no-store');
        }
        const [request, response] = asExpress(app, req, res);
        errorHandler(err, request, response, last);
      } catch (e) {
        last(e);
      }
    };
    try {
      validate.handle(req, res, version, fail);
    } catch (err) {
      fail(err);
    }
  };
}

/**
 * Gives a request and its response Express's prototypes and links, as
 * Express's app.handle does before routing (express 5 lib/application.js):
 * for the app's error handler, when a validate request (answered without
 * Express) fails while sending its error.
 */
function asExpress(app: Express, req: IncomingMessage, res: ServerResponse): [Request, Response] {
  Object.setPrototypeOf(req, app.request);
  Object.setPrototypeOf(res, app.response);
  const request = req as Request;
  const response = res as Response;
  request.res = response;
  response.req = request;
  request.originalUrl = req.url ?? '/';
  response.locals = Object.create(null) as Record<string, unknown>;
  return [request, response];
}
