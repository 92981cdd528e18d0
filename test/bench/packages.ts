/**
 * Client packages bench (seventh part of `npm run bench`): the seed's "Génération rapide". One run, prints a table and
 * writes the figures as JSON. SQLite, files in a mkdtemp directory (the repository is not touched).
 *
 * A published release of artisan_nd of 100 MB (random bytes: incompressible, like a .deb) and PackagesService as the
 * server builds it (src/packages/build.ts): each run generates a package for a new client (a new API key, the zip
 * with the release streamed and hashed, `.env`, `API_KEY.txt`, README.md, SHA256SUMS, the row and its audit row).
 * The reference, measured in the same run, alternating with the generations: a plain copy of the same file
 * (fs.copyFile: what the disk allows) and reading it once through SHA-256 (what any check of the bytes costs).
 * Goal: every generation under 5 s.
 *
 * The results go to <tmp>/bench-packages-results.json (and as one JSON line on stdout). Exit code 0 when every
 * figure was measured, goal met or not; 1 when something crashed.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuditService, SYSTEM_ACTOR } from '../../src/audit/index.js';
import { loadConfig } from '../../src/config/index.js';
import { sha256File } from '../../db/seeds/demo-release.js';
import { DownloadsService } from '../../src/downloads/index.js';
import { ProductsService } from '../../src/licenses/index.js';
import { buildPackagesService } from '../../src/packages/index.js';
import { systemClock } from '../../src/platform/clock.js';
import { createDb, migrate } from '../../src/platform/db.js';
import { pino } from 'pino';
import { benchAppEnv, fmt, MB, printTable, ROOT, runBench, verdict, writeRandomFile } from './harness.js';

const RELEASE_BYTES = 100 * MB;
const RUNS = 5;
const GOAL_SECONDS = 5;
const FILENAME = 'artisan-nd_9.0.0_all.deb';

let workDir: string | null = null;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

async function main(): Promise<void> {
  const started = Date.now();
  const tmp = workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-packages-'));
  const env = benchAppEnv(tmp, 3000, { LOG_LEVEL: 'silent' });
  const config = loadConfig(env);
  const db = createDb(config.database);
  try {
    await migrate(db, config.database, path.join(ROOT, 'db', 'migrations'));
    await fs.promises.mkdir(config.paths.downloads, { recursive: true });
    const file = path.join(config.paths.downloads, FILENAME);
    console.log(`bench packages: writing a ${RELEASE_BYTES / MB} MB release in ${tmp}`);
    await writeRandomFile(file, RELEASE_BYTES);
    const at = new Date().toISOString();
    await db('releases').insert({ product: 'artisan_nd', version: '9.0.0', channel: 'stable', filename: FILENAME, size_bytes: RELEASE_BYTES,
      sha256: await sha256File(file), changelog: 'Version de mesure', published_at: at, is_latest: true, created_at: at, updated_at: at });
    const audit = new AuditService(db, systemClock);
    const logger = pino({ level: 'silent' });
    const packages = buildPackagesService({ db, clock: systemClock, audit, config, logger,
      products: new ProductsService({ db, clock: systemClock, audit }), downloads: new DownloadsService({ db, config, clock: systemClock, logger }) });
    const copy = path.join(tmp, 'copy.bin');
    const copies: number[] = [];
    const hashes: number[] = [];
    const generations: number[] = [];
    let zipBytes = 0;
    // A warm-up of each (page cache, JIT), then the runs alternating.
    await fs.promises.copyFile(file, copy);
    await packages.create({ client: 'warmup', plan: 'pro', email: 'bench@example.com', product: 'artisan_nd' }, SYSTEM_ACTOR);
    for (let i = 0; i < RUNS; i++) {
      copies.push(await timed(async () => { await fs.promises.rm(copy, { force: true }); await fs.promises.copyFile(file, copy); }));
      hashes.push(await timed(() => new Promise((resolve, reject) => {
        const h = crypto.createHash('sha256');
        fs.createReadStream(file, { highWaterMark: MB }).on('data', (c) => h.update(c)).on('error', reject).on('end', () => resolve(h.digest('hex')));
      })));
      generations.push(await timed(async () => {
        const { pkg } = await packages.create({ client: `client-${i}`, plan: 'pro', email: 'bench@example.com', product: 'artisan_nd' }, SYSTEM_ACTOR);
        zipBytes = pkg.zipBytes;
      }));
    }
    report(started, tmp, { copies, hashes, generations, zipBytes });
  } finally {
    await db.destroy();
    for (const d of ['files', 'db']) await fs.promises.rm(path.join(tmp, d), { recursive: true, force: true });
    await fs.promises.rm(path.join(tmp, 'copy.bin'), { force: true });
  }
}

function report(started: number, tmp: string, r: { copies: number[]; hashes: number[]; generations: number[]; zipBytes: number }): void {
  const worst = Math.max(...r.generations);
  const pass = worst < GOAL_SECONDS;
  console.log('');
  printTable([
    { measure: `copy of the ${RELEASE_BYTES / MB} MB release (fs.copyFile), median`, value: `${fmt(median(r.copies), 2)} s`, goal: '(reference)',
      verdict: '', cpu: '' },
    { measure: 'SHA-256 of the release, read once, median', value: `${fmt(median(r.hashes), 2)} s`, goal: '(reference)', verdict: '', cpu: '' },
    { measure: `package generated (key, zip ${fmt(r.zipBytes / MB, 1)} MB, row), median`, value: `${fmt(median(r.generations), 2)} s`, goal: '',
      verdict: '', cpu: '' },
    { measure: `package generated, slowest of ${RUNS}`, value: `${fmt(worst, 2)} s`, goal: `< ${GOAL_SECONDS} s`, verdict: verdict(pass), cpu: '' },
    { measure: 'generation ÷ (copy + hash), medians', value: fmt(median(r.generations) / (median(r.copies) + median(r.hashes)), 2), goal: '',
      verdict: '', cpu: '' },
  ]);
  const results = {
    date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, loadAverage: os.loadavg(),
    settings: { releaseBytes: RELEASE_BYTES, runs: RUNS }, copySeconds: r.copies, hashSeconds: r.hashes, generationSeconds: r.generations,
    zipBytes: r.zipBytes, goals: { generationSeconds: GOAL_SECONDS }, pass: { generation: pass }, benchSeconds: (Date.now() - started) / 1000,
  };
  const out = path.join(tmp, 'bench-packages-results.json');
  fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nbench packages: ${fmt(results.benchSeconds)} s in all; results written to ${out}`);
  console.log(JSON.stringify(results));
}

await runBench('bench packages', main, () => workDir && path.join(workDir, 'files'));
