/**
 * The app's Prometheus metrics (prom-client), one registry per app instance
 * (never prom-client's global one: tests build many apps in one process).
 * The components never import prom-client: each declares a small observer
 * interface (DownloadsObserver, ValidationObserver, RechargeObserver,
 * InboundObserver, RunObserver) and this class implements them all with
 * counters, so the hot paths pay one increment.
 *
 * Process metrics (memory, event-loop lag, GC: collectDefaultMetrics) are
 * registered at the first scrape, so an app nobody scrapes (tests) starts no
 * event-loop monitor.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../platform/db.js';

/** Seconds: from a cached page (~1 ms) to a slow PDF or upload. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The few tarn.js pool methods read (knex's pool). */
interface PoolLike {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

export class Metrics {
  readonly registry = new Registry();
  private defaults = false;
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly durations: Histogram<'method' | 'route' | 'status'>;
  private readonly downloads: Counter<'outcome'>;
  private readonly downloadBytes: Counter;
  private readonly downloadRefusals: Counter<'reason'>;
  private readonly validations: Counter<'result'>;
  private readonly keyFiles: Counter;
  private readonly rechargeUnits: Counter;
  private readonly webhooks: Counter<'gateway' | 'status'>;
  private readonly jobRuns: Counter<'job' | 'outcome'>;
  private readonly jobFailures: Counter<'job'>;

  constructor(db: Db) {
    const registers = [this.registry];
    this.requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'], registers });
    this.durations = new Histogram({ name: 'http_request_duration_seconds', help: 'Time to answer an HTTP request (until the last byte is handed to the OS)',
      labelNames: ['method', 'route', 'status'], buckets: DURATION_BUCKETS, registers });
    this.downloads = new Counter({ name: 'downloads_total', help: 'Release downloads ended, by outcome (complete, aborted, offloaded)',
      labelNames: ['outcome'], registers });
    this.downloadBytes = new Counter({ name: 'download_bytes_total', help: 'Bytes of release files sent by the app', registers });
    this.downloadRefusals = new Counter({ name: 'download_refusals_total', help: 'Downloads refused, by reason (rate_limited, blocked)',
      labelNames: ['reason'], registers });
    this.validations = new Counter({ name: 'license_validations_total', help: 'Online license validations, by result (valid or the refusal code)',
      labelNames: ['result'], registers });
    this.keyFiles = new Counter({ name: 'key_files_sealed_total', help: 'Key files (.bin) sealed by confirmed recharges', registers });
    this.rechargeUnits = new Counter({ name: 'recharge_units_total', help: 'Units debited by confirmed recharges', registers });
    this.webhooks = new Counter({ name: 'webhook_events_total',
      help: 'Gateway notifications, by gateway and status (received, duplicate, refused, then processed, ignored, failed)',
      labelNames: ['gateway', 'status'], registers });
    this.jobRuns = new Counter({ name: 'job_runs_total', help: 'Scheduled job runs, by job and outcome (ok, errors, failed, skipped)',
      labelNames: ['job', 'outcome'], registers });
    this.jobFailures = new Counter({ name: 'job_failures_total', help: 'Failed steps of scheduled jobs, and runs that failed as a whole',
      labelNames: ['job'], registers });
    this.poolGauge(db);
  }

  private poolGauge(db: Db): void {
    const pool = (db.client as { pool?: PoolLike }).pool;
    new Gauge({
      name: 'db_pool_connections', help: 'Database pool connections, by state (used, free, pending acquires)', labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const p = (db.client as { pool?: PoolLike }).pool ?? pool;
        if (!p) return;
        this.set({ state: 'used' }, p.numUsed());
        this.set({ state: 'free' }, p.numFree());
        this.set({ state: 'pending' }, p.numPendingAcquires());
      },
    });
  }

  /** One HTTP request answered in `seconds`. */
  request(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.requests.inc(labels);
    this.durations.observe(labels, seconds);
  }

  /** DownloadsObserver: a download ended or was refused (status 429: rate limited, 403: blocked). */
  downloadEnded(outcome: string, httpStatus: number, bytes: number): void {
    if (outcome === 'refused') this.downloadRefusals.inc({ reason: httpStatus === 403 ? 'blocked' : 'rate_limited' });
    else this.downloads.inc({ outcome });
    if (bytes > 0) this.downloadBytes.inc(bytes);
  }

  /** ValidationObserver: `valid`, or the refusal code. */
  validated(result: string): void {
    this.validations.inc({ result });
  }

  /** RechargeObserver: a key file sealed for `units` units. */
  sealed(units: number): void {
    this.keyFiles.inc();
    this.rechargeUnits.inc(units);
  }

  /** InboundObserver: a notification of `gateway` reached `status`. */
  webhook(gateway: string, status: string): void {
    this.webhooks.inc({ gateway, status });
  }

  /** RunObserver: a run of `job` ended; `failures`: its failed steps (or 1 for a run that threw). */
  runEnded(job: string, outcome: 'ok' | 'errors' | 'failed' | 'skipped', failures: number): void {
    this.jobRuns.inc({ job, outcome });
    if (failures > 0) this.jobFailures.inc({ job }, failures);
  }

  /** The exposition text (Prometheus text format 0.0.4) and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    if (!this.defaults) {
      this.defaults = true;
      collectDefaultMetrics({ register: this.registry });
    }
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
