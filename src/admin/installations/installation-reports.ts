/**
 * What /admin/installations reads (nothing here writes: a transfer is
 * InstallationsService.transfer in src/recharge): the list, one installation
 * with its owner and recharges, and the partner a transfer names.
 */
import type { Db } from '../../platform/db.js';
import { RechargeReports } from '../recharges/recharge-reports.js';
import type { AdminRecharge } from '../recharges/recharges.repository.js';
import { AdminInstallationsRepository, type InstallationFilter, type InstallationRow, type PartnerRef } from './installations.repository.js';

export class InstallationReports {
  private readonly repo: AdminInstallationsRepository;
  private readonly recharges: RechargeReports;

  constructor(db: Db) {
    this.repo = new AdminInstallationsRepository(db);
    this.recharges = new RechargeReports(db);
  }

  count(f: InstallationFilter): Promise<number> {
    return this.repo.count(f);
  }

  /** A page of the list; `sort` one of INSTALLATION_SORTS. */
  list(f: InstallationFilter, sort: string, dir: 'asc' | 'desc', limit: number, offset: number): Promise<InstallationRow[]> {
    return this.repo.list(f, sort, dir, limit, offset);
  }

  byId(id: number): Promise<InstallationRow | null> {
    return this.repo.byId(id);
  }

  /** The latest `limit` recharges of an installation, newest first, and how many it has. */
  async rechargesOf(installationId: number, limit: number): Promise<{ rows: AdminRecharge[]; total: number }> {
    const filter = { installationId };
    const [rows, total] = await Promise.all([this.recharges.list(filter, 'issued', 'desc', limit, 0), this.recharges.count(filter)]);
    return { rows, total };
  }

  /** A partner account by e-mail (any case) or public reference (`PTN-0001`); null when there is none. */
  partnerByEmailOrRef(text: string): Promise<PartnerRef | null> {
    return this.repo.partnerByEmailOrRef(text);
  }
}
