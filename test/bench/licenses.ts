/**
 * License server bench (second half of `npm run bench`, issue 6): one run,
 * about two minutes, prints a table and writes the figures as JSON.
 *
 * Goal: with 1,000,000 licenses in the database, `POST
 * /api/v1/licenses/validate` with random existing keys at 50 connections
 * serves at least 35% of the req/s of a bare Express 5 hello route
 * (test/bench/hello-express.ts) measured in the same run, with a p99 latency
 * under 50 ms and a flat RSS (growth under 30 MB during the load).
 *
 * Steps:
 * 1. The app is started once as `npm start` starts it (node + the start
 *    script's V8 flags + the built `dist/server.js`, NODE_ENV=production,
 *    LOG_LEVEL=warn) with DB_DIR, LOGS_DIR, FILES_DIR and SUBSCRIPTION_DIR
 *    in a mkdtemp directory (the repository is not touched): it migrates
 *    the SQLite database and creates the issuer key
 *    (SUBSCRIPTION_DIR/keys/<kid>.key, the Ed25519 seed in hex). Then it is
 *    stopped.
 * 2. 1,000,000 `licenses` rows are inserted directly (knex over sqlite3,
 *    1,000-row INSERTs, 50,000 rows per transaction, the table's indexes
 *    dropped before and recreated after from the SQL SQLite recorded for
 *    them; the time is printed):
 *    70% easyfacture / 30% artisan_nd; 35% trial, 25% monthly, 30% annual,
 *    10% lifetime; 95% active, 2% suspended, 3% revoked; about 5% of the
 *    trials and monthly licenses expired. Each row has its own random
 *    machine and a unique e-mail (the one-trial-per-machine/e-mail indexes
 *    hold). Timestamps are whole seconds, so the database's dates and the
 *    token's (RFC 3339 without fraction) are the same instant. The file is
 *    then fsync'ed, so the kernel's write-back does not run during the
 *    measurements.
 * 3. SAMPLE_SIZE rows, picked at random among the 1,000,000 and made active
 *    and unexpired, get a license token signed with the issuer key, exactly
 *    as the API signs them (src/crypto encodeLicensePayload + signLicenseToken:
 *    product code, license_id = public_id, machine_id, license_type, email,
 *    issued_at, expires_at). Each becomes a request body
 *    `{machine_id, license_key}`.
 * 4. The database file is read once (so the OS page cache holds it, as on a
 *    server that has been running), then the app is restarted on it, LICENSE_VALIDATIONS_PER_HOUR
 *    raised so that the per-IP limiter never answers 429. A few bodies are
 *    sent one by one first: each must answer 200 with `valid: true`, a
 *    signed response (X-Signature) and no fresh `license_key` (the token
 *    matches the row). Then the app gets a 15 s warm-up at 50 connections
 *    (discarded: V8 sizes its heap and runs its first full collection, as in a
 *    server that has been serving for a while; RSS then stays level), its
 *    RSS is read ("before"), and RSS is sampled every 100 ms until the end.
 * 5. autocannon, 50 connections, each request's body drawn at random from
 *    the sample (`setupRequest`): 2 s warm-up of each side, then Express
 *    hello (`GET /`), app, app, hello, 5 s each (10 s per side). req/s =
 *    2xx responses / seconds; any non-2xx or connection error aborts the
 *    bench. p99 = the 99th percentile of the response times autocannon
 *    measured for the app's measured requests (both halves together; the
 *    p99 autocannon reports for each half is kept in the JSON). After the
 *    load, RSS is read again 1 s later ("after") and a few bodies are
 *    checked again (still `valid: true`).
 *
 * As in run.ts, the server's CPU time per request (/proc/<pid>/stat) is
 * shown beside the req/s, and the CPU used by other processes during the
 * measurements is printed; beyond 10% of one CPU the figures are flagged as
 * noisy. MB means MiB. The results go to <tmp>/bench-licenses-results.json
 * (and as one JSON line on stdout); the database (several hundred MB) is
 * deleted at the end unless BENCH_KEEP_DB=1 (which also writes the insert
 * figures and the request bodies to <tmp>/validate-bodies.json);
 * BENCH_REUSE_DIR=<tmp> then skips steps 1–3 and measures that database again. BENCH_CPU_PROF=<dir> starts the
 * measured app with `--cpu-prof --cpu-prof-dir=<dir>` (open the .cpuprofile
 * in Chrome DevTools); the profiler's cost lowers the figures of that run.
 *
 * Exit code 0 when every figure was measured, goals met or not; 1 when
 * something crashed. Every child process is killed at the end, on error and
 * on Ctrl-C.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { encodeLicensePayload, rfc3339, signingKey, signLicenseToken, type LicenseType, type SigningKey } from '../../src/crypto/index.js';
import {
  assertAlive, benchAppEnv, compare, fmt, freePort, HOST, load, printTable, rssMb, sampleRss, sleep, startApp, stop, verdict, waitReady, withHelper,
  reportOtherCpu, runBench, type LoadResult, type Target,
} from './harness.js';

const LICENSES = 1_000_000;
const SAMPLE_SIZE = 20_000;
const ROWS_PER_INSERT = 1_000;
const ROWS_PER_TRANSACTION = 50_000;
const CONNECTIONS = 50;
/** Measured seconds per side (two halves, hello, app, app, hello). */
const SECONDS = 10;
const WARMUP_SECONDS = 2;
/**
 * The app's first warm-up, seconds: long enough for V8 to size its heap and
 * run its first full (mark-compact) collection under this load, about 11 s
 * here; before that RSS climbs ~50 MB whatever the code does, and a
 * "growth" read then measures the start-up, not a trend.
 */
const APP_WARMUP_SECONDS = 15;
/** Bodies checked one by one before and after the load. */
const CHECKS = 20;
const VALIDATE_PATH = '/api/v1/licenses/validate';
const DAY_MS = 86_400_000;

const GOALS = {
  validateVsExpress: 0.35,
  p99Ms: 50,
  rssGrowthMb: 30,
};

/** Removed at the end (unless BENCH_KEEP_DB=1), also on Ctrl-C. */
let dbDirToRemove: string | null = null;

// ---------------------------------------------------------------- data

interface SampleLicense {
  machineId: string;
  token: string;
}

interface Generated {
  /** Seconds in all, index builds included. */
  seconds: number;
  /** Seconds spent building the `indexes` indexes of licenses after the rows were in. */
  indexSeconds: number;
  indexes: number;
  sample: SampleLicense[];
  counts: Record<string, number>;
}

/** Whole seconds, so that the row's ISO string and the token's RFC 3339 date are the same instant. */
const wholeSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);

/**
 * Insert LICENSES rows into `licenses` (see the file's docstring for the
 * mix) and sign tokens for SAMPLE_SIZE of them with `issuer`.
 */
async function insertLicenses(db: Knex, productIds: Record<string, number>, issuer: SigningKey): Promise<Generated> {
  const started = performance.now();
  // Filling a table whose indexes exist means random B-tree inserts; building
  // the indexes afterwards (a sort each) is several times faster. They are
  // recreated from the exact SQL SQLite recorded for them (the migration's).
  const indexes = (await db('sqlite_master').where({ type: 'index', tbl_name: 'licenses' })
    .whereNotNull('sql')
    .select('name', 'sql')) as { name: string; sql: string }[];
  for (const index of indexes) await db.raw(`drop index "${index.name}"`);
  const now = Date.now();
  const sampled = new Set<number>();
  while (sampled.size < SAMPLE_SIZE) sampled.add(crypto.randomInt(LICENSES));
  const sample: SampleLicense[] = [];
  const counts: Record<string, number> = {};
  const count = (key: string) => {
    counts[key] = (counts[key] ?? 0) + 1;
  };
  const columns = [
    'public_id', 'product_id', 'machine_id', 'email', 'license_type', 'state', 'state_reason', 'state_changed_at', 'issued_at',
    'expires_at', 'app_version', 'os_info', 'ip', 'created_at', 'updated_at',
  ];
  const rowSql = `(${columns.map(() => '?').join(',')})`;
  const insertSql = (rows: number) => `insert into licenses (${columns.join(',')}) values ${Array.from({ length: rows }, () => rowSql).join(',')}`;
  const fullInsert = insertSql(ROWS_PER_INSERT);
  // The distribution of products, types and states needs no cryptographic randomness.
  const random = Math.random;

  for (let first = 0; first < LICENSES; first += ROWS_PER_TRANSACTION) {
    const last = Math.min(LICENSES, first + ROWS_PER_TRANSACTION);
    await db.transaction(async (trx) => {
      for (let chunk = first; chunk < last; chunk += ROWS_PER_INSERT) {
        const n = Math.min(ROWS_PER_INSERT, last - chunk);
        const machines = crypto.randomBytes(16 * n).toString('hex');
        const bindings: unknown[] = [];
        for (let k = 0; k < n; k++) {
          const i = chunk + k;
          const inSample = sampled.has(i);
          const product = random() < 0.7 ? 'easyfacture' : 'artisan_nd';
          const r = random();
          const type: LicenseType = r < 0.35 ? 'trial' : r < 0.6 ? 'monthly' : r < 0.9 ? 'annual' : 'lifetime';
          const s = random();
          const state = inSample || s < 0.95 ? 'active' : s < 0.97 ? 'suspended' : 'revoked';
          const expired = !inSample && (type === 'trial' || type === 'monthly') && random() < 0.05;
          const lengthDays = type === 'trial' ? 30 : type === 'monthly' ? 30 : type === 'annual' ? 365 : 0;
          // Issued so that the license is still running, or (expired) ended 1 to 90 days ago.
          const ageDays = expired ? lengthDays + 1 + random() * 89 : type === 'lifetime' ? random() * 1000 : random() * (lengthDays - 1);
          const issued = wholeSeconds(now - ageDays * DAY_MS);
          const expires = type === 'lifetime' ? null : new Date(issued.getTime() + lengthDays * DAY_MS);
          const machineId = machines.slice(32 * k, 32 * k + 32);
          const publicId = crypto.randomUUID();
          const email = `customer${i}@example.com`;
          const changed = state === 'active' ? null : wholeSeconds(now - random() * 10 * DAY_MS).toISOString();
          bindings.push(
            publicId, productIds[product], machineId, email, type, state,
            state === 'active' ? null : state === 'revoked' ? 'bench: refunded' : 'bench: payment pending', changed,
            issued.toISOString(), expires?.toISOString() ?? null,
            '1.4.2', 'Windows 11 Pro 23H2', `203.0.113.${i % 254 + 1}`, issued.toISOString(), changed ?? issued.toISOString(),
          );
          count(`product:${product}`);
          count(`type:${type}`);
          count(`state:${state}`);
          if (expired) count('expired');
          if (inSample) {
            const payload = encodeLicensePayload({
              product, license_id: publicId, machine_id: machineId, license_type: type, email,
              issued_at: rfc3339(issued), expires_at: expires ? rfc3339(expires) : null,
            });
            sample.push({ machineId, token: signLicenseToken(payload, issuer) });
          }
        }
        await trx.raw(n === ROWS_PER_INSERT ? fullInsert : insertSql(n), bindings as Knex.RawBinding[]);
      }
    });
    if ((last / ROWS_PER_TRANSACTION) % 4 === 0 || last === LICENSES) {
      console.log(`bench licenses: ${fmt(last)} rows inserted (${fmt((performance.now() - started) / 1000, 1)} s)`);
    }
  }
  const inserted = performance.now();
  for (const index of indexes) await db.raw(index.sql);
  const indexSeconds = (performance.now() - inserted) / 1000;
  // Shuffle, so that consecutive requests do not follow the insertion order.
  for (let i = sample.length - 1; i > 0; i--) {
    const j = crypto.randomInt(i + 1);
    [sample[i], sample[j]] = [sample[j]!, sample[i]!];
  }
  return { seconds: (performance.now() - started) / 1000, indexSeconds, indexes: indexes.length, sample, counts };
}

/** Open the bench's own connection to the app's SQLite file (fast bulk settings: the data is disposable). */
function openSqlite(file: string): Knex {
  return knexFactory({
    client: 'sqlite3',
    connection: { filename: file },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      afterCreate: (conn: { exec(sql: string, cb: (err: Error | null) => void): void }, done: (err: Error | null, conn: unknown) => void) => {
        conn.exec('PRAGMA synchronous = OFF; PRAGMA cache_size = -131072; PRAGMA temp_store = MEMORY; PRAGMA foreign_keys = OFF', (err) => done(err, conn));
      },
    },
  });
}

/** Size in MB of the SQLite file and its WAL. */
function dbSizeMb(file: string): number {
  let bytes = 0;
  for (const f of [file, `${file}-wal`]) {
    try {
      bytes += fs.statSync(f).size;
    } catch {
      // no WAL
    }
  }
  return bytes / 1024 / 1024;
}

// ---------------------------------------------------------------- checks

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function post(url: string, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`POST ${url}: no answer in 10 s`)));
    req.end(body);
  });
}

/**
 * POST CHECKS bodies of the sample one by one: each must answer 200,
 * `{success: true, valid: true}`, with an X-Signature header and without a
 * fresh `license_key` (which would mean the token does not match the row).
 * Returns one answer, for the log.
 */
async function checkAnswers(url: string, bodies: string[], when: string): Promise<Answer> {
  let example: Answer | null = null;
  for (let i = 0; i < CHECKS; i++) {
    const body = bodies[crypto.randomInt(bodies.length)]!;
    const answer = await post(url, body);
    let parsed: { success?: unknown; valid?: unknown; license_key?: unknown } = {};
    try {
      parsed = JSON.parse(answer.body) as typeof parsed;
    } catch {
      // reported below
    }
    const problem = answer.status !== 200 ? `HTTP ${answer.status}`
      : parsed.success !== true || parsed.valid !== true ? 'not success:true, valid:true'
        : parsed.license_key !== undefined ? 'a fresh license_key (the token does not match the row: bench and API sign differently)'
          : !answer.headers['x-signature'] ? 'no X-Signature header'
            : null;
    if (problem) throw new Error(`validate ${when}: ${problem}\n  request: ${body}\n  answer: ${answer.status} ${answer.body.slice(0, 500)}`);
    example ??= answer;
  }
  return example!;
}

function percentile(values: Float64Array, p: number): number {
  if (values.length === 0) return NaN;
  const sorted = values.slice().sort();
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

// ---------------------------------------------------------------- main

/** What the bench needs of a filled database: the insert figures and the validate request bodies. */
interface Filled {
  generated: Omit<Generated, 'sample'>;
  bodies: string[];
  dbMb: number;
}

/**
 * Steps 1–3: first start of the app in `tmp` (migrations, issuer key), then
 * the licenses and the signed sample. With BENCH_KEEP_DB=1 the figures and
 * bodies are kept in `tmp` for BENCH_REUSE_DIR.
 */
async function fillDatabase(tmp: string, dbFile: string, keysDir: string, appEnv: Record<string, string>, base: string): Promise<Filled> {
  console.log('bench licenses: first start of the app (migrations, issuer key)');
  const first = startApp('app (first start)', appEnv);
  try {
    await waitReady(first, `${base}/`);
  } finally {
    await stop(first);
  }
  const keyFiles = fs.readdirSync(keysDir).filter((f) => f.endsWith('.key'));
  if (keyFiles.length !== 1) throw new Error(`expected one issuer key in ${keysDir}, found ${keyFiles.length}`);
  const issuer = signingKey(Buffer.from(fs.readFileSync(path.join(keysDir, keyFiles[0]!), 'utf8').trim(), 'hex'));

  console.log(`bench licenses: inserting ${fmt(LICENSES)} licenses, signing ${fmt(SAMPLE_SIZE)} tokens`);
  const db = openSqlite(dbFile);
  let generated: Generated;
  try {
    const products = (await db('products').select('id', 'code')) as { id: number; code: string }[];
    const productIds = Object.fromEntries(products.map((p) => [p.code, Number(p.id)]));
    if (!productIds.easyfacture || !productIds.artisan_nd) {
      throw new Error(`products easyfacture and artisan_nd expected, found ${products.map((p) => p.code).join(', ')}`);
    }
    generated = await insertLicenses(db, productIds, issuer);
    await db.raw('PRAGMA wal_checkpoint(TRUNCATE)');
    const [{ n }] = (await db('licenses').count({ n: '*' })) as [{ n: number }];
    if (Number(n) !== LICENSES) throw new Error(`licenses: ${n} rows, expected ${LICENSES}`);
  } finally {
    await db.destroy();
  }
  // The insert leaves ~470 MB of dirty pages that the kernel writes back on
  // its own schedule, which competed with the first measurements (a quarter
  // of a CPU in kernel threads): write them now.
  const syncStart = Date.now();
  for (const f of [dbFile, `${dbFile}-wal`]) {
    if (!fs.existsSync(f)) continue;
    const fd = fs.openSync(f, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
  console.log(`bench licenses: database written to disk (fsync, ${fmt((Date.now() - syncStart) / 1000, 1)} s)`);
  const dbMb = dbSizeMb(dbFile);
  const indexes = `${generated.indexes} indexes rebuilt in ${fmt(generated.indexSeconds, 1)} s`;
  console.log(`bench licenses: ${fmt(LICENSES)} rows in ${fmt(generated.seconds, 1)} s (of which ${indexes}); database ${fmt(dbMb)} MB`);
  const bodies = generated.sample.map((s) => JSON.stringify({ machine_id: s.machineId, license_key: s.token }));
  const { sample: _sample, ...figures } = generated;
  if (process.env.BENCH_KEEP_DB === '1') {
    await fs.promises.writeFile(path.join(tmp, 'validate-bodies.json'), `${JSON.stringify({ generated: figures, bodies })}\n`);
  }
  return { generated: figures, bodies, dbMb };
}

/** BENCH_REUSE_DIR: the database and bodies a BENCH_KEEP_DB=1 run left in `tmp` (steps 1–3 skipped). */
async function reuseDatabase(tmp: string, dbFile: string): Promise<Filled> {
  const kept = JSON.parse(await fs.promises.readFile(path.join(tmp, 'validate-bodies.json'), 'utf8')) as Omit<Filled, 'dbMb'>;
  console.log(`bench licenses: reusing the database of ${tmp} (${fmt(kept.bodies.length)} request bodies)`);
  return { ...kept, dbMb: dbSizeMb(dbFile) };
}

async function main(): Promise<void> {
  const started = Date.now();
  const reuse = process.env.BENCH_REUSE_DIR;
  const tmp = reuse ? path.resolve(reuse) : await fs.promises.mkdtemp(path.join(os.tmpdir(), 'artisan-nd-bench-licenses-'));
  const dbDir = path.join(tmp, 'db');
  const dbFile = path.join(dbDir, 'artisan_nd.sqlite');
  const keysDir = path.join(tmp, 'subscription', 'keys');
  dbDirToRemove = process.env.BENCH_KEEP_DB === '1' || reuse ? null : dbDir;
  console.log(`bench licenses: work directory ${tmp}; ${os.cpus().length} CPUs`);
  try {
    const port = await freePort();
    const base = `http://${HOST}:${port}`;
    const appEnv = benchAppEnv(tmp, port, { ISSUER_KEY_FILE: '', LICENSE_VALIDATIONS_PER_HOUR: '1000000' });

    const { generated, bodies, dbMb } = reuse ? await reuseDatabase(tmp, dbFile) : await fillDatabase(tmp, dbFile, keysDir, appEnv, base);

    // A server that has run for a while has its database in the OS page cache;
    // one that just started may not (this machine's cache drops it between
    // runs): read the file once, or the first lookups measure the disk.
    const warmStart = Date.now();
    for await (const _chunk of fs.createReadStream(dbFile, { highWaterMark: 1 << 20 })) { /* read only */ }
    console.log(`bench licenses: database file read once into the OS page cache (${fmt((Date.now() - warmStart) / 1000, 1)} s)`);

    console.log('bench licenses: restart of the app on the filled database');
    const profileDir = process.env.BENCH_CPU_PROF;
    const app = startApp('app', appEnv, profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] : []);
    if (profileDir) console.log(`bench licenses: the app writes a CPU profile to ${path.resolve(profileDir)} when it stops (BENCH_CPU_PROF)`);
    let measured;
    try {
      await waitReady(app, `${base}/`);
      const pid = app.proc.pid!;
      const validateUrl = `${base}${VALIDATE_PATH}`;
      const example = await checkAnswers(validateUrl, bodies, 'before the load');
      console.log(`bench licenses: ${CHECKS} validations answered valid:true, e.g. ${example.body}`);
      const idleRss = rssMb(pid);

      const latencies: number[] = [];
      const autocannonP99: number[] = [];
      const target: Target = {
        child: app,
        url: validateUrl,
        requests: [{
          method: 'POST',
          path: VALIDATE_PATH,
          headers: { 'content-type': 'application/json' },
          setupRequest: (req) => ({ ...req, body: bodies[Math.floor(Math.random() * bodies.length)] }),
        }],
        observe: {
          response: (_status, ms) => latencies.push(ms),
          result: (r) => autocannonP99.push(r.latency.p99),
        },
      };
      console.log(`bench licenses: app warm-up, ${CONNECTIONS} connections, ${APP_WARMUP_SECONDS} s`);
      await load(target, CONNECTIONS, APP_WARMUP_SECONDS, 10, true);
      await sleep(500);
      const rssBefore = rssMb(pid);
      const sampler = sampleRss(pid);
      let rssMax: number;
      let runs;
      try {
        console.log(`bench licenses: Express hello and app ${VALIDATE_PATH}, ${CONNECTIONS} connections, ${SECONDS} s each (alternating)`);
        runs = await withHelper('hello-express', 'hello-express.ts', {}, (child, url) => compare({ child, url: `${url}/` }, target, {
          connections: CONNECTIONS,
          seconds: SECONDS,
          warmupSeconds: WARMUP_SECONDS,
          timeoutSeconds: 10,
        }));
      } finally {
        rssMax = sampler.stop();
      }
      await sleep(1000);
      assertAlive(app);
      const rssAfter = rssMb(pid);
      await checkAnswers(validateUrl, bodies, 'after the load');
      measured = { hello: runs.reference, validate: runs.app, latencies: Float64Array.from(latencies), autocannonP99, idleRss, rssBefore, rssMax, rssAfter };
    } finally {
      await stop(app);
    }

    const { hello, validate, latencies, autocannonP99, idleRss, rssBefore, rssMax, rssAfter } = measured;
    const ratio = validate.reqPerSec / hello.reqPerSec;
    const p99 = percentile(latencies, 99);
    const p50 = percentile(latencies, 50);
    const rssGrowth = rssMax - rssBefore;
    const pass = {
      validateVsExpress: ratio >= GOALS.validateVsExpress,
      p99: p99 < GOALS.p99Ms,
      rssGrowth: rssGrowth < GOALS.rssGrowthMb,
    };
    const usPerReq = (r: LoadResult) => (r.serverCpuSeconds * 1e6) / r.ok2xx;
    const cpuRatio = usPerReq(hello) / usPerReq(validate);
    const perReq = (r: LoadResult) => `${fmt(usPerReq(r))} µs/req`;

    console.log('');
    printTable([
      { measure: `licenses in the database`, value: fmt(LICENSES), goal: '', verdict: '', cpu: '' },
      { measure: 'bulk insert (1,000-row INSERTs, indexes)', value: `${fmt(generated.seconds, 1)} s`, goal: '', verdict: '', cpu: '' },
      { measure: 'database size (SQLite)', value: `${fmt(dbMb)} MB`, goal: '', verdict: '', cpu: '' },
      { measure: `Express 5 hello route, ${CONNECTIONS} conns`, value: `${fmt(hello.reqPerSec)} req/s`, goal: '(reference)', verdict: '', cpu: perReq(hello) },
      { measure: `app validate, ${CONNECTIONS} conns`, value: `${fmt(validate.reqPerSec)} req/s`, goal: '', verdict: '', cpu: perReq(validate) },
      {
        measure: 'app validate ÷ Express hello', value: fmt(ratio, 2), goal: `>= ${fmt(GOALS.validateVsExpress, 2)}`,
        verdict: verdict(pass.validateVsExpress), cpu: `${fmt(cpuRatio, 2)} by CPU`,
      },
      { measure: 'app validate latency p99', value: `${fmt(p99, 1)} ms`, goal: `< ${GOALS.p99Ms} ms`, verdict: verdict(pass.p99), cpu: '' },
      { measure: 'app validate latency p50', value: `${fmt(p50, 1)} ms`, goal: '(reference)', verdict: '', cpu: '' },
      {
        measure: 'app RSS growth during the load', value: `${fmt(rssGrowth, 1)} MB`, goal: `< ${GOALS.rssGrowthMb} MB`,
        verdict: verdict(pass.rssGrowth), cpu: '',
      },
    ]);
    console.log(
      `\nApp RSS: ${fmt(idleRss, 1)} MB after start, ${fmt(rssBefore, 1)} MB after a ${APP_WARMUP_SECONDS} s warm-up (before), ` +
        `${fmt(rssMax, 1)} MB max during, ${fmt(rssAfter, 1)} MB after (1 s later): ${pass.rssGrowth ? 'flat' : 'NOT flat'} ` +
        `(growth ${fmt(rssGrowth, 1)} MB, goal < ${GOALS.rssGrowthMb} MB). ` +
        `autocannon's p99 per half: ${autocannonP99.map((v) => `${fmt(v)} ms`).join(', ')}; ${fmt(validate.ok2xx)} validations measured.`,
    );
    const all = [hello, validate];
    const otherCpu = reportOtherCpu(all, 'req/s');

    const results = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      otherProcessesCpu: otherCpu,
      settings: {
        licenses: LICENSES, sample: SAMPLE_SIZE, connections: CONNECTIONS, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS,
        appWarmupSeconds: APP_WARMUP_SECONDS, path: VALIDATE_PATH,
      },
      data: { insertSeconds: generated.seconds, indexSeconds: generated.indexSeconds, dbMb, counts: generated.counts },
      helloExpress: hello,
      validate,
      latencyMs: { p50, p99, autocannonP99PerHalf: autocannonP99, samples: latencies.length },
      ratios: { validateVsExpress: ratio },
      cpuRatios: { validateVsExpress: cpuRatio },
      rssMb: { afterStart: idleRss, before: rssBefore, maxDuring: rssMax, after: rssAfter, growth: rssGrowth },
      goals: GOALS,
      pass,
      benchSeconds: (Date.now() - started) / 1000,
    };
    const out = path.join(tmp, 'bench-licenses-results.json');
    await fs.promises.writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nbench licenses: ${fmt(results.benchSeconds, 0)} s in all; results written to ${out}`);
    console.log(JSON.stringify(results));
  } finally {
    if (dbDirToRemove) await fs.promises.rm(dbDirToRemove, { recursive: true, force: true });
  }
}

await runBench('bench licenses', main, () => dbDirToRemove);
