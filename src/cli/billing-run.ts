/**
 * `npm run billing:run [-- --date YYYY-MM-DD]`: the daily billing job once
 * (renewals, reminders, dunning, pending subscriptions expired: see
 * src/billing/subscriptions.steps.ts; renewals charged on a saved card and
 * gateway notifications retried: src/payments; the shop's license expiry
 * reminders: src/shop; the data retention cleanup: src/ops), for a cron or systemd timer, or to
 * replay a day: `--date` sets the clock to that day (noon UTC). Running it
 * twice for a day does nothing the second time. Exit codes: 0 done (or
 * another instance was running), 1 a step failed (logged) or bad arguments.
 */
import { createBillingStack } from '../billing/index.js';
import { CoursesService } from '../courses/index.js';
import { DownloadsService } from '../downloads/index.js';
import { IssuerKeys } from '../keys/index.js';
import { ActivationCodesService, LicensesService, ProductsService } from '../licenses/index.js';
import { createPayments, type Payments } from '../payments/index.js';
import { FixedClock, systemClock } from '../platform/clock.js';
import { CleanupService } from '../ops/index.js';
import { buildPackagesService } from '../packages/index.js';
import { LedgerService } from '../recharge/index.js';
import { createShop, type Shop } from '../shop/index.js';
import { cliOptions, openCli } from './context.js';

const USAGE = 'npm run billing:run [-- --date YYYY-MM-DD]';
const { date } = cliOptions(['date'], USAGE);
if (date !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T12:00:00Z`))
  || new Date(`${date}T12:00:00Z`).toISOString().slice(0, 10) !== date)) {
  console.error(`--date: a day YYYY-MM-DD, not ${date}\nUsage: ${USAGE}`);
  process.exit(1);
}

const cli = await openCli();
let licenses: LicensesService | undefined;
try {
  const clock = date ? new FixedClock(new Date(`${date}T12:00:00Z`)) : systemClock;
  const late: { payments?: Payments; shop?: Shop } = {};
  // The data retention cleanup, as in the server (src/ops/cleanup.ts).
  const downloads = new DownloadsService({ db: cli.db, config: cli.config, clock, logger: cli.logger });
  const packages = buildPackagesService({ db: cli.db, clock, audit: cli.audit, config: cli.config, logger: cli.logger, downloads,
    products: new ProductsService({ db: cli.db, clock, audit: cli.audit }) });
  const cleanup = new CleanupService({ clock, logger: cli.logger, retention: cli.config.ops.retention, accounts: cli.accounts, auth: cli.auth,
    downloads, packages,
    inbound: { purgeHandledBefore: (before) => late.payments!.inbound.purgeHandledBefore(before) } });
  const { run, billing, subscriptions } = createBillingStack({
    db: cli.db, clock, audit: cli.audit, billing: cli.config.billing, ledger: new LedgerService(cli.db, clock, cli.audit), mailer: cli.mailer, t: cli.t,
    viewsDir: cli.config.paths.views, baseUrl: cli.config.baseUrl, logger: cli.logger,
    charger: { chargeDue: (sub, today, unpaid) => late.payments!.online.chargeDue(sub, today, unpaid), reconcile: () => late.payments!.online.reconcile() },
    jobs: [{ name: 'license_reminders', run: (today) => late.shop!.reminders.run(today) }, cleanup.job()],
  });
  const payments = late.payments = createPayments({ config: cli.config, db: cli.db, clock, audit: cli.audit, billing, subscriptions, logger: cli.logger });
  // The shop: an order paid by the reconciliation gets its license keys (payment hook), a renewal its longer licenses;
  // its licenses are only extended or revoked here, never signed (the issuer key is not loaded).
  const codes = new ActivationCodesService({ db: cli.db, clock, audit: cli.audit });
  licenses = new LicensesService({ db: cli.db, clock, logger: cli.logger, audit: cli.audit, codes,
    keys: new IssuerKeys(cli.db, clock, cli.config.paths.keys, cli.config.issuerKeyFile),
    products: new ProductsService({ db: cli.db, clock, audit: cli.audit }) });
  late.shop = createShop({ db: cli.db, clock, audit: cli.audit, billing, online: payments.online, codes, licenses, mailer: cli.mailer, t: cli.t,
    viewsDir: cli.config.paths.views, baseUrl: cli.config.baseUrl, refundDays: cli.config.shop.refundDays, logger: cli.logger,
    contactOf: (id) => subscriptions.contactOf(id),
    // A course bought alone and paid by the reconciliation is granted here too; the CLI signs no media link (no session secret).
    courses: new CoursesService({ db: cli.db, clock, audit: cli.audit, config: cli.config.courses, secret: 'cli-signs-no-media-link' }) });
  // Gateway notifications whose processing failed and whose backoff has passed (the server's loop does the same).
  const retried = await payments.inbound.retryDue(1000);
  if (retried) console.log(`${retried} gateway notifications processed again.`);
  const report = await run.run(date);
  const steps = JSON.stringify(report.steps);
  if (!report.ran) console.log(`${report.day}: another instance is running the billing job; nothing done.`);
  else {
    console.log(`${report.day}: ${report.subscriptions} subscriptions looked at, steps ${steps}, ${report.mails} mails, ${report.errors} errors, `
      + `${report.reconciled ?? 0} gateway payments reconciled.`);
  }
  if (report.errors) process.exitCode = 1;
} catch (err) {
  console.error(`Billing run failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await licenses?.close();
  await cli.close();
}
