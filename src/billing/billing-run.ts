/**
 * The daily billing job: `npm run billing:run [--date YYYY-MM-DD]` (a cron or
 * systemd timer, the tests) and croner inside the server at BILLING_RUN_AT in
 * BILLING_TIMEZONE. It walks the subscriptions that can have a step due
 * (subscriptions.steps.ts: what each step does and why each runs once) in
 * pages of 500 and runs their due steps, each in its own transaction, the
 * mails of a step sent after its commit. On PostgreSQL an advisory lock lets
 * one instance run at a time (the step rows would keep a second from doing
 * anything twice, this keeps it from doing the work at all).
 */
import { Cron } from 'croner';
import type { BillingConfig } from '../config/index.js';
import { isSqlite, type Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import type { SubscriptionsService } from './subscriptions.service.js';

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

/**
 * Charges a subscription's unpaid renewals on its saved card (src/payments OnlinePaymentsService.chargeDue), before
 * its dunning steps: a renewal paid this way is not dunned. Outside any transaction (it calls a gateway).
 */
export interface RenewalCharger {
  chargeDue(sub: { id: number; accountId: number }, today: string): Promise<void>;
  /** Settle the gateway payments whose notification never came (asked of each gateway), before the steps. */
  reconcile?(): Promise<number>;
}

export class BillingRun {
  constructor(private readonly deps: { db: Db; subscriptions: SubscriptionsService; logger?: Logger; charger?: RenewalCharger }) {}

  /**
   * Run the due steps as of `day` (YYYY-MM-DD, default today in the billing time zone). A step that fails is
   * logged and counted; the others go on (it is tried again on the next run: its step row rolled back).
   */
  async run(day?: string): Promise<RunReport> {
    const today = day ?? this.deps.subscriptions.today();
    const report: RunReport = { day: today, ran: false, subscriptions: 0, steps: {}, mails: 0, errors: 0 };
    const unlock = await this.lock();
    if (!unlock) return report;
    try {
      report.ran = true;
      if (this.deps.charger?.reconcile) {
        report.reconciled = await this.deps.charger.reconcile().catch((err: unknown) => {
          report.errors += 1;
          this.deps.logger?.error({ err }, 'reconciliation failed');
          return 0;
        });
      }
      await this.walk(today, report);
    } finally {
      await unlock();
    }
    return report;
  }

  private async walk(today: string, report: RunReport): Promise<void> {
    const subs = this.deps.subscriptions;
    let after = 0;
    for (;;) {
      const page = await subs.steps.candidates(after, PAGE);
      if (!page.length) return;
      after = page[page.length - 1]!.id;
      for (const sub of page) {
        report.subscriptions += 1;
        if (this.deps.charger && ['active', 'trialing', 'past_due', 'suspended'].includes(sub.state)) {
          await this.deps.charger.chargeDue(sub, today).catch((err: unknown) => {
            report.errors += 1;
            this.deps.logger?.error({ err, subscription: sub.id }, 'renewal charge failed');
          });
        }
        const due = await subs.steps.due(sub, today);
        for (const [i, step] of due.entries()) {
          try {
            // A reminder overtaken by a later step of the same invoice or period is not mailed.
            const quiet = due.slice(i + 1).some((n) => n.period === step.period);
            const mails = await subs.steps.run(sub.id, step, quiet);
            report.steps[step.step] = (report.steps[step.step] ?? 0) + 1;
            report.mails += mails.length;
            await subs.deliver(mails);
          } catch (err) {
            report.errors += 1;
            this.deps.logger?.error({ err, subscription: sub.id, step }, 'billing step failed');
          }
        }
      }
    }
  }

  /** PostgreSQL: a session advisory lock on one held connection; null when another instance holds it. SQLite: one writer anyway. */
  private async lock(): Promise<(() => Promise<void>) | null> {
    const db = this.deps.db;
    if (isSqlite(db)) return async () => undefined;
    const client = db.client as { acquireConnection(): Promise<unknown>; releaseConnection(c: unknown): Promise<void> };
    const conn = await client.acquireConnection();
    const got = (await db.raw('SELECT pg_try_advisory_lock(?) AS ok', [LOCK_KEY]).connection(conn)) as { rows: { ok: boolean }[] };
    if (!got.rows[0]?.ok) {
      await client.releaseConnection(conn);
      return null;
    }
    return async () => {
      await db.raw('SELECT pg_advisory_unlock(?)', [LOCK_KEY]).connection(conn);
      await client.releaseConnection(conn);
    };
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
