/**
 * What the license admin pages read (nothing here writes): the searchable
 * list, one license with its activations and last heartbeats, and the
 * per-product statistics. The writes go through LicensesService,
 * ProductsService and ActivationCodesService (src/licenses).
 */
import type { LicenseDetail, ProductsService } from '../../licenses/index.js';
import type { Db } from '../../platform/db.js';
import { AdminLicensesRepository, type Activation, type Heartbeat, type LicenseFilter } from './licenses.repository.js';
import { LicenseStatsRepository } from './stats.repository.js';

/** One product's line of the statistics. */
export interface ProductStats {
  code: string;
  name: string;
  activeTrials: number;
  paidActive: number;
  /** Distinct machines that had a trial. */
  trialMachines: number;
  /** Of those, the ones with a paid license of the product issued at or after the trial. */
  converted: number;
  /** converted ÷ trialMachines × 100, one decimal; null without trials. */
  conversionPercent: number | null;
  /** Validations per day, aligned with the `days` asked for. */
  validations: number[];
  failures: number[];
}

export class LicenseReports {
  private readonly repo: AdminLicensesRepository;
  private readonly stats: LicenseStatsRepository;

  constructor(db: Db, private readonly products: ProductsService) {
    this.repo = new AdminLicensesRepository(db);
    this.stats = new LicenseStatsRepository(db);
  }

  /** Licenses matching `f`, sorted (`sort` one of LICENSE_SORTS), `limit` from `offset`; and how many match. */
  list(f: LicenseFilter, sort: string, dir: 'asc' | 'desc', limit: number, offset: number): Promise<{ rows: LicenseDetail[]; total: number }> {
    return this.repo.list(f, sort, dir, limit, offset);
  }

  byId(id: number): Promise<LicenseDetail | null> {
    return this.repo.byId(id);
  }

  /** The shop order a license comes from (its key's order), or null. */
  orderOf(licenseId: number): Promise<number | null> {
    return this.repo.orderOf(licenseId);
  }

  /** The machines of a license (first seen first) and its last `heartbeats` heartbeats (newest first). */
  async history(licenseId: number, heartbeats: number): Promise<{ activations: Activation[]; heartbeats: Heartbeat[] }> {
    const [a, h] = await Promise.all([this.repo.activations(licenseId), this.repo.heartbeats(licenseId, heartbeats)]);
    return { activations: a, heartbeats: h };
  }

  /** Per product (by code): trials and paid licenses in force at `now`, conversion, validations on each of `days` (UTC `YYYY-MM-DD`). */
  async perProduct(now: Date, days: string[]): Promise<ProductStats[]> {
    const [all, trials, paid, machines, converted, perDay] = await Promise.all([
      this.products.list(), this.stats.activeTrials(now), this.stats.paidActive(now), this.stats.trialMachines(), this.stats.convertedMachines(),
      this.stats.validationsPerDay(days[0] ?? ''),
    ]);
    return all.map((p) => {
      const trialMachines = machines.get(p.id) ?? 0;
      const conv = converted.get(p.id) ?? 0;
      return {
        code: p.code, name: p.name, activeTrials: trials.get(p.id) ?? 0, paidActive: paid.get(p.id) ?? 0, trialMachines, converted: conv,
        conversionPercent: trialMachines === 0 ? null : Math.round((conv / trialMachines) * 1000) / 10,
        validations: days.map((d) => perDay.get(`${p.id}|${d}`)?.validations ?? 0),
        failures: days.map((d) => perDay.get(`${p.id}|${d}`)?.failures ?? 0),
      };
    });
  }
}
