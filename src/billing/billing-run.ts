/**
 * The daily billing job: `npm run billing:run [--date YYYY-MM-DD]` (a cron or
 * systemd timer, the tests) and croner inside the server at BILLING_RUN_AT in
 * BILLING_TIMEZONE. It walks the subscriptions that can have a step due
 * (subscriptions.steps.ts: what each step does and why each runs once) in
 * pages of 500 (their unpaid invoices and steps taken read per page, not per
 * subscription) and runs their due steps, each in its own savepoint, up to 25
 * of them (or 200 ms) per transaction: one commit, one disk sync, per batch
 * instead of per step; the mails of a batch sent after its commit, while
 * the next batch runs. On PostgreSQL an advisory lock lets
 * one instance run at a time (the step rows would keep a second from doing
 * anything twice, this keeps it from doing the work at all).
 */
import { Cron } from 'croner';
import type { BillingConfig } from '../config/index.js';
import { onceAcrossInstances, type Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import type { PendingMail, SubscriptionsService } from './subscriptions.service.js';
import type { Subscription } from './subscriptions.repository.js';
import type { DueStep } from './subscriptions.steps.js';

/**
 * Another component's once-a-day work run after the subscriptions' steps (the shop's license expiry reminders): it
 * keeps its own once-only rows, so running a day twice does nothing more. Returns how many things it did.
 */
export interface DailyJob {
  name: string;
  run(today: string): Promise<number>;
}

/** What one run did. */
export interface RunReport {
  day: string;
  /** False when another instance holds the run (PostgreSQL advisory lock). */
  ran: boolean;
  subscriptions: number;
  steps: Record<string, number>;
  mails: number;
  errors: number;
  /** Gateway payments settled or failed by the reconciliation (src/payments). */
  reconciled?: number;
}

/** The advisory lock's key: the same number in every instance of the portal. */
const LOCK_KEY = 0x61727469; // "arti"
const PAGE = 500;
/** Steps per transaction, and how long one may hold the locks (ms): see BillingRun.batch. */
const BATCH_STEPS = 25;
const BATCH_MS = 200;

/** The mails of the last committed batch, on their way (deliver never rejects: a failed mail is logged). */
interface Mailing {
  sending: Promise<void>;
}

/** One due step of one subscription. */
interface Work {
  id: number;
  step: DueStep;
  quiet: boolean;
}

/**
 * Charges a subscription's unpaid renewals on its saved card (src/payments OnlinePaymentsService.chargeDue), before
 * its dunning steps: a renewal paid this way is not dunned. Outside any transaction (it calls a gateway).
 */
export interface RenewalCharger {
  /** `unpaid`: the subscription's open or overdue invoices, each with the due date staff last granted, else the printed one. */
  chargeDue(sub: { id: number; accountId: number }, today: string, unpaid: readonly { id: number; number: string; dueDate: string }[]): Promise<void>;
  /** Settle the gateway payments whose notification never came (asked of each gateway), before the steps. */
  reconcile?(): Promise<number>;
}

/**
 * Told of each run's end (the app's metrics): `ok`, `errors` (some steps failed: `failures` of them), `failed` (the run
 * itself threw), `skipped` (another instance holds the run). Must not throw.
 */
export interface RunObserver {
  runEnded(job: string, outcome: 'ok' | 'errors' | 'failed' | 'skipped', failures: number): void;
}

export class BillingRun {
  constructor(private readonly deps: {
    db: Db; subscriptions: SubscriptionsService; logger?: Logger; charger?: RenewalCharger; jobs?: DailyJob[]; observer?: RunObserver;
  }) {}

  /**
   * Run the due steps as of `day` (YYYY-MM-DD, default today in the billing time zone). A step that fails is
   * logged and counted; the others go on (it is tried again on the next run: its step row rolled back).
   */
  async run(day?: string): Promise<RunReport> {
    const observer = this.deps.observer;
    let report: RunReport;
    try {
      report = await this.runOnce(day);
    } catch (err) {
      observer?.runEnded('billing', 'failed', 1);
      throw err;
    }
    observer?.runEnded('billing', !report.ran ? 'skipped' : report.errors ? 'errors' : 'ok', report.errors);
    return report;
  }

  private async runOnce(day?: string): Promise<RunReport> {
    const today = day ?? this.deps.subscriptions.today();
    const report: RunReport = { day: today, ran: false, subscriptions: 0, steps: {}, mails: 0, errors: 0 };
    // PostgreSQL: one instance at a time (an advisory lock); the others return `ran: false` at once.
    await onceAcrossInstances(this.deps.db, LOCK_KEY, async () => {
      report.ran = true;
      if (this.deps.charger?.reconcile) {
        report.reconciled = await this.deps.charger.reconcile().catch((err: unknown) => {
          report.errors += 1;
          this.deps.logger?.error({ err }, 'reconciliation failed');
          return 0;
        });
      }
      await this.walk(today, report);
      for (const job of this.deps.jobs ?? []) {
        report.steps[job.name] = await job.run(today).catch((err: unknown) => {
          report.errors += 1;
          this.deps.logger?.error({ err, job: job.name }, 'daily job failed');
          return 0;
        });
      }
    });
    return report;
  }

  private async walk(today: string, report: RunReport): Promise<void> {
    const mailing = { sending: Promise.resolve() };
    try {
      await this.pages(today, report, mailing);
    } finally {
      await mailing.sending;
    }
  }

  private async pages(today: string, report: RunReport, mailing: Mailing): Promise<void> {
    const subs = this.deps.subscriptions;
    let after = 0;
    for (;;) {
      const page = await subs.steps.candidates(after, PAGE);
      if (!page.length) return;
      after = page[page.length - 1]!.id;
      // Saved cards are charged first (outside any transaction: a gateway call), so that a renewal paid this way
      // is not dunned; then the page's unpaid invoices and steps taken are read.
      await this.charge(page, today, report);
      const known = await subs.steps.lookups(page.map((s) => s.id));
      const work: Work[] = [];
      for (const sub of page) {
        report.subscriptions += 1;
        const due = await subs.steps.due(sub, today, known);
        // A reminder overtaken by a later step of the same invoice or period is not mailed.
        due.forEach((step, i) => work.push({ id: sub.id, step, quiet: due.slice(i + 1).some((n) => n.period === step.period) }));
      }
      for (let next = 0; next < work.length;) next = await this.batch(work, next, report, mailing);
    }
  }

  /** The page's unpaid renewals charged on saved cards (RenewalCharger), when online payments are set up. */
  private async charge(page: Subscription[], today: string, report: RunReport): Promise<void> {
    if (!this.deps.charger) return;
    const chargeable = page.filter((sub) => ['active', 'trialing', 'past_due', 'suspended'].includes(sub.state));
    const unpaid = await this.deps.subscriptions.steps.unpaidOf(chargeable.map((s) => s.id));
    for (const sub of chargeable) {
      const due = (unpaid.get(sub.id) ?? []).filter((inv) => inv.dueDate <= today);
      if (due.length === 0) continue;
      await this.deps.charger.chargeDue(sub, today, due).catch((err: unknown) => {
        report.errors += 1;
        this.deps.logger?.error({ err, subscription: sub.id }, 'renewal charge failed');
      });
    }
  }

  /**
   * Run the steps of `work` from index `first` in one transaction, each in its savepoint (a step that fails rolls
   * back alone, is logged and counted, and is tried again on the next run), at most BATCH_STEPS of them or for
   * BATCH_MS: one commit, so one disk sync, for the batch, and the write lock (SQLite) or the chain lock
   * (PostgreSQL) held no longer than that. The mails of the batch leave after its commit, while the next batch
   * runs (the previous batch's mails are out first, so they leave in order). Returns the next index.
   */
  private async batch(work: Work[], first: number, report: RunReport, mailing: Mailing): Promise<number> {
    const subs = this.deps.subscriptions;
    const mails: PendingMail[] = [];
    const done: Record<string, number> = {};
    let next = first;
    try {
      await this.deps.db.transaction(async (trx) => {
        await subs.steps.beginBatch(trx);
        const started = Date.now();
        while (next < work.length && next - first < BATCH_STEPS && Date.now() - started < BATCH_MS) {
          const { id, step, quiet } = work[next++]!;
          try {
            mails.push(...(await subs.steps.run(id, step, quiet, trx)));
            done[step.step] = (done[step.step] ?? 0) + 1;
          } catch (err) {
            report.errors += 1;
            this.deps.logger?.error({ err, subscription: id, step }, 'billing step failed');
          }
        }
      });
    } catch (err) {
      // The batch did not commit: none of its steps happened (they run again on the next run).
      report.errors += Object.values(done).reduce((a, b) => a + b, 0);
      this.deps.logger?.error({ err, steps: next - first }, 'billing batch failed');
      return next;
    }
    for (const [step, n] of Object.entries(done)) report.steps[step] = (report.steps[step] ?? 0) + n;
    report.mails += mails.length;
    await mailing.sending;
    mailing.sending = subs.deliver(mails);
    return next;
  }
}

/**
 * Start the daily run inside the server: croner at `billing.runAt` (HH:MM) in `billing.timezone`, never two
 * runs at once in this process (`protect`). Returns the job, to stop it on shutdown.
 */
export function scheduleBillingRun(run: BillingRun, billing: Pick<BillingConfig, 'runAt' | 'timezone'>, logger: Logger): Cron {
  const [h, m] = billing.runAt.split(':');
  return new Cron(`${Number(m)} ${Number(h)} * * *`, { timezone: billing.timezone, protect: true }, async () => {
    const report = await run.run();
    logger.info({ billing: report }, 'billing run done');
  });
}
