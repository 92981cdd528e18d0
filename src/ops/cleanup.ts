/**
 * Data retention: the daily cleanup (a billing DailyJob, see app.ts and src/cli/billing-run.ts) and
 * `npm run db:cleanup`. Each kind of row is deleted by the service that owns its table (one writer per table):
 *
 * - expired verification and reset links (AccountsService), a week after their expiry so that a late click still
 *   reads "expired";
 * - ended account sessions, and sessions silent since then (AuthService), after RETENTION_SESSIONS_DAYS;
 * - handled gateway notifications and their payloads (InboundEventsService), after RETENTION_WEBHOOK_DAYS;
 * - download log rows (DownloadsService), after RETENTION_DOWNLOADS_DAYS;
 * - client package zips (PackagesService: the files under files/packages, their rows marked), after PACKAGE_KEEP_DAYS;
 *   the rows and the API keys stay; and the temporary zips (`files/packages/.new-*`, holding a clear key) left more
 *   than an hour ago by a package whose row did not commit or whose zip could not be moved into place.
 *
 * Rate limits are counted in memory (or in Redis, which expires its keys): no table to clean. The web session store
 * prunes its own expired rows. Never touched: the audit log, the ledger, invoices, payments, licenses.
 */
import type { RetentionConfig } from '../config/index.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';

/** Rows removed, by kind. */
export interface CleanupReport {
  expired_tokens: number;
  ended_sessions: number;
  webhook_events: number;
  download_rows: number;
  /** Client package zips deleted from disk. */
  package_zips: number;
  /** Temporary client package zips (`.new-*`) deleted from disk. */
  package_temp_zips: number;
}

/** The owners' small retention methods the cleanup calls (AccountsService, AuthService, InboundEventsService, DownloadsService, PackagesService). */
export interface CleanupOwners {
  accounts: { purgeExpiredTokens(before: Date): Promise<number> };
  auth: { purgeSessions(before: Date): Promise<number> };
  inbound: { purgeHandledBefore(before: Date): Promise<number> };
  downloads: { purgeLogBefore(before: Date): Promise<number> };
  packages: { purgeZipsBefore(before: Date): Promise<number>; purgeTempZipsBefore(before: Date): Promise<number> };
}

export interface CleanupDeps extends CleanupOwners {
  clock: Clock;
  retention: RetentionConfig;
  logger?: Logger;
}

const DAY_MS = 24 * 3600 * 1000;
/** Age after which a temporary package zip is left over (writing one takes seconds). */
const TEMP_ZIP_MS = 3600 * 1000;
/** Days an expired mailed link is kept, so that following it says "expired" rather than "unknown". */
export const TOKEN_GRACE_DAYS = 7;

export class CleanupService {
  constructor(private readonly deps: CleanupDeps) {}

  /** Delete what retention allows as of now; returns how many rows of each kind went. */
  async run(): Promise<CleanupReport> {
    const { retention, clock } = this.deps;
    const now = clock.now().getTime();
    const daysAgo = (days: number): Date => new Date(now - days * DAY_MS);
    const report: CleanupReport = {
      expired_tokens: await this.deps.accounts.purgeExpiredTokens(daysAgo(TOKEN_GRACE_DAYS)),
      ended_sessions: await this.deps.auth.purgeSessions(daysAgo(retention.sessionsDays)),
      webhook_events: await this.deps.inbound.purgeHandledBefore(daysAgo(retention.webhookDays)),
      download_rows: await this.deps.downloads.purgeLogBefore(daysAgo(retention.downloadsDays)),
      package_zips: await this.deps.packages.purgeZipsBefore(daysAgo(retention.packageZipDays)),
      package_temp_zips: await this.deps.packages.purgeTempZipsBefore(new Date(now - TEMP_ZIP_MS)),
    };
    this.deps.logger?.info({ cleanup: report }, 'data retention cleanup');
    return report;
  }

  /** The daily job (src/billing DailyJob): runs the cleanup and counts the rows removed. */
  job(): { name: string; run(today: string): Promise<number> } {
    return {
      name: 'retention_cleanup',
      run: async () => Object.values(await this.run()).reduce((a, b) => a + b, 0),
    };
  }
}
