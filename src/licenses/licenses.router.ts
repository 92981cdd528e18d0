/**
 * The license server's JSON API (answers documented in src/api-docs/openapi.ts):
 *
 *   POST   /api/v1/licenses/trial         201 | 400 | 401 | 403 | 409 TRIAL_ALREADY_EXISTS | 429 (per IP)
 *   POST   /api/v1/licenses/activate      200 | 400 | 401 | 403 | 404 INVALID_ACTIVATION_CODE | 429 (per IP)
 *   POST   /api/v1/licenses/validate      200 (valid true|false) | 400 | 401 | 403 | 429 (per IP)   — validate-route.ts, before Express
 *   POST   /api/v1/licenses/heartbeat     200 | 400 | 403 LICENSE_REVOKED, LICENSE_EXPIRED | 404 LICENSE_NOT_FOUND | 429 (per license and machine, per IP)
 *   DELETE /api/v1/admin/licenses/:machine_id   Bearer token; 200 | 400 | 401 | 404
 *   POST   /api/license/validate          Mastertrade: {key, device_id} → {valid, expiry, allowed} (shares validate's limit) — validate-route.ts
 *   POST   /api/license/heartbeat         Mastertrade: {key, device_id, app_version?, os_info?} → {ok, last_check} (signed)
 *
 * trial, activate and validate (both versions) accept a client API key (`Authorization: Bearer sk_…`, client-key.ts):
 * 401 when it is not valid, 403 when the request is about another product.
 *
 * Every answer of validate and heartbeat (both versions), errors included, is
 * signed (response-signature.ts).
 * Bodies: JSON objects of at most 16 KB, read by json-body.ts (the same
 * reader as the validate fast path); any failure (malformed JSON, over
 * 16 KB, a charset other than UTF-8, compressed) is a 400 INVALID_REQUEST. Errors go through
 * the app's error handler ({success:false, error, message, details,
 * timestamp, request_id}); TRIAL_ALREADY_EXISTS adds `existing_license`.
 */
import type { ServerResponse } from 'node:http';
import { Router, type Request, type Response } from 'express';
import type { Actor } from '../audit/index.js';
import { rfc3339 } from '../crypto/index.js';
import { apiErrorAnswer, pathOfTarget, type ApiRequest } from '../http/error-handler.js';
import { BadRequestError, ERR, NotFoundError, UnauthorizedError } from '../errors/index.js';
import { challenged, checkProduct, clientScope } from './client-key.js';
import type { LicensesApiDeps } from './context.js';
import { daysRemaining, TrialExistsError, type Validation } from './licenses.service.js';
import { activateBody, compatHeartbeatBody, heartbeatBody, parseBody, parseMachineId, trialBody } from './schemas.js';
import { jsonBody } from './json-body.js';
import { sendSigned } from './response-signature.js';

/** The routes whose every answer, errors included, is signed (X-Signature); compare with routePath(req). */
export const SIGNED_PATHS = new Set(['/api/v1/licenses/validate', '/api/v1/licenses/heartbeat', '/api/license/validate', '/api/license/heartbeat']);

/** req.path as Express routing matches it: case ignored, one trailing slash ignored. */
export function routePath(req: Request): string {
  return routePathOf(req.path);
}

/** The same for a request target (pathOfTarget: query, fragment and an absolute form's scheme and host left out). */
export function routePathOf(url: string): string {
  const p = pathOfTarget(url).toLowerCase();
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

const MESSAGES = {
  LICENSE_NOT_FOUND: 'License not found',
  LICENSE_REVOKED: 'This license has been revoked',
  LICENSE_EXPIRED: 'This license has expired',
  MACHINE_MISMATCH: 'This license belongs to another machine',
  TOO_MANY_ACTIVATIONS: 'This license is already activated on the maximum number of machines',
} as const;

/** The audit actor of an API request (no account unless a token named one). */
function apiActor(req: Request, account?: { id: number; email: string }): Actor {
  return { id: account?.id ?? null, email: account?.email ?? null, ip: req.ip ?? null, userAgent: req.get('user-agent')?.slice(0, 512) ?? null };
}

/** A product's renewal URL as a desktop program can open it: a path is made absolute on BASE_URL; null when none. */
export function absoluteUrl(url: string | undefined, baseUrl: string): string | null {
  if (!url) return null;
  return url.startsWith('/') ? `${baseUrl.replace(/\/+$/, '')}${url}` : url;
}

/** The support ticket form with license `licenseId` preselected (src/support: `?license=<id>`, checked to be the account's). */
export function supportUrl(baseUrl: string, licenseId: number): string {
  return `${baseUrl.replace(/\/+$/, '')}/support/tickets/new?license=${licenseId}`;
}

/**
 * The v1 validate answer for a verdict (dates RFC 3339). A valid answer also
 * carries the product's `grace_days` (how long past `expires_at` an offline
 * client may go on) and `heartbeat_interval_seconds`; a TOO_MANY_ACTIVATIONS
 * refusal carries `support_url` (the support ticket form for that license).
 */
export function validationBody(v: Validation, now: Date, baseUrl: string): Record<string, unknown> {
  if (!v.valid) {
    const body: Record<string, unknown> = { success: true, valid: false, error: v.error, message: MESSAGES[v.error] };
    if (v.error === ERR.LICENSE_EXPIRED && v.license?.expiresAt) {
      body.expired_at = rfc3339(v.license.expiresAt);
      body.renewal_url = absoluteUrl(v.product?.renewalUrl, baseUrl);
    }
    // All the seats are taken: where the customer asks for help, with the license preselected (from the row already read).
    if (v.error === ERR.TOO_MANY_ACTIVATIONS && v.license) body.support_url = supportUrl(baseUrl, v.license.id);
    return body;
  }
  const l = v.license;
  return {
    success: true,
    valid: true,
    license_type: l.licenseType,
    expires_at: l.expiresAt ? rfc3339(l.expiresAt) : null,
    days_remaining: daysRemaining(l.expiresAt, now),
    is_active: l.state === 'active',
    customer_email: l.email,
    grace_days: v.product.graceDays,
    heartbeat_interval_seconds: v.product.heartbeatIntervalSeconds,
    ...(v.freshToken ? { license_key: v.freshToken } : {}),
  };
}

/** The API's error answer for `err` (apiErrorAnswer), signed: for the routes of SIGNED_PATHS. */
export async function sendSignedError(
  deps: Pick<LicensesApiDeps, 'logger' | 'keys' | 'clock' | 'licenses'>, err: unknown, req: ApiRequest, res: ServerResponse,
): Promise<void> {
  const answer = apiErrorAnswer(err, req, deps.logger);
  if (answer.retryAfter !== undefined) res.setHeader('Retry-After', String(answer.retryAfter));
  res.statusCode = answer.status;
  await sendSigned(res, deps.keys.active, deps.clock.now(), answer.body, deps.licenses.signer);
}

/** Routes under /api/v1/licenses, /api/v1/admin/licenses and the Mastertrade compatibility routes /api/license/*. */
export function createLicensesApiRouter(deps: LicensesApiDeps): Router {
  const { licenses: service, clock, config, keys, limit } = deps;
  const router = Router();
  const json = jsonBody();
  const trialLimit = limit('license-trial', { windowSeconds: 3600, limit: config.licenses.trialsPerHour });
  const activateLimit = limit('license-activate', { windowSeconds: 3600, limit: config.licenses.activationsPerHour });
  // Heartbeats are one per machine and interval; per IP they get validate's allowance (an office of machines behind one address).
  const heartbeatLimit = limit('license-heartbeat', { windowSeconds: 3600, limit: config.licenses.validationsPerHour });
  const noStore = (res: Response) => res.setHeader('Cache-Control', 'no-store');
  const keyRequired = config.clientKeys.requiredProducts;

  router.post('/api/v1/licenses/trial', trialLimit, json, async (req, res) => {
    const scope = await clientScope(deps.clientKeys, keyRequired, req.headers, res);
    const b = parseBody(trialBody, req.body);
    await challenged(res, () => checkProduct(scope, b.product));
    let issued;
    try {
      issued = await service.trial({ machineId: b.machine_id, email: b.email, productCode: b.product, version: b.version }, apiActor(req));
    } catch (err) {
      if (!(err instanceof TrialExistsError)) throw err;
      const now = clock.now();
      noStore(res);
      res.status(409).json({
        success: false,
        error: err.code,
        message: err.message,
        details: null,
        existing_license: { expires_at: rfc3339(err.existing.expiresAt ?? now), days_remaining: daysRemaining(err.existing.expiresAt, now) ?? 0 },
        timestamp: new Date().toISOString(),
        request_id: String(req.id ?? ''),
      });
      return;
    }
    const now = clock.now();
    noStore(res);
    res.status(201).json({
      success: true,
      license_key: issued.token,
      license_type: 'trial',
      expires_at: rfc3339(issued.license.expiresAt!),
      days_remaining: daysRemaining(issued.license.expiresAt, now),
      message: `Trial of ${issued.product.name} started: ${issued.product.trialDays} days`,
    });
  });

  router.post('/api/v1/licenses/activate', activateLimit, json, async (req, res) => {
    const scope = await clientScope(deps.clientKeys, keyRequired, req.headers, res);
    const b = parseBody(activateBody, req.body);
    const issued = await challenged(res, () => service.activate(
      { machineId: b.machine_id, code: b.activation_code, email: b.email, client: scope }, apiActor(req)));
    const l = issued.license;
    noStore(res);
    res.json({
      success: true,
      license_key: issued.token,
      license_type: l.licenseType,
      expires_at: l.expiresAt ? rfc3339(l.expiresAt) : null,
      days_remaining: daysRemaining(l.expiresAt, clock.now()),
      message: `${issued.product.name} activated (${l.licenseType})`,
    });
  });

  router.post('/api/v1/licenses/heartbeat', heartbeatLimit, json, async (req, res) => {
    const b = parseBody(heartbeatBody, req.body);
    const at = await service.heartbeat({ machineId: b.machine_id, token: b.license_key, appVersion: b.app_version, osInfo: b.os_info }, req.ip ?? '');
    await sendSigned(res, keys.active, clock.now(), { success: true, message: 'Heartbeat recorded', last_check: rfc3339(at) }, service.signer);
  });

  router.delete('/api/v1/admin/licenses/:machine_id', async (req, res) => {
    const header = req.get('authorization') ?? '';
    const m = /^Bearer\s+(\S{1,200})$/i.exec(header);
    const account = m ? await deps.accounts.byApiToken(m[1]!) : null;
    // byApiToken finds only staff tokens; the role is checked again here so that a customer's token (andc_) can never act.
    if (!account || (account.role !== 'admin' && account.role !== 'superadmin')) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedError('A valid admin API token is required (Authorization: Bearer …)');
    }
    let machineId: string;
    try {
      machineId = parseMachineId(req.params.machine_id);
    } catch {
      throw new BadRequestError('machine_id must be exactly 32 hexadecimal characters', { machine_id: 'INVALID' }, ERR.INVALID_MACHINE_ID);
    }
    const n = await service.revokeByMachine(machineId, apiActor(req, account));
    if (!n) throw new NotFoundError('No license left to revoke for this machine', ERR.LICENSE_NOT_FOUND);
    noStore(res);
    res.json({ success: true, revoked: n, message: `${n} license(s) revoked` });
  });

  router.post('/api/license/heartbeat', heartbeatLimit, json, async (req, res) => {
    const b = parseBody(compatHeartbeatBody, req.body, 'device_id');
    const at = await service.heartbeat({ machineId: b.device_id, token: b.key, appVersion: b.app_version, osInfo: b.os_info }, req.ip ?? '');
    await sendSigned(res, keys.active, clock.now(), { ok: true, last_check: rfc3339(at) }, service.signer);
  });

  // Errors of the signed routes (400, 403, 404, 429, 500) are signed too: a
  // spoofed "not found" or "wait a day" is told from the real server's.
  router.use(async (err: unknown, req: Request, res: Response, next: (err?: unknown) => void) => {
    if (!SIGNED_PATHS.has(routePath(req)) || res.headersSent) return next(err);
    await sendSignedError(deps, err, req, res);
  });

  return router;
}
