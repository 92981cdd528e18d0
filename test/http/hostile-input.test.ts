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
 * For each route: every field at once gets each SWEEP value (integers past
 * every column type, impossible dates, 100 KB…); a
 * control character in a field is a 400 (src/http/control-chars.ts); route
 * parameters (`:id`…) get out-of-range values; then fast-check sends random
 * combinations, field by field (repeated fields, unicode, SQL/HTML
 * metacharacters, invalid UTF-8, the values above).
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
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
const RUNS = Number(process.env.HOSTILE_RUNS ?? 3);
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

  let server: Server;

  before(async () => {
    ctx = await createTestContext({ env: { TRUST_PROXY: '1' } });
    ctx.handle.app.set('view cache', true); // as in production: templates compiled once, not on every one of these requests
    // One listening server for all the agents (supertest would start and stop one per request).
    server = createServer(ctx.app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const onServer = { ...ctx, app: server as unknown as TestContext['app'] };
    const partnerId = await createAccount(ctx, 'hostile-partner@example.fr');
    await credit(ctx, partnerId, 50);
    await createAccount(ctx, 'hostile-superadmin@example.fr', 'superadmin');
    await createAccount(ctx, 'hostile-customer@example.fr', 'customer');
    agents.partner = await loginAgent(onServer, 'hostile-partner@example.fr');
    agents.customer = await loginAgent(onServer, 'hostile-customer@example.fr');
    agents.superadmin = await loginAgent(onServer, 'hostile-superadmin@example.fr');
    agents.anonymous = request.agent(server);
    csrf.anonymous = await csrfOf(agents.anonymous, '/contact');
    agents.visitor = request.agent(server);
    csrf.visitor = await csrfOf(agents.visitor, '/contact');
    csrf.partner = await csrfOf(agents.partner, '/subscription/account');
    csrf.customer = await csrfOf(agents.customer, '/subscription/account');
    csrf.superadmin = await csrfOf(agents.superadmin, '/subscription/account');
    const inst = newInstallation();
    ids = await fixtureIds(ctx, await recharge(agents.partner, inst, 5), inst.code);
    table = routeTable();
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await ctx?.close();
  });

  /** A fresh client address each request: the per-IP limits (login, contact, API) must not hide what comes after them. */
  const nextIp = (): string => `198.51.${(ip >> 8) & 255}.${(ip++) & 255}`;

  const concrete = (route: string, params: Record<string, string> = {}): string =>
    route.replace(/:(\w+)/g, (_m, name: string) =>
      params[name] ?? ids[`${route.split('/')[2] ?? ''}:${name}`] ?? ids[`${route.split('/')[1] ?? ''}:${name}`] ?? ids[name] ?? '1');

  /**
   * Check one answer: never a 5xx, never a stack trace; under /api always the
   * JSON error envelope. And the request was really tried: a logged-in
   * agent is not sent to the login page, a form's CSRF token is not refused
   * (else every later answer would prove nothing).
   */
  function check(what: string, res: request.Response, who: Who = 'anonymous'): void {
    expect(res.status, `${what} → ${res.status} ${res.text?.slice(0, 300)}`).to.be.below(500);
    if (who === 'partner' || who === 'superadmin') expect(String(res.headers.location ?? ''), `${what}: session lost`).not.to.match(/^\/subscription\/login/);
    if (/^POST \/(?!api\/)/.test(what)) expect(res.status, `${what}: CSRF token refused`).not.to.equal(403);
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

  /**
   * The fields of every route: those of its page's forms and the table's.
   * Read once, before any request changes a fixture's state (a form shown
   * only to an undelivered recharge, say); returns what the table gets wrong.
   */
  const fieldCache = new Map<string, string[]>();
  async function readFields(): Promise<string[]> {
    const problems: string[] = [];
    for (const [route, spec] of Object.entries(table)) {
      const [method, path] = route.split(' ') as [string, string];
      const page = method === 'GET' && !spec.json && !spec.noPage ? path : spec.page;
      const found: string[] = [];
      if (page) {
        const res = await agents[spec.who].get(concrete(page)).set('X-Forwarded-For', nextIp());
        if (res.status >= 500) problems.push(`${route}: page ${page} answered ${res.status}`);
        const target = concrete(path);
        const forms = formsOf(res.text).filter((f) => f.method === method.toLowerCase() && (f.action === target || (f.action === '' && method === 'GET')));
        if (method === 'POST' && !forms.length) problems.push(`${route}: no form on ${page} posts to ${target}`);
        for (const f of forms) found.push(...f.fields);
      }
      fieldCache.set(route, [...new Set([...found, ...(spec.fields ?? [])])].filter((f) => !(f in (spec.fixed ?? {}))));
    }
    return problems;
  }
  const fieldsOf = (route: string): string[] => fieldCache.get(route) ?? [];

  /** The same value in every field of the route. */
  const everyField = (names: string[], value: Hostile): Record<string, Hostile[]> => Object.fromEntries(names.map((n) => [n, [value]]));

  it('finds the form of every POST route on the page the table names', async () => {
    expect(await readFields()).to.deep.equal([]);
  });

  it('covers every route the app serves, and no route that does not exist', () => {
    const served = [...routesOf(ctx.handle.app), ...OUTSIDE_EXPRESS];
    expect(served.filter((r) => !(r in table)), 'routes missing from the table (test/helpers/hostile-routes.ts)').to.deep.equal([]);
    expect(Object.keys(table).filter((r) => !served.includes(r)), 'table rows for routes that do not exist').to.deep.equal([]);
  });

  it('answers each hostile value in every field of every route without a 5xx', async () => {
    for (const [route, spec] of Object.entries(table)) {
      const names = fieldsOf(route);
      if (!names.length) continue;
      for (const value of SWEEP) {
        check(`${route} *=${value.slice(0, 30)}`, await send(route, spec, everyField(names, { text: value })), spec.who);
      }
    }
  });

  it('refuses a control character in a field of any route with a 400, before the route', async () => {
    let n = 0;
    for (const [route, spec] of Object.entries(table)) {
      if (route.startsWith('DELETE ') || spec.json) continue; // JSON bodies: the zod rules (test/http/licenses)
      const names = fieldsOf(route);
      if (!names.length) continue;
      const name = names[n % names.length]!;
      const res = await send(route, spec, { [name]: [{ text: CONTROL[n++ % CONTROL.length]! }] });
      check(`${route} ${name}=<control>`, res, spec.who);
      expect(res.status, `${route} ${name}=<control>`).to.equal(400);
    }
  });

  it('answers route parameters out of every range (ids, file names, codes) without a 5xx', async () => {
    const values = ['9223372036854775808', '1e400', '-1', '1.5', '0', '%00', '..%2F..%2Fetc%2Fpasswd', '%ED%A0%80', 'x'.repeat(2000)];
    for (const [route, spec] of Object.entries(table)) {
      for (const param of [...route.matchAll(/:(\w+)/g)].map((m) => m[1]!)) {
        for (const v of values) check(`${route} :${param}=${v.slice(0, 30)}`, await send(route, spec, {}, { [param]: /%/.test(v) ? v : encode({ text: v }) }), spec.who);
      }
    }
  });

  it('answers random hostile combinations on every route without a 5xx (fast-check)', async () => {
    for (const [route, spec] of Object.entries(table)) {
      const names = fieldsOf(route);
      if (!names.length) continue;
      const record = fc.record(Object.fromEntries(names.map((n) => [n, hostileField])) as Record<string, fc.Arbitrary<Hostile[]>>);
      const property = fc.asyncProperty(record, async (fields) => {
        check(`${route} ${JSON.stringify(fields).slice(0, 200)}`, await send(route, spec, fields), spec.who);
      });
      const details = await fc.check(property, { numRuns: spec.runs ?? RUNS, seed: SEED });
      // fast-check's own report repeats 100 KB values: the failure and the seed are enough.
      if (details.failed) {
        throw new Error(`${route}: ${String(details.errorInstance).slice(0, 1500)} (seed ${details.seed}, path ${details.counterexamplePath})`);
      }
    }
  });
});
