/**
 * Scaling-out bench (a part of `npm run bench`): requests per second served
 * by one instance of the portal and by two instances of it sharing one
 * PostgreSQL schema and one Redis, as a deployment behind a load balancer
 * runs them, for the two routes that carry load:
 * - `GET /` for an anonymous visitor (page cache);
 * - `POST /api/v1/licenses/validate` with existing trial licenses (a signed
 *   answer, a database read, the per-IP rate limit counted in Redis).
 *
 * Method:
 * 1. A fresh PostgreSQL schema `bench_scale_<random>` in BENCH_DATABASE_URL
 *    (default postgres://postgres@127.0.0.1:5432/test) and a Redis key prefix
 *    of the same name on BENCH_REDIS_URL (default redis://127.0.0.1:6379).
 *    When either does not answer, the bench says so and exits 0 (nothing
 *    measured: scaling out needs both).
 * 2. Instance A is started as `npm start` starts the app (test/bench/harness.ts
 *    startApp: dist/server.js) and migrates the schema; TRIALS trial licenses are created
 *    through its license API (one machine and e-mail each); instance B is
 *    started on the same schema and Redis. Rate limits are raised so that no
 *    request is answered 429.
 * 3. autocannon, CONNECTIONS connections, for each route: one instance (all
 *    connections to A), two instances (connections spread over A and B by
 *    autocannon's URL list, as a round-robin balancer would), two, one —
 *    SECONDS / 2 each, after a warm-up of each side; any non-2xx answer or
 *    connection error aborts the bench.
 * 4. Printed: req/s of each side, the ratio two ÷ one, the CPU time (µs per
 *    request) of the portal processes, and how much CPU everything else took
 *    (the load generator, PostgreSQL, Redis, other processes).
 *
 * There is no goal: how far two instances go past one depends on the cores
 * the host has. On a machine with N cores, the load generator, PostgreSQL,
 * Redis and the instances share them; two instances can only help when one
 * instance leaves cores idle. The results go to <tmp>/bench-scale-results.json
 * and as one JSON line on stdout.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import knexFactory from 'knex';
import {
  assertAlive, benchAppEnv, cpuSeconds, fmt, freePort, HOST, machineBusySeconds, runBench, startApp, stop, waitReady, type Child,
} from './harness.js';

const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const TRIALS = 200;
const CONNECTIONS = 50;
/** Measured seconds per side and route (two halves). */
const SECONDS = 10;
const WARMUP_SECONDS = 2;
const VALIDATE_PATH = '/api/v1/licenses/validate';

interface Side {
  seconds: number;
  ok2xx: number;
  /** CPU seconds used by the portal processes of this side. */
  portalCpuSeconds: number;
  /** CPU seconds used by every other process (autocannon, PostgreSQL, Redis, the rest). */
  otherCpuSeconds: number;
  p99Ms: number;
}

/** Whether `url`'s PostgreSQL and Redis answer; the reason when not. */
async function servicesMissing(): Promise<string | null> {
  const db = knexFactory({ client: 'pg', connection: PG_URL, pool: { min: 0, max: 1 }, acquireConnectionTimeout: 3000 });
  try {
    await db.raw('select 1');
  } catch (err) {
    return `PostgreSQL at ${PG_URL} does not answer (${(err as Error).message})`;
  } finally {
    await db.destroy();
  }
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    return `Redis at ${REDIS_URL} does not answer (${(err as Error).message})`;
  } finally {
    redis.disconnect();
  }
  return null;
}

/**
 * One autocannon run against `bases` (connections spread over them in turn),
 * with the CPU time of the portal processes `children`.
 */
async function run(children: Child[], bases: string[], route: Route, seconds: number): Promise<Side> {
  for (const c of children) assertAlive(c);
  const cpuBefore = children.map((c) => cpuSeconds(c.proc.pid!));
  const machineBefore = machineBusySeconds();
  const result = await autocannon({
    // autocannon 9 takes a list of URLs and gives connection i the URL i mod n (lib/run.js); its types say string only.
    url: bases.map((b) => `${b}${route.path}`) as unknown as string,
    connections: CONNECTIONS,
    duration: seconds,
    pipelining: 1,
    timeout: 10,
    requests: route.requests,
  });
  for (const c of children) assertAlive(c);
  const portal = children.reduce((acc, c, i) => acc + cpuSeconds(c.proc.pid!) - cpuBefore[i]!, 0);
  const other = machineBusySeconds() - machineBefore - portal;
  if (result['2xx'] === 0 || result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${route.name} on ${bases.length} instance(s): ${result['2xx']} 2xx, ${result.non2xx} non-2xx, ${result.errors} errors`);
  }
  return { seconds: result.duration, ok2xx: result['2xx'], portalCpuSeconds: portal, otherCpuSeconds: Math.max(0, other), p99Ms: result.latency.p99 };
}

const combine = (a: Side, b: Side): Side => ({
  seconds: a.seconds + b.seconds,
  ok2xx: a.ok2xx + b.ok2xx,
  portalCpuSeconds: a.portalCpuSeconds + b.portalCpuSeconds,
  otherCpuSeconds: a.otherCpuSeconds + b.otherCpuSeconds,
  p99Ms: Math.max(a.p99Ms, b.p99Ms),
});

const perReq = (s: Side) => `${fmt((s.portalCpuSeconds * 1e6) / s.ok2xx)} µs/req`;
const cores = (s: Side) => `${fmt(s.otherCpuSeconds / s.seconds, 2)} + ${fmt(s.portalCpuSeconds / s.seconds, 2)} portal of ${os.cpus().length} cores`;

/** Print `rows` under `headers` as a Markdown table (numbers right-aligned). */
function table(headers: string[], rows: string[][]): void {
  const width = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join(' | ')} |`;
  console.log([line(headers), `|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n'));
}

interface Route {
  name: string;
  path: string;
  requests?: autocannon.Request[];
}

let scratch: string | null = null;

async function main(): Promise<void> {
  const missing = await servicesMissing();
  if (missing) {
    console.log(`bench (scaling out): skipped, ${missing}; scaling out needs PostgreSQL and Redis.`);
    return;
  }
  const started = Date.now();
  const schema = `bench_scale_${crypto.randomBytes(4).toString('hex')}`;
  const tmp = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'bench-scale-'));
  scratch = tmp;
  const admin = knexFactory({ client: 'pg', connection: PG_URL, pool: { min: 0, max: 1 } });
  await admin.raw('create schema ??', [schema]);
  const children: Child[] = [];
  try {
    const env = (port: number) => benchAppEnv(tmp, port, {
      DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema, REDIS_URL, REDIS_PREFIX: `${schema}:`, PAGE_CACHE_TTL: '60', STAFF_2FA_REQUIRED: '0',
      LICENSE_TRIALS_PER_HOUR: '10000000', LICENSE_VALIDATIONS_PER_HOUR: '100000000',
    });
    const ports = [await freePort(), await freePort()];
    const bases = ports.map((p) => `http://${HOST}:${p}`);
    console.log(`bench (scaling out): schema ${schema}, ${os.cpus().length} CPUs; instance A migrates`);
    children.push(startApp('instance A', env(ports[0]!)));
    await waitReady(children[0]!, `${bases[0]}/healthz`, 120_000);

    console.log(`bench (scaling out): ${TRIALS} trial licenses through the license API`);
    const bodies: string[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const machineId = crypto.randomBytes(16).toString('hex');
      const res = await fetch(`${bases[0]}/api/v1/licenses/trial`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ machine_id: machineId, email: `scale${i}@example.com`, product: 'easyfacture', version: '1.0.0' }),
      });
      const body = (await res.json()) as { license_key?: string };
      if (!res.ok || !body.license_key) throw new Error(`trial ${i}: HTTP ${res.status} ${JSON.stringify(body)}`);
      bodies.push(JSON.stringify({ machine_id: machineId, license_key: body.license_key }));
    }
    children.push(startApp('instance B', env(ports[1]!)));
    await waitReady(children[1]!, `${bases[1]}/healthz`, 120_000);
    for (const [i, base] of bases.entries()) await waitReady(children[i]!, `${base}/`);

    const routes: Route[] = [
      { name: 'GET / (anonymous, page cache)', path: '/' },
      {
        name: `POST ${VALIDATE_PATH}`, path: VALIDATE_PATH,
        requests: [{
          method: 'POST', headers: { 'content-type': 'application/json' },
          setupRequest: (req) => ({ ...req, body: bodies[crypto.randomInt(bodies.length)]! }),
        }],
      },
    ];
    const one = [children[0]!];
    const measured: { route: string; one: Side; two: Side }[] = [];
    for (const route of routes) {
      console.log(`bench (scaling out): ${route.name}, ${CONNECTIONS} connections, one instance then two, ${SECONDS} s a side (one, two, two, one)`);
      await run(one, [bases[0]!], route, WARMUP_SECONDS);
      await run(children, bases, route, WARMUP_SECONDS);
      const half = SECONDS / 2;
      const o1 = await run(one, [bases[0]!], route, half);
      const t1 = await run(children, bases, route, half);
      const t2 = await run(children, bases, route, half);
      const o2 = await run(one, [bases[0]!], route, half);
      measured.push({ route: route.name, one: combine(o1, o2), two: combine(t1, t2) });
    }

    const rps = (s: Side) => s.ok2xx / s.seconds;
    const rows = measured.flatMap((m) => [
      [`${m.route}, one instance`, `${fmt(rps(m.one))} req/s`, `${fmt(m.one.p99Ms)} ms`, perReq(m.one), cores(m.one)],
      [`${m.route}, two instances`, `${fmt(rps(m.two))} req/s`, `${fmt(m.two.p99Ms)} ms`, perReq(m.two), cores(m.two)],
      [`${m.route}, two ÷ one`, fmt(rps(m.two) / rps(m.one), 2), '', '', ''],
    ]);
    console.log('');
    table(['Measure', 'Value', 'p99', 'Portal CPU', 'Rest of the machine'], rows);
    console.log('\n(Portal CPU: CPU time of the instances per request. Rest of the machine: cores used meanwhile by autocannon, '
      + 'PostgreSQL, Redis and anything else; with the portal\'s share, how close the machine was to saturation. No goal: '
      + 'two instances only help where one leaves cores idle.)');
    const results = {
      date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, connections: CONNECTIONS, seconds: SECONDS,
      routes: measured.map((m) => ({ ...m, ratio: rps(m.two) / rps(m.one), oneReqPerSec: rps(m.one), twoReqPerSec: rps(m.two) })),
      benchSeconds: (Date.now() - started) / 1000,
    };
    const out = path.join(tmp, 'bench-scale-results.json');
    await fs.promises.writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nbench (scaling out): ${fmt(results.benchSeconds, 0)} s in all; results written to ${out}`);
    console.log(JSON.stringify(results));
    scratch = null;
  } finally {
    for (const c of children) await stop(c);
    await admin.raw('drop schema if exists ?? cascade', [schema]);
    await admin.destroy();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${schema}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
}

await runBench('bench (scaling out)', main, () => scratch);
