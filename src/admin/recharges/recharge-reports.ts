/**
 * What the admin pages read of the recharges (nothing here writes: a
 * revocation is RechargeService.revoke): filtered pages and one recharge
 * with its partner and installation.
 */
import type { Db } from '../../platform/db.js';
import { AdminRechargesRepository, type AdminRecharge, type AdminRechargeFilter } from './recharges.repository.js';

export class RechargeReports {
  private readonly repo: AdminRechargesRepository;

  constructor(db: Db) {
    this.repo = new AdminRechargesRepository(db);
  }

  /** A page of recharges matching `f`; `sort` one of RECHARGE_SORTS. */
  list(f: AdminRechargeFilter, sort: string, dir: 'asc' | 'desc', limit: number, offset: number): Promise<AdminRecharge[]> {
    return this.repo.list(f, sort, dir, limit, offset);
  }

  count(f: AdminRechargeFilter): Promise<number> {
    return this.repo.count(f);
  }

  /** One recharge by id (a UUID), or null. */
  byId(id: string): Promise<AdminRecharge | null> {
    return this.repo.byId(id);
  }
}
