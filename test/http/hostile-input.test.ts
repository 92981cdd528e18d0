/**
 * Hostile input on every route (fast-check), as a fuzzer, sqlmap or wapiti
 * sends it: no answer is a 5xx or shows a stack trace, on SQLite and on
 * PostgreSQL. The routes come from Express's router stack (plus the two
 * validate routes answered before it); a route missing from TABLE fails the
 * last test, as test/http/admin/authz.test.ts does for roles. The fields of
 * each route are read from the forms of its page (GET forms for query
 * parameters, the POST form whose action is the route), so a new field is
 * fuzzed without editing this file; TABLE adds what no form shows.
 *
 * For each route: every field in turn gets each SWEEP value (integers past
 * every column type, impossible dates, 100 KB…); a control character in any
 * field is a 400 (src/http/control-chars.ts); then fast-check sends random
 * combinations (repeated fields, unicode, SQL/HTML metacharacters, invalid
 * UTF-8). Route parameters (`:id`…) get the same values.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import request from 'supertest';
import { createAccount, csrfOf, loginAgent } from '../helpers/accounts.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import type { Agent } from '../helpers/forms.js';
import { CONTROL, encode, formsOf, hostileField, leaksInternals, SWEEP, textOf, urlencoded, type Hostile } from '../helpers/hostile.js';
import { credit, newInstallation, recharge } from '../helpers/recharge.js';
import { fixtureIds, routeTable, type RouteSpec, type Who } from '../helpers/hostile-routes.js';

type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };

/** Every `METHOD /path` of the Express router stack. */
function routesOf(app: TestContext['handle']['app']): string[] {
  const out: string[] = [];
  const walk = (stack: Layer[]): void => {
    for (const l of stack) {
      if (l.route) for (const m of Object.keys(l.route.methods)) out.push(`${m.toUpperCase()} ${l.route.path}`);
      else if (l.handle?.stack) walk(l.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out;
}

/** Answered by the app's request listener before Express (src/licenses/validate-route.ts). */
const OUTSIDE_EXPRESS = ['POST /api/v1/licenses/validate', 'POST /api/license/validate'];
/** Random combinations per route (each a request); the sweeps come on top. */
const RUNS = Number(process.env.HOSTILE_RUNS ?? 6);
/** fast-check's seed: HOSTILE_SEED replays a failed run. */
const SEED = Number(process.env.HOSTILE_SEED ?? Date.now() % 2 ** 31);

describe('hostile input on every route', function () {
  this.timeout(180000);
  let ctx: TestContext;
  const agents = {} as Record<Who, Agent>;
  const csrf = {} as Record<Who, string>;
  let ids: Record<string, string>;
  let table: Record<string, RouteSpec>;
  let ip = 0;

  before(async () => {
    ctx = await createTestContext({ env: { TRUST_PROXY: '1' } });
    const partnerId = await createAccount(ctx, 'hostile-partner@example.fr');
    await credit(ctx, partnerId, 50);
    await createAccount(ctx, 'hostile-superadmin@example.fr', 'superadmin');
    agents.partner = await loginAgent(ctx, 'hostile-partner@example.fr');
    agents.superadmin = await loginAgent(ctx, 'hostile-superadmin@example.fr');
    agents.anonymous = request.agent(ctx.app);
    csrf.anonymous = await csrfOf(agents.anonymous, '/contact');
    csrf.partner = await csrfOf(agents.partner, '/subscription/account');
    csrf.superadmin = await csrfOf(agents.superadmin, '/subscription/account');
    const inst = newInstallation();
    ids = await fixtureIds(ctx, await recharge(agents.partner, inst, 5), inst.code);
    table = routeTable();
  });
  after(async () => ctx?.close());

  /** A fresh client address each request: the per-IP limits (login, contact, API) must not hide what comes after them. */
  const nextIp = (): string => `198.51.${(ip >> 8) & 255}.${(ip++) & 255}`;

  const concrete = (route: string, params: Record<string, string> = {}): string =>
    route.replace(/:(\w+)/g, (_m, name: string) => params[name] ?? ids[`${route.split('/')[2] ?? ''}:${name}`] ?? ids[name] ?? '1');

  /** Check one answer: never a 5xx, never a stack trace; under /api always the JSON error envelope. */
  function check(what: string, res: request.Response): void {
    expect(res.status, `${what} → ${res.status} ${res.text?.slice(0, 300)}`).to.be.below(500);
    expect(leaksInternals(res.text ?? ''), `${what} shows internals`).to.equal(false);
    // 431: node's own answer to a request line or headers over its limit (16 KB), before any JavaScript runs.
    if (/ \/api\//.test(what) && res.status >= 400 && res.status !== 431) expect(res.body, `${what} → ${res.status} JSON error`).to.include({ success: false });
  }

  /** Send `fields` to a route (query for GET/DELETE, body for POST) as `spec` says. */
  async function send(route: string, spec: RouteSpec, fields: Record<string, Hostile[]>, params: Record<string, string> = {}): Promise<request.Response> {
    const [method, path] = route.split(' ') as [string, string];
    const agent = agents[spec.who];
    const url = concrete(path, params);
    const xff = nextIp();
    if (method === 'GET' || method === 'DELETE') {
      const query = urlencoded(fields);
      const req = method === 'GET' ? agent.get(`${url}${query ? `?${query}` : ''}`) : agent.delete(`${url}?${query}`).set('Authorization', 'Bearer andt_x');
      return req.set('X-Forwarded-For', xff).set('Accept-Language', 'fr');
    }
    if (spec.json) {
      const body: Record<string, unknown> = {};
      for (const [name, values] of Object.entries(fields)) if (values.length) body[name] = values.length === 1 ? textOf(values[0]!) : values.map(textOf);
      return agent.post(url).set('X-Forwarded-For', xff).send(body);
    }
    const fixed = { _csrf: csrf[spec.who], ...spec.fixed };
    if (spec.multipart) {
      let req = agent.post(url).set('X-Forwarded-For', xff);
      for (const [k, v] of Object.entries(fixed)) req = req.field(k, v);
      for (const [name, values] of Object.entries(fields)) for (const v of values) req = req.field(name, textOf(v));
      return req;
    }
    return agent.post(url).set('X-Forwarded-For', xff).type('form').send(urlencoded(fields, fixed));
  }

  /** The fields of a route: those of its page's forms, and the table's. */
  async function fieldsOf(route: string, spec: RouteSpec): Promise<string[]> {
    const [method, path] = route.split(' ') as [string, string];
    const page = method === 'GET' && !spec.json && !spec.noPage ? path : spec.page;
    const found: string[] = [];
    if (page) {
      const res = await agents[spec.who].get(concrete(page)).set('X-Forwarded-For', nextIp());
      expect(res.status, `${route}: page ${page}`).to.equal(200);
      const target = method === 'GET' ? concrete(path) : concrete(path);
      const forms = formsOf(res.text).filter((f) => f.method === method.toLowerCase() && (f.action === target || (f.action === '' && method === 'GET')));
      if (method === 'POST') expect(forms.length, `${route}: no form on ${page} posts to ${target}`).to.be.above(0);
      for (const f of forms) found.push(...f.fields);
    }
    return [...new Set([...found, ...(spec.fields ?? [])])].filter((f) => !(f in (spec.fixed ?? {})));
  }

  it('covers every route the app serves, and no route that does not exist', () => {
    const served = [...routesOf(ctx.handle.app), ...OUTSIDE_EXPRESS];
    expect(served.filter((r) => !(r in table)), 'routes missing from the table (test/http/hostile-routes.ts)').to.deep.equal([]);
    expect(Object.keys(table).filter((r) => !served.includes(r)), 'table rows for routes that do not exist').to.deep.equal([]);
  });

  it('answers every field of every route, one hostile value at a time, without a 5xx', async () => {
    for (const [route, spec] of Object.entries(table)) {
      const fields = await fieldsOf(route, spec);
      for (const name of fields) {
        for (const value of SWEEP) check(`${route} ${name}=${value.slice(0, 30)}`, await send(route, spec, { [name]: [{ text: value }] }));
      }
    }
  });

  it('refuses a control character in any field of any route with a 400', async () => {
    for (const [route, spec] of Object.entries(table)) {
      if (route.startsWith('DELETE ') || OUTSIDE_EXPRESS.includes(route) || spec.json) continue; // JSON bodies: the zod rules (test/http/licenses)
      for (const name of await fieldsOf(route, spec)) {
        const res = await send(route, spec, { [name]: [{ text: CONTROL[name.length % CONTROL.length]! }] });
        check(`${route} ${name}=<control>`, res);
        expect(res.status, `${route} ${name}=<control>`).to.equal(400);
      }
    }
  });

  it('answers route parameters out of every range (ids, file names, codes) without a 5xx', async () => {
    const values = [...SWEEP, '%00', '..%2F..%2Fetc%2Fpasswd', '%ED%A0%80', '0', '00001'];
    for (const [route, spec] of Object.entries(table)) {
      for (const param of [...route.matchAll(/:(\w+)/g)].map((m) => m[1]!)) {
        for (const v of values) check(`${route} :${param}=${v.slice(0, 30)}`, await send(route, spec, {}, { [param]: /%/.test(v) ? v : encode({ text: v }) }));
      }
    }
  });

  it('answers random hostile combinations on every route without a 5xx (fast-check)', async () => {
    for (const [route, spec] of Object.entries(table)) {
      const names = await fieldsOf(route, spec);
      if (!names.length) continue;
      const record = fc.record(Object.fromEntries(names.map((n) => [n, hostileField])) as Record<string, fc.Arbitrary<Hostile[]>>);
      const property = fc.asyncProperty(record, async (fields) => {
        check(`${route} ${JSON.stringify(fields).slice(0, 200)}`, await send(route, spec, fields));
      });
      const details = await fc.check(property, { numRuns: spec.runs ?? RUNS, seed: SEED });
      // fast-check's own report repeats 100 KB values: the failure and the seed are enough.
      if (details.failed) throw new Error(`${route}: ${String(details.errorInstance).slice(0, 1500)} (seed ${details.seed}, path ${details.counterexamplePath})`);
    }
  });
});
