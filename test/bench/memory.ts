/**
 * Memory bench (eighth part of `npm run bench`): the RSS of the server as `npm start` runs it, the JavaScript that
 * setup/build.mjs writes into dist/ (node + the start script's V8 flags + dist/server.js, no tsx), against the same
 * server run from TypeScript under tsx (`node --import tsx src/server.ts`, the way `npm start` ran it before the build).
 *
 * Goals (a small VPS): the built server's idle RSS after start under 110 MB, and under 120 MB once it has served its
 * first requests.
 *
 * Steps: `node setup/build.mjs --if-stale` (dist/ as `npm start` leaves it). The built server is started once on a
 * mkdtemp directory (NODE_ENV=production, LOG_LEVEL=warn, SQLite; it migrates and seeds the demo release), then
 * stopped, and restarted on the same database (the steady state: nothing to migrate). Then for each of the two ways:
 * 1. after start: polled on /healthz until it answers, then RSS (VmRSS) 1 s later ("early"), then the lowest RSS
 *    sampled every second for 30 s without a request ("settled": V8's memory reducer gives back the start-up heap
 *    some seconds after the last activity; run.ts measures the same way);
 * 2. after the first requests: one trial license (POST /api/v1/licenses/trial), then 200 requests one at a time,
 *    in turn `/`, `/products`, `/login` and a validation of that license (POST /api/v1/licenses/validate, which
 *    starts the crypto worker thread); each must answer 200 (the validation `valid: true`). Then the same early
 *    and settled figures.
 * The goals are judged on the settled figures of the built server; the tsx figures are the reference.
 *
 * The results go to <tmp>/bench-memory-results.json (and as one JSON line on stdout). Exit code 0 when every
 * figure was measured, goals met or not; 1 when something crashed. MB means MiB.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  assertAlive, benchAppEnv, type Child, fmt, freePort, HOST, printTable, ROOT, rssMb, runBench, sleep, START_FLAGS, startBuilt, startNode, stop,
  verdict, waitReady,
} from './harness.js';

const GOALS = { idleAfterStartMb: 110, afterRequestsMb: 120 };
const REQUESTS = 200;
const SETTLE_SECONDS = 30;

let workDir: string | null = null;

interface Rss { early: number; settled: number }

/** RSS 1 s from now, and the lowest over the next SETTLE_SECONDS with no request. */
async function idleRss(app: Child): Promise<Rss> {
  await sleep(1000);
  assertAlive(app);
  const early = rssMb(app.proc.pid!);
  let settled = early;
  for (let s = 0; s < SETTLE_SECONDS; s++) {
    await sleep(1000);
    settled = Math.min(settled, rssMb(app.proc.pid!));
  }
  assertAlive(app);
  return { early, settled };
}

async function expectOk(res: Response, what: string): Promise<Response> {
  if (res.status !== 200 && res.status !== 201) throw new Error(`${what} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return res;
}

/** A trial license, then REQUESTS requests in turn over the pages and the license validation. */
async function firstRequests(base: string): Promise<void> {
  const machineId = crypto.randomUUID().replaceAll('-', '');
  const post = (route: string, body: unknown) =>
    fetch(`${base}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const trial = await expectOk(await post('/api/v1/licenses/trial', { machine_id: machineId, email: `bench-${machineId}@example.com`, product: 'easyfacture',
    version: '1.0.0' }), 'trial');
  const { license_key: licenseKey } = (await trial.json()) as { license_key: string };
  for (let i = 0; i < REQUESTS; i++) {
    const turn = i % 4;
    if (turn === 3) {
      const res = await expectOk(await post('/api/v1/licenses/validate', { machine_id: machineId, license_key: licenseKey }), 'validate');
      if (!((await res.json()) as { valid?: boolean }).valid) throw new Error('validate: the trial license is not valid');
    } else {
      const route = ['/', '/products', '/login'][turn]!;
      await (await expectOk(await fetch(`${base}${route}`), `GET ${route}`)).arrayBuffer();
    }
  }
}

/** Start one way of running the server, measure it after start and after the first requests, stop it. */
async function measure(name: string, start: () => Child, base: string): Promise<{ start: Rss; requests: Rss }> {
  console.log(`bench: ${name}: start, ${SETTLE_SECONDS} s idle, ${REQUESTS} requests, ${SETTLE_SECONDS} s idle`);
  const app = start();
  try {
    await waitReady(app, `${base}/healthz`);
    const afterStart = await idleRss(app);
    await firstRequests(base);
    return { start: afterStart, requests: await idleRss(app) };
  } finally {
    await stop(app);
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  console.log('bench: node setup/build.mjs --if-stale');
  execFileSync(process.execPath, [path.join(ROOT, 'setup', 'build.mjs'), '--if-stale'], { stdio: 'inherit' });
  workDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'artisan-nd-bench-memory-'));
  const port = await freePort();
  const base = `http://${HOST}:${port}`;
  const env = benchAppEnv(workDir, port, { LICENSE_VALIDATIONS_PER_HOUR: '1000000', LICENSE_TRIALS_PER_HOUR: '1000' });
  const built = () => startBuilt('app (built)', 'dist/server.js', env, START_FLAGS);
  console.log(`bench: first start of the built server (migrations, seed), flags: ${START_FLAGS.join(' ') || '(none)'}`);
  const first = built();
  try {
    await waitReady(first, `${base}/healthz`);
  } finally {
    await stop(first);
  }
  const dist = await measure('built server (node dist/server.js)', built, base);
  const tsx = await measure('under tsx (node --import tsx src/server.ts)', () => startNode('app (tsx)', 'src/server.ts', env, START_FLAGS), base);

  const pass = { idleAfterStart: dist.start.settled < GOALS.idleAfterStartMb, afterRequests: dist.requests.settled < GOALS.afterRequestsMb };
  const mb = (n: number) => `${fmt(n, 1)} MB`;
  console.log();
  printTable([
    { measure: 'built server: RSS after start (settled)', value: mb(dist.start.settled), goal: `< ${GOALS.idleAfterStartMb} MB`,
      verdict: verdict(pass.idleAfterStart), cpu: '' },
    { measure: `built server: RSS after ${REQUESTS} requests (settled)`, value: mb(dist.requests.settled), goal: `< ${GOALS.afterRequestsMb} MB`,
      verdict: verdict(pass.afterRequests), cpu: '' },
    { measure: 'built server: the same, 1 s after', value: `${mb(dist.start.early)}, ${mb(dist.requests.early)}`, goal: '', verdict: '', cpu: '' },
    { measure: 'under tsx: RSS after start (settled)', value: mb(tsx.start.settled), goal: '(reference)', verdict: '', cpu: '' },
    { measure: `under tsx: RSS after ${REQUESTS} requests (settled)`, value: mb(tsx.requests.settled), goal: '(reference)', verdict: '', cpu: '' },
  ]);
  const results = {
    date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, flags: START_FLAGS, requests: REQUESTS,
    rssMb: { built: dist, tsx }, goals: GOALS, pass, benchSeconds: (Date.now() - started) / 1000,
  };
  const out = path.join(workDir, 'bench-memory-results.json');
  fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nbench memory: ${fmt(results.benchSeconds)} s in all; results written to ${out}`);
  console.log(JSON.stringify(results));
}

await runBench('bench memory', main, () => null);
