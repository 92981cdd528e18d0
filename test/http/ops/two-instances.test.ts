/**
 * Two instances of the portal, as two processes started like the systemd unit
 * starts one, on one PostgreSQL schema and one Redis, behind a round-robin
 * proxy written for this test (each request goes to the other instance):
 * a session opened through one is valid on the other; the login lockout and
 * the hourly download limit count across both; maintenance switched on
 * by the command line shows on both; the daily billing job started on both at
 * once issues a renewal once. PostgreSQL only (SQLite is one file on one host).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { AccountsRepository, hashPassword } from '../../../src/accounts/index.js';
import { createDb, type Db } from '../../../src/platform/db.js';
import pino from 'pino';
import { AuditService, SYSTEM_ACTOR } from '../../../src/audit/index.js';
import { createBillingStack } from '../../../src/billing/index.js';
import { loadConfig } from '../../../src/config/index.js';
import { createI18n } from '../../../src/http/i18n.js';
import { systemClock } from '../../../src/platform/clock.js';
import { insertedId } from '../../../src/platform/db.js';
import { createMailer } from '../../../src/platform/mailer.js';
import { LedgerService } from '../../../src/recharge/index.js';
import { PASSWORD } from '../../helpers/accounts.js';
import { cli } from '../../helpers/cli.js';
import { DEMO_DEB, REPO_ROOT } from '../../helpers/context.js';
import { PG_URL } from '../../helpers/db.js';
import { waitFor } from '../../helpers/wait.js';

describe('two instances on PostgreSQL and Redis behind a round-robin proxy', function () {
  this.timeout(120000);
  const schema = `two_${randomBytes(4).toString('hex')}`;
  const children: ChildProcess[] = [];
  let proxy: http.Server | undefined;
  let db: Db | undefined;
  let dir = '';
  let env: Record<string, string> = {};
  let base = '';
  const hits: string[] = [];

  /** Start one instance; resolves with its address once it listens. */
  async function instance(): Promise<string> {
    let out = '';
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: REPO_ROOT, env });
    children.push(child);
    child.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr!.on('data', (c: Buffer) => { out += c.toString(); });
    return waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] ?? null, { timeout: 60000, what: `an instance listening:\n${out}` });
  }

  before(async function () {
    if (!PG_URL) this.skip();
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'two-instances-'));
    const admin = createDb({ client: 'pg', url: PG_URL, schema: undefined });
    await admin.raw('CREATE SCHEMA ??', [schema]);
    await admin.destroy();
    env = { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info',
      DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema, REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: `${schema}:`,
      SESSION_SECRET: randomBytes(32).toString('hex'), BASE_URL: 'http://127.0.0.1', DOWNLOADS_PER_HOUR: '3', MAINTENANCE_CACHE_SECONDS: '1',
      STAFF_2FA_REQUIRED: '0', DB_DIR: path.join(dir, 'db'), FILES_DIR: path.join(dir, 'files'), LOGS_DIR: path.join(dir, 'logs'),
      SUBSCRIPTION_DIR: path.join(dir, 'subscription') };
    // The demo release the server registers at start (as the repository's files/downloads holds it).
    fs.mkdirSync(path.join(dir, 'files', 'downloads'), { recursive: true });
    fs.copyFileSync(DEMO_DEB, path.join(dir, 'files', 'downloads', path.basename(DEMO_DEB)));
    // The first migrates the empty schema; the second starts on a migrated one.
    const first = await instance();
    const second = await instance();
    const targets = [first, second];
    let next = 0;
    proxy = http.createServer((req, res) => {
      const target = new URL(targets[next]!);
      next = 1 - next;
      hits.push(target.port);
      const up = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => { res.writeHead(502).end(); });
      req.pipe(up);
    });
    await new Promise<void>((resolve) => proxy!.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    db = createDb({ client: 'pg', url: PG_URL, schema });
    const now = new Date();
    await new AccountsRepository(db).insert({ email: 'deux@imprimerie.fr', passwordHash: await hashPassword(PASSWORD), role: 'partner', state: 'active',
      company: 'Imprimerie Deux', name: 'Deux', phone: '0102030405', country: 'FR', locale: 'fr', termsAcceptedAt: now, verifiedAt: now }, now);
  });
  after(async () => {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    proxy?.closeAllConnections();
    await new Promise((r) => (proxy ? proxy.close(r) : r(null)));
    if (db) {
      await db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
      await db.destroy();
    }
    if (dir) await fs.promises.rm(dir, { recursive: true, force: true });
  });

  /** A fetch through the proxy with a cookie jar (one browser). */
  function browser() {
    const jar = new Map<string, string>();
    return async (p: string, init: RequestInit = {}): Promise<Response> => {
      const res = await fetch(`${base}${p}`, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string> ?? {}),
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
      for (const c of res.headers.getSetCookie()) { const [kv] = c.split(';'); const i = kv!.indexOf('='); jar.set(kv!.slice(0, i), kv!.slice(i + 1)); }
      return res;
    };
  }
  const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  const login = async (go: ReturnType<typeof browser>, password: string) => {
    const form = await (await go('/subscription/login')).text();
    return go('/subscription/login', { method: 'POST', body: new URLSearchParams({ _csrf: csrfOf(form), email: 'deux@imprimerie.fr', password }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  };

  it('keeps a session opened through one instance on the other', async () => {
    const go = browser();
    expect((await login(go, PASSWORD)).status).to.equal(303);
    const before = hits.length;
    for (let i = 0; i < 4; i++) expect((await go('/subscription/dashboard')).status).to.equal(200);
    expect(new Set(hits.slice(before)).size).to.equal(2); // both instances answered
  });

  it('counts failed logins and downloads across both instances', async () => {
    const go = browser();
    for (let i = 0; i < 10; i++) expect((await login(go, 'not the password at all')).status).to.equal(401);
    // Locked after ten failures counted on both instances: even the right password is refused, whichever instance checks.
    expect((await login(go, PASSWORD)).status).to.equal(401);
    expect((await login(go, PASSWORD)).status).to.equal(401);
    const row = (await db!('accounts').where({ email: 'deux@imprimerie.fr' }).first('locked_until')) as { locked_until: unknown };
    expect(row.locked_until).to.not.equal(null);
    const downloads = [];
    for (let i = 0; i < 4; i++) downloads.push((await fetch(`${base}/download/latest`)).status);
    expect(downloads).to.deep.equal([200, 200, 200, 429]);
  });

  it('shows maintenance switched on through the command line on both instances', async () => {
    const cliEnv = { ...env, LOG_LEVEL: 'silent' };
    expect((await cli('maintenance.ts', ['on', '--message', 'Mise à jour'], cliEnv, '')).code).to.equal(0);
    await waitFor(async () => {
      const statuses = [(await fetch(`${base}/`)).status, (await fetch(`${base}/`)).status];
      return statuses.every((s) => s === 503) || null;
    }, { what: 'both instances in maintenance' });
    expect((await cli('maintenance.ts', ['off'], cliEnv, '')).code).to.equal(0);
  });

  it('issues a renewal once when the daily billing job is started on both at once', async () => {
    // A partner subscribed and paid today through the billing services on the shared schema; the renewal is due at P-7.
    const config = loadConfig(env);
    const clock = systemClock;
    const audit = new AuditService(db!, clock);
    const logger = pino({ level: 'silent' });
    const mailer = createMailer({ smtpUrl: undefined, from: config.mailFrom, mailDir: path.join(dir, 'mail'), logger });
    const { billing, subscriptions } = createBillingStack({ db: db!, clock, audit, billing: config.billing, ledger: new LedgerService(db!, clock, audit),
      mailer, t: createI18n('fr', false).t, viewsDir: config.paths.views, baseUrl: config.baseUrl, logger });
    const now = clock.now().toISOString();
    const plan = insertedId(await db!('plans').insert({ slug: 'atelier', name_fr: 'Atelier', name_en: 'Workshop', type: 'monthly', price: 2900,
      currency: 'EUR', billing_cycle: 'month', limits: JSON.stringify({ units_per_period: 100 }), is_active: true, is_public: true, features: '[]',
      display_order: 1, created_at: now, updated_at: now }).returning('id'));
    const account = Number(((await db!('accounts').where({ email: 'deux@imprimerie.fr' }).first('id')) as { id: unknown }).id);
    const { subscription, invoice } = await subscriptions.subscribe(account, plan, SYSTEM_ACTOR);
    await billing.payments.recordManual(invoice!.id, { amount: invoice!.amountDue, method: 'bank_transfer', reference: invoice!.number!,
      date: now.slice(0, 10), idempotencyKey: 'two-instances-first-payment' }, SYSTEM_ACTOR);
    mailer.close();
    const periodEnd = (await subscriptions.byId(subscription.id))!.periodEnd!;
    const day = new Date(Date.parse(`${periodEnd}T00:00:00Z`) - 7 * 86400_000).toISOString().slice(0, 10);
    const cliEnv = { ...env, LOG_LEVEL: 'silent' };
    const runs = await Promise.all([cli('billing-run.ts', ['--date', day], cliEnv, ''), cli('billing-run.ts', ['--date', day], cliEnv, '')]);
    expect(runs.map((r) => r.code), runs.map((r) => r.err).join('\n')).to.deep.equal([0, 0]);
    const invoices = await db!('invoices').where({ subscription_id: subscription.id, kind: 'invoice' }).count({ n: '*' }).first() as { n: unknown };
    expect(Number(invoices.n), 'the first invoice and one renewal').to.equal(2);
    const renewals = await db!('billing_steps').where({ subscription_id: subscription.id, step: 'renewal' }).count({ n: '*' }).first() as { n: unknown };
    expect(Number(renewals.n)).to.equal(1);
  });
});
