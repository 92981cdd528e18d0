/**
 * Billing bench (third part of `npm run bench`): one run, prints a table and
 * writes the figures as JSON. SQLite, files in a mkdtemp directory (the
 * repository is not touched). Goals:
 *
 * (a) invoices finalised with their PDF: at least 50 per second on one core.
 *     test/bench/billing-finalise.ts, started under `taskset -c 0` (one
 *     core) when taskset exists, on its own fresh migrated database: 400
 *     invoices issued one after the other as a checkout or a renewal issues
 *     them (draft + finalisation, PDF, chain, audit, one transaction each,
 *     committed with the app's synchronous=FULL). Baseline measured in the
 *     same process: the same PDF rendered alone. Rates per wall second (the
 *     goal) and per CPU second (less sensitive to other load).
 * (b) `npm run billing:run` over 10,000 subscriptions with due steps: under
 *     60 s. The CLI is run as a cron would (node + the start script's flags,
 *     `--date D`, D = today in Europe/Paris) on a database of
 *     test/bench/billing-seed.ts, twice: an ordinary day (10,000 live
 *     subscriptions, one in ten with a step due) and the stress day where
 *     every one has a step due (4,000 renewal invoices with their PDF, 500
 *     credit notes, reminders, period renewals, dunning, suspensions,
 *     cancellations: 11,500 steps, 9,000 mails written to files as without
 *     SMTP). The report's step counts are checked against the seeded mix.
 * (c) GET /admin/billing answered in under 500 ms over 100,000 invoices:
 *     the app started as `npm start` starts it on the stress day's database
 *     (before the run of (b)), a superadmin logged in through the login form; 3 warm-up
 *     requests, then 20 of /admin/billing alternating with 20 of /admin (the
 *     staff dashboard: the baseline, a page of a few grouped counts), one at
 *     a time. Figures: median and worst, and the ratio of the medians.
 *
 * The results go to <tmp>/bench-billing-results.json (and as one JSON line on
 * stdout); the databases are deleted at the end unless BENCH_KEEP_DB=1
 * (which also keeps the seeded database as <tmp>/seeded.sqlite);
 * BENCH_REUSE_DIR=<tmp> then measures again from that copy without seeding. Exit code 0 when every figure
 * was measured, goals met or not; 1 when something crashed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { hashPassword } from '../../src/accounts/index.js';
import { dayIn } from '../../src/billing/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createDb, migrate } from '../../src/platform/db.js';
import { seedBilling, type Seeded } from './billing-seed.js';
import {
  benchAppEnv, cpuSeconds, fmt, freePort, HOST, printTable, ROOT, runBench, startApp, START_FLAGS, stop, verdict, waitReady,
} from './harness.js';

const GOALS = { finalisePerSecond: 50, runSeconds: 60, dashboardMs: 500 };
const REQUESTS = 20;
const PASSWORD = 'bench-Password-2026!';
const SELLER_ENV = {
  BILLING_SELLER_NAME: 'Artisan ND SAS', BILLING_SELLER_ADDRESS: '12 rue des Imprimeurs, 69001 Lyon', BILLING_SELLER_SIRET: '12345678900012',
  BILLING_SELLER_VAT_NUMBER: 'FR12123456789', BILLING_SELLER_RCS: 'RCS Lyon 123 456 789', BILLING_SELLER_CAPITAL: 'SAS au capital de 10 000 €',
};

let workDir: string | null = null;

interface Rate { perSecond: number; perCpuSecond: number; seconds: number }
interface FinaliseResult { count: number; finalise: Rate; pdf: Rate; pdfBytes: number; last: string; pinned: boolean }

/** Run a node script to its end; resolves with its output, wall seconds and CPU seconds (sampled from /proc every 100 ms). */
function runNode(args: string[], env: Record<string, string>, pin = false): Promise<{ out: string; code: number; seconds: number; cpu: number }> {
  const started = performance.now();
  const command = pin ? 'taskset' : process.execPath;
  const child = spawn(command, pin ? ['-c', '0', process.execPath, ...args] : args, { cwd: ROOT, env: { ...process.env, ...env } });
  let out = '';
  let cpu = 0;
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
  const timer = setInterval(() => { try { cpu = cpuSeconds(child.pid!); } catch { /* gone */ } }, 100);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ out, code: code ?? 1, seconds: (performance.now() - started) / 1000, cpu });
    });
  });
}

/** (a): the finalise script, on one core when taskset exists. */
async function finaliseBench(tmp: string): Promise<FinaliseResult> {
  const dir = path.join(tmp, 'finalise');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const pinned = fs.existsSync('/usr/bin/taskset') && os.cpus().length > 1;
  console.log(`bench billing: (a) invoices finalised with their PDF${pinned ? ', pinned to CPU 0 (taskset)' : ''}`);
  const r = await runNode(['--import', 'tsx', path.join('test', 'bench', 'billing-finalise.ts')],
    { BENCH_DIR: dir, BENCH_ENV: JSON.stringify(SELLER_ENV) }, pinned);
  const line = r.out.trim().split('\n').at(-1) ?? '';
  if (r.code !== 0 || !line.startsWith('{')) throw new Error(`billing-finalise failed (${r.code}):\n${r.out}`);
  return { ...(JSON.parse(line) as Omit<FinaliseResult, 'pinned'>), pinned };
}

// ---------------------------------------------------------------- HTTP with a cookie jar

interface Answer { status: number; body: string; headers: http.IncomingHttpHeaders; ms: number }

function send(base: string, method: string, url: string, cookies: Map<string, string>, body?: string): Promise<Answer> {
  const started = performance.now();
  const headers: Record<string, string> = { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
  if (body !== undefined) Object.assign(headers, { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) });
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${url}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        for (const c of res.headers['set-cookie'] ?? []) {
          const [pair] = c.split(';');
          const eq = pair!.indexOf('=');
          cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
        }
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers, ms: performance.now() - started });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${url}: no answer in 30 s`)));
    req.end(body);
  });
}

async function login(base: string, email: string): Promise<Map<string, string>> {
  const cookies = new Map<string, string>();
  const form = await send(base, 'GET', '/subscription/login', cookies);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1];
  if (!csrf) throw new Error('no CSRF token on /subscription/login');
  const body = new URLSearchParams({ email, password: PASSWORD, _csrf: csrf }).toString();
  const res = await send(base, 'POST', '/subscription/login', cookies, body);
  if (res.status !== 303) throw new Error(`login: HTTP ${res.status}`);
  return cookies;
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

/** (c): the dashboard and the baseline, one request at a time, alternating. */
async function dashboardBench(base: string): Promise<{ billing: number[]; admin: number[]; bytes: number }> {
  const cookies = await login(base, 'admin@bench.example');
  const get = async (url: string): Promise<Answer> => {
    const r = await send(base, 'GET', url, cookies);
    if (r.status !== 200) throw new Error(`GET ${url}: HTTP ${r.status}`);
    return r;
  };
  const first = await get('/admin/billing');
  if (!first.body.includes('id="summary-table"') || !/id="mrr-EUR-\d{4}-\d{2}"/.test(first.body)) throw new Error('/admin/billing: no figures on the page');
  for (let i = 0; i < 2; i++) { await get('/admin/billing'); await get('/admin'); }
  const billing: number[] = [];
  const admin: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    billing.push((await get('/admin/billing')).ms);
    admin.push((await get('/admin')).ms);
  }
  return { billing, admin, bytes: first.body.length };
}

/** A scenario's database: its folder under the work directory and one subscription in `every` with a step due. */
interface Scenario { name: string; dir: string; every: number }
const STRESS: Scenario = { name: 'every subscription with a step due', dir: 'db', every: 1 };
const ORDINARY: Scenario = { name: 'an ordinary day, one in ten with a step due', dir: 'db-day', every: 10 };

async function seed(tmp: string, env: Record<string, string>, day: string, s: Scenario): Promise<Seeded & { dbMb: number }> {
  const config = loadConfig(env);
  const db = createDb(config.database);
  try {
    await migrate(db, config.database, path.join(ROOT, 'db', 'migrations'));
    const finaliseDb = createDb(loadConfig({ ...env, DB_DIR: path.join(tmp, 'finalise', 'db') }).database);
    const pdf = ((await finaliseDb('invoices').whereNotNull('pdf').orderBy('id', 'desc').first('pdf')) as { pdf: Buffer }).pdf;
    await finaliseDb.destroy();
    console.log(`bench billing: seeding ${fmt(10_000)} live subscriptions (${s.name}) and at least ${fmt(100_000)} invoices (bulk INSERTs)`);
    const seeded = await seedBilling(db, day, Buffer.from(pdf), await hashPassword(PASSWORD), s.every);
    await db.raw('PRAGMA wal_checkpoint(TRUNCATE)');
    const file = config.database.client === 'sqlite' ? config.database.filename : '';
    return { ...seeded, dbMb: file ? fs.statSync(file).size / 1024 / 1024 : 0 };
  } finally {
    await db.destroy();
  }
}

/**
 * A scenario's database: seeded now (a copy kept as <dir>.seeded.sqlite with BENCH_KEEP_DB=1), or with
 * BENCH_REUSE_DIR=<a kept work directory> that copy again (the run of (b) changes the database).
 */
async function seedOrReuse(tmp: string, env: Record<string, string>, day: string, s: Scenario): Promise<Seeded & { dbMb: number }> {
  const file = path.join(tmp, s.dir, 'artisan_nd.sqlite');
  const kept = path.join(tmp, `${s.dir}.seeded.sqlite`);
  const figures = path.join(tmp, `${s.dir}.seeded.json`);
  if (process.env.BENCH_REUSE_DIR) {
    for (const f of [`${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
    fs.copyFileSync(kept, file);
    const seeded = JSON.parse(fs.readFileSync(figures, 'utf8')) as Seeded & { dbMb: number; day: string };
    if (seeded.day !== day) throw new Error(`BENCH_REUSE_DIR: seeded for ${seeded.day}, today is ${day}`);
    console.log(`bench billing: reusing the database seeded in ${tmp}/${s.dir}`);
    return seeded;
  }
  const seeded = await seed(tmp, env, day, s);
  console.log(`bench billing: ${fmt(seeded.invoices)} invoices, ${fmt(seeded.subscriptions)} subscriptions, ${fmt(seeded.events)} events, ` +
    `${fmt(seeded.payments)} payments in ${fmt(seeded.seconds, 1)} s; database ${fmt(seeded.dbMb)} MB`);
  if (process.env.BENCH_KEEP_DB === '1') {
    fs.copyFileSync(file, kept);
    fs.writeFileSync(figures, JSON.stringify({ ...seeded, day }));
  }
  return seeded;
}

interface RunFigures { seconds: number; cpu: number; steps: Record<string, number>; expected: Record<string, number>; stepsOk: boolean; count: number }

/** (b): `npm run billing:run -- --date <day>` on a seeded database; its report's steps checked against the seeded mix. */
async function billingRun(env: Record<string, string>, day: string, seeded: Seeded, s: Scenario): Promise<RunFigures> {
  console.log(`bench billing: (b) npm run billing:run -- --date ${day}, ${s.name}`);
  const run = await runNode([...START_FLAGS, '--import', 'tsx', path.join('src', 'cli', 'billing-run.ts'), '--date', day], env);
  if (run.code !== 0) throw new Error(`billing:run failed (${run.code}):\n${run.out}`);
  const steps = JSON.parse(/steps (\{[^}]*\})/.exec(run.out)?.[1] ?? '{}') as Record<string, number>;
  const d = seeded.due;
  const expected: Record<string, number> = {
    renewal: d.renewal ?? 0, reminder: d.reminder ?? 0, renew: (d.renew ?? 0) + (d['renew+due'] ?? 0), due: d['renew+due'] ?? 0,
    dunning_3: d.dunning_3 ?? 0, dunning_7: d.dunning_7 ?? 0, suspend: d.suspend ?? 0, cancel: d.cancel ?? 0, expire: d.expire ?? 0,
  };
  const stepsOk = Object.entries(expected).every(([k, v]) => (steps[k] ?? 0) === v);
  console.log(`bench billing: ${run.out.trim().split('\n').at(-1)} (${fmt(run.seconds, 1)} s)`);
  if (!stepsOk) console.log(`bench billing: WARNING steps differ from the seeded mix, expected ${JSON.stringify(expected)}`);
  return { seconds: run.seconds, cpu: run.cpu, steps, expected, stepsOk, count: Object.values(steps).reduce((a, b) => a + b, 0) };
}

async function main(): Promise<void> {
  const started = Date.now();
  const reuse = process.env.BENCH_REUSE_DIR;
  const tmp = reuse ? path.resolve(reuse) : await fs.promises.mkdtemp(path.join(os.tmpdir(), 'artisan-nd-bench-billing-'));
  workDir = process.env.BENCH_KEEP_DB === '1' || reuse ? null : tmp;
  const databases = [STRESS.dir, ORDINARY.dir, 'finalise'].map((d) => path.join(tmp, d));
  console.log(`bench billing: work directory ${tmp}; ${os.cpus().length} CPUs`);
  try {
    const finalise = await finaliseBench(tmp);
    console.log(`bench billing: (a) ${fmt(finalise.finalise.perSecond, 1)} invoices/s (${fmt(finalise.finalise.perCpuSecond, 1)} per CPU s), ` +
      `PDF alone ${fmt(finalise.pdf.perSecond, 1)}/s (${fmt(finalise.pdf.perCpuSecond, 1)} per CPU s), ${fmt(finalise.pdfBytes)} bytes a PDF`);
    const port = await freePort();
    const base = `http://${HOST}:${port}`;
    const appEnv = benchAppEnv(tmp, port, { ...SELLER_ENV, ISSUER_KEY_FILE: '' });
    const dayEnv = { ...appEnv, DB_DIR: path.join(tmp, ORDINARY.dir) };
    const day = dayIn(new Date(), 'Europe/Paris');
    const seeded = await seedOrReuse(tmp, appEnv, day, STRESS);

    console.log('bench billing: (c) GET /admin/billing, app started on the seeded database');
    const app = startApp('app', appEnv);
    let page;
    try {
      await waitReady(app, `${base}/`);
      page = await dashboardBench(base);
      console.log(`bench billing: (c) /admin/billing median ${fmt(median(page.billing), 1)} ms (worst ${fmt(Math.max(...page.billing), 1)} ms), ` +
        `/admin median ${fmt(median(page.admin), 1)} ms`);
    } finally {
      await stop(app);
    }
    const stress = await billingRun(appEnv, day, seeded, STRESS);
    const ordinary = await billingRun(dayEnv, day, await seedOrReuse(tmp, dayEnv, day, ORDINARY), ORDINARY);

    const pass = {
      finalise: finalise.finalise.perSecond >= GOALS.finalisePerSecond,
      run: ordinary.seconds < GOALS.runSeconds && ordinary.stepsOk,
      runStress: stress.seconds < GOALS.runSeconds && stress.stepsOk,
      dashboard: median(page.billing) < GOALS.dashboardMs,
    };
    console.log('');
    printTable([
      { measure: `(a) PDF rendered alone${finalise.pinned ? ', one core' : ''}`, value: `${fmt(finalise.pdf.perSecond, 1)} /s`, goal: '(reference)',
        verdict: '', cpu: `${fmt(finalise.pdf.perCpuSecond, 1)} /CPU s` },
      { measure: `(a) invoices finalised with their PDF${finalise.pinned ? ', one core' : ''}`, value: `${fmt(finalise.finalise.perSecond, 1)} /s`,
        goal: `>= ${GOALS.finalisePerSecond} /s`, verdict: verdict(pass.finalise), cpu: `${fmt(finalise.finalise.perCpuSecond, 1)} /CPU s` },
      { measure: '(a) finalised ÷ PDF alone', value: fmt(finalise.finalise.perSecond / finalise.pdf.perSecond, 2), goal: '', verdict: '',
        cpu: `${fmt(finalise.finalise.perCpuSecond / finalise.pdf.perCpuSecond, 2)} by CPU` },
      { measure: `(b) billing:run, ${fmt(10_000)} subscriptions, ordinary day, ${fmt(ordinary.count)} steps`, value: `${fmt(ordinary.seconds, 1)} s`,
        goal: `< ${GOALS.runSeconds} s`, verdict: verdict(pass.run), cpu: `${fmt(ordinary.cpu, 1)} CPU s` },
      { measure: `(b) billing:run, ${fmt(10_000)} subscriptions, all due, ${fmt(stress.count)} steps`, value: `${fmt(stress.seconds, 1)} s`,
        goal: `< ${GOALS.runSeconds} s`, verdict: verdict(pass.runStress), cpu: `${fmt(stress.cpu, 1)} CPU s` },
      { measure: '(b) all due: per step', value: `${fmt((stress.seconds * 1000) / Math.max(1, stress.count), 2)} ms`, goal: '', verdict: '',
        cpu: `${fmt((stress.cpu * 1000) / Math.max(1, stress.count), 2)} ms CPU` },
      { measure: '(c) GET /admin (staff dashboard), median', value: `${fmt(median(page.admin), 1)} ms`, goal: '(reference)', verdict: '',
        cpu: `worst ${fmt(Math.max(...page.admin), 1)} ms` },
      { measure: `(c) GET /admin/billing, ${fmt(seeded.invoices)} invoices, median`, value: `${fmt(median(page.billing), 1)} ms`,
        goal: `< ${GOALS.dashboardMs} ms`, verdict: verdict(pass.dashboard), cpu: `worst ${fmt(Math.max(...page.billing), 1)} ms` },
      { measure: '(c) /admin/billing ÷ /admin (medians)', value: fmt(median(page.billing) / median(page.admin), 1), goal: '', verdict: '', cpu: '' },
    ]);
    const results = {
      date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, loadAverage: os.loadavg(), goals: GOALS, pass, finalise,
      seeded, run: { ordinary, stress }, dashboard: page, benchSeconds: (Date.now() - started) / 1000,
    };
    const out = path.join(tmp, 'bench-billing-results.json');
    await fs.promises.writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nbench billing: ${fmt(results.benchSeconds)} s in all; load average at the end ${os.loadavg().map((l) => fmt(l, 2)).join(', ')}`);
    console.log(JSON.stringify({ ...results, dashboard: { billingMedian: median(page.billing), adminMedian: median(page.admin) } }));
  } finally {
    if (workDir) for (const dir of databases) await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

await runBench('bench billing', main, () => workDir && path.join(workDir, STRESS.dir));
