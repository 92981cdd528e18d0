/**
 * An admin's transfer of an installation to another partner, in one
 * transaction with its audit row (`installation.transferred`). The
 * installation moves alone: its past recharges stay with the partner who
 * paid for them; from then on the new owner recharges it and the old one is
 * refused ("owned by another partner").
 *
 * Lock order: the receiving account's row first, then the installation's,
 * the order RechargeService.confirm takes them in (account, then
 * installation), so a transfer and a recharge cannot deadlock.
 */
import type { Actor, AuditService } from '../audit/index.js';
import { ConflictError, ERR } from '../errors/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import { InstallationOwnersRepository } from './installation-owners.repository.js';

export interface InstallationsServiceDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
}

/** What a transfer moves and where, as the admin saw it (the audit row keeps these facts). */
export interface Transfer {
  installation: { id: number; code: string; customer: string; partnerId: number; ownerEmail: string };
  to: { id: number; email: string };
  reason: string;
}

export class InstallationsService {
  private readonly repo: InstallationOwnersRepository;

  constructor(private readonly deps: InstallationsServiceDeps) {
    this.repo = new InstallationOwnersRepository(deps.db);
  }

  /**
   * Give `t.installation` to partner `t.to`.
   * @throws ConflictError TARGET_INACTIVE (the receiving account is not an
   *   active partner any more), OWNER_CHANGED (the installation changed owner
   *   since the admin saw it, or is gone); nothing is written then.
   */
  async transfer(t: Transfer, actor: Actor): Promise<void> {
    const { installation: inst, to } = t;
    await this.deps.db.transaction(async (trx) => {
      const repo = this.repo.with(trx);
      if ((await repo.partnerStateForUpdate(to.id)) !== 'active') throw new ConflictError('target not active', ERR.TARGET_INACTIVE);
      const changed = () => new ConflictError('owner changed meanwhile', ERR.OWNER_CHANGED);
      if ((await repo.ownerForUpdate(inst.id)) !== inst.partnerId) throw changed();
      if (!(await repo.setOwner(inst.id, inst.partnerId, to.id, this.deps.clock.now()))) throw changed();
      await this.deps.audit.record(trx, actor, 'installation.transferred', { type: 'installation', id: inst.id },
        { code: `${inst.code.slice(0, 10)}…`, customer: inst.customer, before: inst.ownerEmail, after: to.email, reason: t.reason });
    });
  }
}
