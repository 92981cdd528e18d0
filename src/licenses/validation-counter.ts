/**
 * Validations per product and UTC day, counted in memory and added to
 * `license_validation_days` in batches (one upsert per product and day),
 * every `intervalMs` (unref'd timer) and on `close()`; never one write per
 * validation. The licenses validated since the last flush get their
 * `last_validated_at` set to the flush time in the same pass, unless it is
 * already less than TOUCH_RESOLUTION_MS (one hour) old: that column is the
 * last validation to within an hour, and a license validated many times an
 * hour costs one row write an hour, not one per flush (under a steady load
 * most validated licenses are the same ones flush after flush, and each
 * rewrite is a random page of the table: rewriting them all at every flush
 * takes throughput from the validations and lengthens their slowest answers).
 *
 * A failed flush keeps its counts for the next one (logged as a warning).
 */
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { LicenseRow, LicensesRepository } from './licenses.repository.js';

export const FLUSH_INTERVAL_MS = 10_000;
/** How stale `last_validated_at` may get before a validation rewrites it, ms (one hour). */
export const TOUCH_RESOLUTION_MS = 3_600_000;

interface Counts {
  productId: number;
  day: string;
  validations: number;
  failures: number;
}

export class ValidationCounter {
  private counts = new Map<string, Counts>();
  private validated = new Set<number>();
  private timer: NodeJS.Timeout | null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly repo: LicensesRepository, private readonly clock: Clock, private readonly logger: Logger, intervalMs = FLUSH_INTERVAL_MS) {
    this.timer = setInterval(() => { void this.flush(); }, intervalMs);
    this.timer.unref();
  }

  /**
   * Count one validation of `license` (of product `productId`) at `now`; `ok`
   * false counts a failure too. Its last_validated_at is rewritten at the next
   * flush unless it is under TOUCH_RESOLUTION_MS old.
   */
  count(productId: number, license: Pick<LicenseRow, 'id' | 'lastValidatedAt'>, now: Date, ok: boolean): void {
    const day = now.toISOString().slice(0, 10);
    const key = `${productId}|${day}`;
    let c = this.counts.get(key);
    if (!c) {
      c = { productId, day, validations: 0, failures: 0 };
      this.counts.set(key, c);
    }
    c.validations += 1;
    if (!ok) c.failures += 1;
    const last = license.lastValidatedAt?.getTime();
    if (last === undefined || now.getTime() - last >= TOUCH_RESOLUTION_MS) this.validated.add(license.id);
  }

  /** Write what was counted since the last flush (flushes run one after the other). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (!this.counts.size && !this.validated.size) return;
    const counts = [...this.counts.values()];
    const ids = [...this.validated];
    this.counts = new Map();
    this.validated = new Set();
    try {
      await this.repo.addValidationDays(counts);
    } catch (err) {
      for (const c of counts) {
        const key = `${c.productId}|${c.day}`;
        const now = this.counts.get(key);
        if (now) {
          now.validations += c.validations;
          now.failures += c.failures;
        } else this.counts.set(key, c);
      }
      this.logger.warn({ err }, 'license validation counts not written; kept for the next flush');
    }
    try {
      await this.repo.touchValidated(ids, this.clock.now());
    } catch (err) {
      this.logger.warn({ err }, 'licenses last_validated_at not written');
    }
  }

  /** Stop the timer and write what is left. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}
