/**
 * The validate fast path (src/licenses/validate-route.ts, answered without
 * Express) behaves exactly as a plain Express route built from the same
 * service: the same requests — valid, refused, malformed, oversized, other
 * types and charsets, compressed, any case and a trailing slash, over the
 * per-IP limit — get the same status, headers (but dates, request ids and
 * signatures) and bodies (but timestamps and request ids) from both.
 */
import { expect } from 'chai';
import { limiterFactory } from '../../../src/http/rate-limit.js';
import express from 'express';
import request from 'supertest';
import { pino } from 'pino';
import { answerValidation, sendSignedError, type LicensesApiDeps, type ValidateVersion } from '../../../src/licenses/index.js';
import { jsonBody } from '../../../src/licenses/json-body.js';
import { perIpLimiter } from '../../../src/http/rate-limit.js';
import { logRequest } from '../../../src/http/request-id.js';
import { securityHeaders } from '../../../src/http/security.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { machine, publishedKeys, trial, verifyResponseSignature } from '../../helpers/licenses.js';

const LIMIT = 40;
/** Headers whose values differ between two answers given at different moments (their presence is compared). */
const VOLATILE = new Set(['date', 'x-signature', 'x-signature-date', 'x-request-id', 'ratelimit', 'retry-after', 'connection', 'keep-alive']);

/** The reference: the same chain as an ordinary Express route (security headers, request id, limit, JSON body, signed errors). */
function expressReference(ctx: TestContext, deps: LicensesApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.trustProxy);
  app.use(securityHeaders(ctx.config.secureCookies));
  app.use((req, res, next) => { logRequest(deps.logger, req, res); next(); });
  const limit = perIpLimiter({ windowSeconds: 3600, limit: LIMIT });
  const routes: [string, ValidateVersion][] = [['/api/v1/licenses/validate', 'v1'], ['/api/license/validate', 'compat']];
  for (const [path, version] of routes) {
    app.post(path, limit, jsonBody(), async (req, res) => answerValidation(deps, version, req.body, req.ip ?? '', res));
  }
  app.use((err: unknown, req: express.Request, res: express.Response, next: express.NextFunction) => { sendSignedError(deps, err, req, res).catch(next); });
  return app;
}

interface Case {
  name: string;
  path: string;
  type?: string;
  encoding?: string;
  body: string;
}

function comparable(res: request.Response): { status: number; headers: Record<string, unknown>; names: string[]; body: unknown } {
  const headers: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(res.headers)) if (!VOLATILE.has(k)) headers[k] = v;
  let body: unknown = res.text;
  try {
    const parsed = JSON.parse(res.text) as Record<string, unknown>;
    delete parsed.timestamp;
    delete parsed.request_id;
    body = parsed;
  } catch { /* compared as text */ }
  return { status: res.status, headers, names: Object.keys(res.headers).filter((k) => k !== 'keep-alive' && k !== 'connection').sort(), body };
}

describe('POST /api/v1/licenses/validate: the fast path answers as an Express route', function () {
  this.timeout(60000);
  let ctx: TestContext;
  let reference: express.Express;
  let cases: Case[];
  before(async () => {
    ctx = await createTestContext({ seed: false, env: { LICENSE_VALIDATIONS_PER_HOUR: String(LIMIT), LICENSE_TRIALS_PER_HOUR: '100' } });
    const h = ctx.handle;
    const deps: LicensesApiDeps = {
      config: ctx.config, db: ctx.db, clock: ctx.clock, logger: pino({ level: 'silent' }), audit: h.audit, accounts: h.accounts,
      keys: ctx.keys, licenses: h.licenses, limit: limiterFactory(),
    };
    reference = expressReference(ctx, deps);
    const t = await trial(ctx);
    const v1 = JSON.stringify({ machine_id: t.machineId, license_key: t.license_key });
    const compat = JSON.stringify({ device_id: t.machineId, key: t.license_key });
    const V1 = '/api/v1/licenses/validate';
    cases = [
      { name: 'a valid license', path: V1, body: v1 },
      { name: 'a valid license, compatibility route', path: '/api/license/validate', body: compat },
      { name: 'another machine', path: V1, body: JSON.stringify({ machine_id: machine(), license_key: t.license_key }) },
      { name: 'an unknown token', path: V1, body: JSON.stringify({ machine_id: machine(), license_key: 'ANDL1.a.b.c' }) },
      { name: 'any case and a trailing slash', path: '/API/V1/Licenses/Validate/', body: v1 },
      { name: 'a query string', path: `${V1}?x=1`, body: v1 },
      { name: 'charset=UTF-8 and another parameter', path: V1, type: 'application/json; charset=UTF-8; v=1', body: v1 },
      { name: 'a leading BOM', path: V1, body: `\uFEFF${v1}` },
      { name: 'malformed JSON', path: V1, body: '{"machine_id": ' },
      { name: 'a string', path: V1, body: '"machine"' },
      { name: 'an array', path: V1, body: '[1]' },
      { name: 'an empty body', path: V1, body: '' },
      { name: 'a missing member', path: '/api/license/validate', body: JSON.stringify({ key: 'x' }) },
      { name: 'a bad machine id', path: V1, body: JSON.stringify({ machine_id: 'zz', license_key: 'x' }) },
      { name: 'text/plain', path: V1, type: 'text/plain', body: v1 },
      { name: 'no Content-Type', path: V1, type: '', body: v1 },
      { name: 'charset=latin1', path: V1, type: 'application/json; charset=latin1', body: v1 },
      { name: 'charset=utf-16', path: V1, type: 'application/json; charset=utf-16', body: v1 },
      { name: 'a compressed body', path: V1, encoding: 'gzip', body: v1 },
      { name: 'a body over 16 KB', path: V1, body: JSON.stringify({ machine_id: machine(), license_key: 'x'.repeat(17 * 1024) }) },
    ];
  });
  after(async () => ctx?.close());

  async function both(c: Case): Promise<[request.Response, request.Response]> {
    const send = (target: Parameters<typeof request>[0]) => {
      let req = request(target).post(c.path).set('X-Forwarded-For', '198.51.100.7');
      if (c.type !== '') req = req.set('Content-Type', c.type ?? 'application/json');
      if (c.encoding) req = req.set('Content-Encoding', c.encoding);
      return req.send(c.body);
    };
    return [await send(ctx.app), await send(reference)];
  }

  it('gives the same status, headers and body to each request, both signed', async () => {
    const keys = await publishedKeys(ctx);
    for (const c of cases) {
      const [fast, plain] = await both(c);
      expect(comparable(fast), c.name).to.deep.equal(comparable(plain));
      verifyResponseSignature(fast, keys);
      verifyResponseSignature(plain, keys);
    }
  });

  it('refuses both past the per-IP limit with the same 429 and Retry-After', async () => {
    let last: [request.Response, request.Response] | null = null;
    for (let i = 0; i < LIMIT && last?.[0].status !== 429; i++) last = await both(cases[0]!);
    const [fast, plain] = last!;
    expect(fast.status).to.equal(429);
    // The two answers are given a moment apart (more on a loaded machine): the seconds to wait may differ by a few.
    expect(Math.abs(Number(fast.headers['retry-after']) - Number(plain.headers['retry-after']))).to.be.at.most(5);
    expect(Math.abs(Number(fast.body.retry_after) - Number(plain.body.retry_after))).to.be.at.most(5);
    const [a, b] = [comparable(fast), comparable(plain)];
    for (const x of [a, b]) {
      const body = x.body as { retry_after?: unknown; details?: { retry_after?: unknown } };
      delete body.retry_after;
      delete body.details?.retry_after;
      delete x.headers['content-length'];
    }
    expect(a).to.deep.equal(b);
  });
});
