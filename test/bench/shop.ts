/**
 * Shop bench (fifth part of `npm run bench`): one run, prints a table and
 * writes the figures as JSON. SQLite, files in a mkdtemp directory (the
 * repository is not touched). Each figure against a baseline measured in the
 * same run:
 *
 * (a) a signed download link checked and its streaming started: time to the
 *     first body byte of `GET /downloads/signed/<token>` (a release of
 *     EasyFacture, restricted to license holders by its listing: HMAC check,
 *     release lookup, download log, limits) against `GET
 *     /download/files/<name>` of a public release of artisan_nd of the same
 *     size (1 MB of random bytes each), both through the app started as
 *     `npm start` starts it. One request at a time on a keep-alive
 *     connection, the two alternating (public, signed, signed, public...),
 *     each body read to its end; a fresh link (signed with the app's session
 *     secret, as /downloads/generate signs it) for each signed request.
 *     Goal: the signed path's median at most 2 ms above the public one's.
 * (b) the catalogue `/products` for an anonymous visitor (from the page
 *     cache, checked by its strong ETag) against the bare Express hello route
 *     (test/bench/hello-express.ts), autocannon, 10 connections, hello, app,
 *     app, hello (harness.ts compare). Goal: at least 0.5 of its req/s.
 * (c) checkout to license with the fake gateway (test/bench/shop-checkout.ts,
 *     in this process, the app stopped): orders placed and paid per second,
 *     against the same invoice issued alone. Goal: at least 100 orders/s.
 *
 * The results go to <tmp>/bench-shop-results.json (and as one JSON line on
 * stdout). Exit code 0 when every figure was measured, goals met or not; 1
 * when something crashed. Every child process is killed at the end, on error
 * and on Ctrl-C.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { AuditService, SYSTEM_ACTOR } from '../../src/audit/index.js';
import { loadConfig } from '../../src/config/index.js';
import { DownloadLinks } from '../../src/downloads/index.js';
import { sha256File } from '../../db/seeds/demo-release.js';
import { systemClock } from '../../src/platform/clock.js';
import { createDb, insertedId, migrate, type Db } from '../../src/platform/db.js';
import { CatalogueService } from '../../src/shop/index.js';
import {
  benchAppEnv, compare, fmt, freePort, HOST, MB, printTable, reportOtherCpu, ROOT, runBench, startApp, stop, verdict, waitReady, withHelper,
  writeRandomFile, type LoadResult,
} from './harness.js';
import { checkoutBench } from './shop-checkout.js';

const FILE_SIZE = MB;
const DOWNLOADS = 200;
const DOWNLOAD_WARMUP = 20;
const REQ_SECONDS = 6;
const WARMUP_SECONDS = 2;
const REQ_CONNECTIONS = 10;
const ORDERS = 400;
const ORDER_WARMUP = 20;
const SELLER_ENV = {
  BILLING_SELLER_NAME: 'Artisan ND SAS', BILLING_SELLER_ADDRESS: '12 rue des Imprimeurs, 69001 Lyon', BILLING_SELLER_SIRET: '12345678900012',
  BILLING_SELLER_VAT_NUMBER: 'FR12123456789', BILLING_SELLER_RCS: 'RCS Lyon 123 456 789', BILLING_SELLER_CAPITAL: 'SAS au capital de 10 000 €',
};
const GOALS = { signedExtraMs: 2, catalogueVsExpress: 0.5, ordersPerSecond: 100 };

let workDir: string | null = null;

interface Releases { publicFile: string; restrictedId: number; customerId: number }

/** A published release row of `product` for `filename` in the downloads folder: its id. */
async function release(db: Db, downloads: string, product: string, version: string, filename: string): Promise<number> {
  const file = path.join(downloads, filename);
  await writeRandomFile(file, FILE_SIZE);
  const at = new Date().toISOString();
  return insertedId(await db('releases').insert({ product, version, channel: 'stable', filename, size_bytes: FILE_SIZE, sha256: await sha256File(file),
    changelog: 'Version de mesure', published_at: at, is_latest: true, created_at: at, updated_at: at }).returning('id'));
}

/**
 * The database the app is started on: migrated, EasyFacture listed (its releases for license holders only) with an
 * annual offer, a release of each product (1 MB each), a customer account.
 */
async function prepare(env: Record<string, string>): Promise<Releases> {
  const config = loadConfig(env);
  const db = createDb(config.database);
  try {
    await migrate(db, config.database, path.join(ROOT, 'db', 'migrations'));
    await fs.promises.mkdir(config.paths.downloads, { recursive: true });
    const catalogue = new CatalogueService({ db, clock: systemClock, audit: new AuditService(db, systemClock) });
    const product = Number(((await db('products').where({ code: 'easyfacture' }).first('id')) as { id: number }).id);
    await catalogue.saveListing(product, { titleFr: 'EasyFacture', titleEn: 'EasyFacture', descriptionFr: 'La facturation simple pour les artisans.',
      descriptionEn: 'Simple invoicing for craftspeople.', category: 'Facturation', thumbnail: null, releaseProduct: 'easyfacture',
      downloadsPublic: false, published: true, displayOrder: 1 }, SYSTEM_ACTOR);
    await catalogue.saveOffer(product, null, { code: 'annual', nameFr: 'Licence annuelle', nameEn: 'Annual license', licenseType: 'annual',
      durationDays: 365, price: 2900, renewalPrice: 2500, currency: 'EUR', seatBased: true, maxSeats: 5, isActive: true, displayOrder: 1 }, SYSTEM_ACTOR);
    const publicFile = 'artisan-nd_9.0.0_all.deb';
    await release(db, config.paths.downloads, 'artisan_nd', '9.0.0', publicFile);
    const restrictedId = await release(db, config.paths.downloads, 'easyfacture', '3.0.0', 'easyfacture_3.0.0_all.deb');
    const now = new Date().toISOString();
    const customerId = insertedId(await db('accounts').insert({ email: 'jean@client.fr', password_hash: 'x', role: 'customer', state: 'active',
      public_ref: 'CUS-BENCH1', name: 'Jean Client', country: 'FR', locale: 'fr', address: '8 rue des Lilas\n69003 Lyon', created_at: now, updated_at: now,
    }).returning('id'));
    return { publicFile, restrictedId, customerId };
  } finally {
    await db.destroy();
  }
}

/** One GET on `agent`: ms to the first body byte, status and bytes read (the whole body). */
function firstByte(url: string, agent: http.Agent): Promise<{ ms: number; status: number; bytes: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      let ms = NaN;
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        if (bytes === 0) ms = performance.now() - started;
        bytes += c.length;
      });
      res.on('end', () => resolve({ ms, status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${url}: no answer in 10 s`)));
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** (a): DOWNLOADS of each, alternating, after DOWNLOAD_WARMUP of each; every answer must be a 200 with the whole file. */
async function downloadsBench(base: string, r: Releases, links: DownloadLinks): Promise<{ publicMs: number[]; signedMs: number[] }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const publicMs: number[] = [];
  const signedMs: number[] = [];
  const one = async (signed: boolean, keep: boolean) => {
    const url = signed ? `${base}/downloads/signed/${links.sign(r.restrictedId, r.customerId, new Date())}` : `${base}/download/files/${r.publicFile}`;
    const a = await firstByte(url, agent);
    if (a.status !== 200 || a.bytes !== FILE_SIZE) throw new Error(`GET ${url}: ${a.status}, ${a.bytes} bytes`);
    if (keep) (signed ? signedMs : publicMs).push(a.ms);
  };
  try {
    for (let i = 0; i < DOWNLOAD_WARMUP; i++) for (const s of [false, true]) await one(s, false);
    for (let i = 0; i < DOWNLOADS; i++) for (const s of i % 2 ? [true, false] : [false, true]) await one(s, true);
  } finally {
    agent.destroy();
  }
  return { publicMs, signedMs };
}

/** The restricted release is not served by name, and `/products` comes from the page cache (a strong ETag, the same twice). */
async function checkServed(base: string): Promise<void> {
  const refused = await firstByte(`${base}/download/files/easyfacture_3.0.0_all.deb`, new http.Agent()).catch(() => null);
  if (refused?.status !== 404) throw new Error(`the restricted release is served by name (${refused?.status})`);
  const etags: string[] = [];
  for (let i = 0; i < 2; i++) {
    const res = await fetch(`${base}/products`);
    const body = await res.text();
    if (res.status !== 200 || !body.includes('EasyFacture')) throw new Error(`/products: ${res.status}`);
    etags.push(res.headers.get('etag') ?? '');
  }
  if (!etags[0]!.startsWith('"') || etags[0] !== etags[1]) throw new Error(`/products is not served from the page cache (ETags ${etags.join(', ')})`);
}

async function main(): Promise<void> {
  const started = Date.now();
  const tmp = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'artisan-nd-bench-shop-'));
  workDir = tmp;
  console.log(`bench shop: work directory ${tmp}; ${os.cpus().length} CPUs; load average ${os.loadavg().map((l) => fmt(l, 2)).join(', ')}`);
  try {
    const port = await freePort();
    const base = `http://${HOST}:${port}`;
    const appEnv = benchAppEnv(tmp, port, {
      ...SELLER_ENV, ISSUER_KEY_FILE: '', DOWNLOADS_PER_HOUR: '100000', DOWNLOADS_CONCURRENT: '1000', DOWNLOAD_ACCEL: 'none', PAGE_CACHE_TTL: '60',
    });
    const releases = await prepare(appEnv);
    const links = new DownloadLinks(appEnv.SESSION_SECRET!, loadConfig(appEnv).shop.downloadLinkMinutes);

    console.log('bench shop: app started on the prepared database');
    const app = startApp('app', appEnv);
    let measured;
    try {
      await waitReady(app, `${base}/`);
      await checkServed(base);
      console.log(`bench shop: (a) ${DOWNLOADS} signed and ${DOWNLOADS} public downloads of ${FILE_SIZE / MB} MB, one at a time, alternating`);
      const downloads = await downloadsBench(base, releases, links);
      console.log(`bench shop: (b) Express hello and app /products, ${REQ_CONNECTIONS} connections, ${REQ_SECONDS} s each (alternating)`);
      const pages = await withHelper('hello-express', 'hello-express.ts', {}, (child, url) => compare({ child, url: `${url}/` },
        { child: app, url: `${base}/products` }, { connections: REQ_CONNECTIONS, seconds: REQ_SECONDS, warmupSeconds: WARMUP_SECONDS, timeoutSeconds: 10 }));
      measured = { downloads, pages };
    } finally {
      await stop(app);
    }
    console.log(`bench shop: (c) ${ORDERS} orders placed and paid (fake Stripe settlement) and ${ORDERS} invoices issued alone, in this process`);
    const checkout = await checkoutBench(path.join(tmp, 'checkout'), appEnv, ORDERS, ORDER_WARMUP);
    report(started, tmp, measured.downloads, measured.pages, checkout);
  } finally {
    for (const d of ['files', 'checkout', 'db']) await fs.promises.rm(path.join(tmp, d), { recursive: true, force: true });
  }
}

function report(started: number, tmp: string, d: { publicMs: number[]; signedMs: number[] }, pages: { reference: LoadResult; app: LoadResult },
  checkout: Awaited<ReturnType<typeof checkoutBench>>): void {
  const publicMedian = median(d.publicMs);
  const signedMedian = median(d.signedMs);
  const extraMs = signedMedian - publicMedian;
  const ratio = pages.app.reqPerSec / pages.reference.reqPerSec;
  const usPerReq = (r: LoadResult) => (r.serverCpuSeconds * 1e6) / r.ok2xx;
  const expectedKeys = checkout.paidOrders * checkout.seats;
  const pass = {
    signedExtra: extraMs <= GOALS.signedExtraMs,
    catalogueVsExpress: ratio >= GOALS.catalogueVsExpress,
    orders: checkout.orders.perSecond >= GOALS.ordersPerSecond && checkout.licenseKeys === expectedKeys,
  };
  console.log('');
  printTable([
    { measure: `(a) public GET /download/files, ${FILE_SIZE / MB} MB, median first byte`, value: `${fmt(publicMedian, 2)} ms`, goal: '(reference)',
      verdict: '', cpu: '' },
    { measure: '(a) signed GET /downloads/signed/<token>, median first byte', value: `${fmt(signedMedian, 2)} ms`, goal: '', verdict: '', cpu: '' },
    { measure: '(a) signed − public', value: `${fmt(extraMs, 2)} ms`, goal: `<= ${GOALS.signedExtraMs} ms`, verdict: verdict(pass.signedExtra), cpu: '' },
    { measure: `Express 5 hello route, ${REQ_CONNECTIONS} conns`, value: `${fmt(pages.reference.reqPerSec)} req/s`, goal: '(reference)', verdict: '',
      cpu: `${fmt(usPerReq(pages.reference))} µs/req` },
    { measure: '(b) app /products (anonymous, page cache)', value: `${fmt(pages.app.reqPerSec)} req/s`, goal: '', verdict: '',
      cpu: `${fmt(usPerReq(pages.app))} µs/req` },
    { measure: '(b) /products ÷ Express hello', value: fmt(ratio, 2), goal: `>= ${fmt(GOALS.catalogueVsExpress, 2)}`,
      verdict: verdict(pass.catalogueVsExpress), cpu: `${fmt(usPerReq(pages.reference) / usPerReq(pages.app), 2)} by CPU` },
    { measure: '(c) invoice issued alone (with its PDF)', value: `${fmt(checkout.invoices.perSecond, 1)} /s`, goal: '(reference)', verdict: '',
      cpu: `${fmt(checkout.invoices.perCpuSecond, 1)} /CPU s` },
    { measure: `(c) orders placed and paid, ${checkout.seats} keys each, mails written`, value: `${fmt(checkout.orders.perSecond, 1)} /s`,
      goal: `>= ${GOALS.ordersPerSecond} /s`, verdict: verdict(pass.orders), cpu: `${fmt(checkout.orders.perCpuSecond, 1)} /CPU s` },
    { measure: '(c) orders ÷ invoices alone', value: fmt(checkout.orders.perSecond / checkout.invoices.perSecond, 2), goal: '', verdict: '',
      cpu: `${fmt(checkout.orders.perCpuSecond / checkout.invoices.perCpuSecond, 2)} by CPU` },
  ]);
  console.log(`\n(c) ${checkout.paidOrders} orders paid, ${checkout.licenseKeys} license keys (${expectedKeys} expected), ${checkout.mails} mails; ` +
    `an order: ${fmt(checkout.placeMs, 1)} ms placing it (order, invoice, PDF), ${fmt(checkout.settleMs, 1)} ms settling it (payment, keys), ` +
    'the mails of the orders before it being written meanwhile on the same event loop.');
  const otherCpu = reportOtherCpu([pages.reference, pages.app], 'req/s');
  const results = {
    date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, loadAverage: os.loadavg(), otherProcessesCpu: otherCpu,
    settings: { fileBytes: FILE_SIZE, downloads: DOWNLOADS, reqSeconds: REQ_SECONDS, reqConnections: REQ_CONNECTIONS, orders: ORDERS },
    downloads: { publicMedianMs: publicMedian, signedMedianMs: signedMedian, extraMs, publicMs: d.publicMs, signedMs: d.signedMs },
    helloExpress: pages.reference, catalogue: pages.app, ratios: { catalogueVsExpress: ratio }, checkout, goals: GOALS, pass,
    benchSeconds: (Date.now() - started) / 1000,
  };
  const out = path.join(tmp, 'bench-shop-results.json');
  fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nbench shop: ${fmt(results.benchSeconds)} s in all; load average at the end ${os.loadavg().map((l) => fmt(l, 2)).join(', ')}; ` +
    `results written to ${out}`);
  const { publicMs: _p, signedMs: _s, ...downloads } = results.downloads;
  console.log(JSON.stringify({ ...results, downloads }));
}

await runBench('bench shop', main, () => workDir && path.join(workDir, 'files'));
