/**
 * A whole app for one test file: its own temporary folders (files/, logs/,
 * db/), the test database, the demo release copied in and seeded, a fixed
 * clock, and mail written as .eml files (or to a given SMTP URL).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { createApp, type AppHandle } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { FixedClock } from '../../src/platform/clock.js';
import { IssuerKeys } from '../../src/keys/index.js';
import type { Db } from '../../src/platform/db.js';
import { createMailer, type Mailer } from '../../src/platform/mailer.js';
import { DEMO_FILENAME, seedDemoRelease } from '../../db/seeds/demo-release.js';
import { openTestDb, testDatabaseEnv } from './db.js';
import { apiRecorder } from './openapi.js';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const DEMO_DEB = path.join(REPO_ROOT, 'files', 'downloads', DEMO_FILENAME);

export interface TestContext {
  handle: AppHandle;
  keys: IssuerKeys;
  /** The app's request listener (AppHandle.listener): for supertest, or http.createServer(ctx.app). */
  app: AppHandle['listener'];
  db: Db;
  config: Readonly<Config>;
  clock: FixedClock;
  mailer: Mailer;
  dir: string;
  close(): Promise<void>;
}

export interface ContextOptions {
  env?: Record<string, string>;
  /** Seed the demo release (default true). */
  seed?: boolean;
  /** Receive the app's log lines (level info) instead of dropping them. */
  logLines?: string[];
}

export async function createTestContext(opts: ContextOptions = {}): Promise<TestContext> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'artisan-test-'));
  const dbDir = path.join(dir, 'db');
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    SESSION_SECRET: 'test-secret-test-secret-test-secret-0123',
    FILES_DIR: path.join(dir, 'files'),
    LOGS_DIR: path.join(dir, 'logs'),
    DB_DIR: dbDir,
    SUBSCRIPTION_DIR: path.join(dir, 'subscription'),
    ADMIN_EMAIL: 'admin@artisan-nd.test',
    ...testDatabaseEnv(dbDir),
    ...opts.env,
  });
  fs.mkdirSync(config.paths.downloads, { recursive: true });
  fs.copyFileSync(DEMO_DEB, path.join(config.paths.downloads, DEMO_FILENAME));
  const db = await openTestDb(config.database);
  const clock = new FixedClock(new Date('2026-11-22T10:00:00Z'));
  if (opts.seed !== false) await seedDemoRelease(db, config.paths.downloads, clock.now());
  const lines = opts.logLines;
  const logger = lines ? pino({ level: 'info' }, { write: (l: string) => { lines.push(l); } }) : pino({ level: 'silent' });
  const mailer = createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, mailDir: config.paths.mail, logger });
  const keys = new IssuerKeys(db, clock, config.paths.keys, config.issuerKeyFile);
  await keys.init();
  // Every JSON answer under /api is checked against the OpenAPI document after the run (hooks.ts).
  const handle = createApp({ config, db, logger, mailer, clock, sessionSecret: config.sessionSecret!, keys, apiObserver: apiRecorder.observer(keys) });
  return {
    handle,
    keys,
    app: handle.listener,
    db,
    config,
    clock,
    mailer,
    dir,
    close: async () => {
      await handle.close();
      mailer.close();
      await db.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The .eml files written so far, oldest first, as text. */
export function sentMails(ctx: TestContext): string[] {
  const dir = ctx.config.paths.mail;
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).sort().map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
}
