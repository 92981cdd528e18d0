/**
 * Entry point (`npm start`): read the configuration, open and migrate the
 * database, seed the demo release, build the app and listen (with the time
 * limits of src/http/http-server.ts).
 *
 * SIGTERM/SIGINT: stop accepting connections, let downloads under way finish
 * for up to SHUTDOWN_GRACE_SECONDS (30), then cut what remains, close the
 * session store, the download log and the database.
 */
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { scheduleBillingRun } from './billing/index.js';
import { ConfigError, loadConfig } from './config/index.js';
import { resolveSessionSecret } from './config/session-secret.js';
import { seedDemoRelease } from '../db/seeds/demo-release.js';
import { systemClock } from './platform/clock.js';
import { createDb, migrate } from './platform/db.js';
import { createHttpServer } from './http/http-server.js';
import { createLogger } from './platform/logger.js';
import { IssuerKeys } from './keys/index.js';
import { createMailer } from './platform/mailer.js';
import { markServer, scheduleBackup } from './ops/index.js';

let config;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}

const logger = createLogger(config.logLevel);
const db = createDb(config.database, 'server');
const applied = await migrate(db, config.database, config.paths.migrations);
if (applied.length) logger.info({ applied }, 'database migrated');
const seeded = await seedDemoRelease(db, config.paths.downloads, systemClock.now());
if (seeded) logger.info({ release: seeded.filename }, 'demo release registered');

const keys = new IssuerKeys(db, systemClock, config.paths.keys, config.issuerKeyFile);
await keys.init();
logger.info({ kid: keys.active.kid.toString('hex') }, 'issuer key ready');
const mailer = createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, mailDir: config.paths.mail, logger });
const handle = createApp({ config, db, logger, mailer, clock: systemClock, sessionSecret: resolveSessionSecret(config, logger), keys });

// Time limits for headers, bodies and uploads: src/http/http-server.ts.
const server = createHttpServer(handle.listener).listen(config.port, config.host, () => {
  // The bound port, not the configured one: PORT=0 asks the system for a free port.
  const { port } = server.address() as AddressInfo;
  logger.info({ url: config.baseUrl, database: config.database.client }, `artisan_nd portal listening on http://${config.host}:${port}`);
});
// `npm run restore` refuses a database while this mark names a live process (src/ops/server-pid.ts).
const unmark = markServer(config.paths.db);

// The daily billing job inside the server (BILLING_RUN_AT in BILLING_TIMEZONE); tests drive it with a date instead.
const billingJob = config.env === 'test' ? null : scheduleBillingRun(handle.billingRun, config.billing, logger);
// Gateway notifications whose processing failed are tried again with backoff (src/payments/inbound-events.service.ts).
const stopRetries = config.env === 'test' ? null : handle.payments.inbound.startRetryLoop(60);
// The daily backup when BACKUP_DIR is set (BACKUP_AT in BILLING_TIMEZONE); `npm run backup` or a timer otherwise.
const backupJob = config.env === 'test' ? null : scheduleBackup(config, db, logger);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal, downloads: handle.downloads.activeDownloads }, 'shutting down: no new connections');
  billingJob?.stop();
  backupJob?.stop();
  stopRetries?.();
  server.close();
  server.closeIdleConnections();
  const left = await handle.downloads.waitIdle(config!.shutdownGraceSeconds);
  if (left > 0) logger.warn({ left }, 'grace period over: cutting the downloads still running');
  server.closeAllConnections();
  await handle.close();
  mailer.close();
  await db.destroy();
  unmark();
  logger.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
