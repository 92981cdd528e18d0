/**
 * Per-product license figures for /admin/licenses/stats, each one grouped
 * query (no license row is loaded to be counted in JavaScript).
 */
import { PAID_LICENSE_TYPES } from '../../licenses/index.js';
import type { Db } from '../../platform/db.js';

/** product id → count. */
export type PerProduct = Map<number, number>;

export class LicenseStatsRepository {
  constructor(private readonly db: Db) {}

  private static toMap(rows: { product_id: unknown; n: unknown }[]): PerProduct {
    return new Map(rows.map((r) => [Number(r.product_id), Number(r.n)]));
  }

  /** Trials in state active that have not expired at `now`. */
  async activeTrials(now: Date): Promise<PerProduct> {
    const rows = (await this.db('licenses').where({ license_type: 'trial', state: 'active' }).where('expires_at', '>', now.toISOString())
      .groupBy('product_id').select('product_id').count({ n: '*' })) as { product_id: unknown; n: unknown }[];
    return LicenseStatsRepository.toMap(rows);
  }

  /** Paid licenses (monthly, annual, lifetime) in state active, lifetime or not expired at `now`. */
  async paidActive(now: Date): Promise<PerProduct> {
    const rows = (await this.db('licenses').whereIn('license_type', [...PAID_LICENSE_TYPES]).where('state', 'active')
      .where((w) => { w.whereNull('expires_at').orWhere('expires_at', '>', now.toISOString()); })
      .groupBy('product_id').select('product_id').count({ n: '*' })) as { product_id: unknown; n: unknown }[];
    return LicenseStatsRepository.toMap(rows);
  }

  /** Distinct machines that had a trial (any state, expired or not). */
  async trialMachines(): Promise<PerProduct> {
    const rows = (await this.db('licenses').where('license_type', 'trial').groupBy('product_id').select('product_id')
      .countDistinct({ n: 'machine_id' })) as { product_id: unknown; n: unknown }[];
    return LicenseStatsRepository.toMap(rows);
  }

  /** Distinct machines that had a trial and, issued at or after it, a paid license of the same product. */
  async convertedMachines(): Promise<PerProduct> {
    const rows = (await this.db('licenses as t').where('t.license_type', 'trial')
      .whereExists((q) => {
        q.select(this.db.raw('1')).from('licenses as p').whereRaw('p.product_id = t.product_id').whereRaw('p.machine_id = t.machine_id')
          .whereIn('p.license_type', [...PAID_LICENSE_TYPES]).whereRaw('p.issued_at >= t.issued_at');
      })
      .groupBy('t.product_id').select('t.product_id').countDistinct({ n: 't.machine_id' })) as { product_id: unknown; n: unknown }[];
    return LicenseStatsRepository.toMap(rows);
  }

  /** Validations and failures per product and UTC day (`YYYY-MM-DD`) from `firstDay` on: `${productId}|${day}` → counts. */
  async validationsPerDay(firstDay: string): Promise<Map<string, { validations: number; failures: number }>> {
    const rows = (await this.db('license_validation_days').where('day', '>=', firstDay)
      .select('product_id', 'day', 'validations', 'failures')) as { product_id: unknown; day: string; validations: unknown; failures: unknown }[];
    return new Map(rows.map((r) => [`${Number(r.product_id)}|${r.day}`, { validations: Number(r.validations), failures: Number(r.failures) }]));
  }
}
