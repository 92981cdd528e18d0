/**
 * The ownership change of an installation (an admin's transfer): the rows it
 * locks and the guarded update. Written only through InstallationsService.
 */
import { isSqlite, type Db } from '../platform/db.js';

export class InstallationOwnersRepository {
  constructor(private readonly db: Db) {}

  /** The same repository inside a transaction. */
  with(trx: Db): InstallationOwnersRepository {
    return new InstallationOwnersRepository(trx);
  }

  /**
   * The state of partner account `id` (null: no such partner), its row locked
   * until the transaction ends on PostgreSQL (SQLite transactions are serialised).
   */
  async partnerStateForUpdate(id: number): Promise<string | null> {
    const q = this.db('accounts').where({ id, role: 'partner' });
    if (!isSqlite(this.db)) q.forUpdate();
    const row = (await q.first('state')) as { state: unknown } | undefined;
    return row ? String(row.state) : null;
  }

  /** The owner (partner id) of installation `id`, its row locked like the account's; null when there is none. */
  async ownerForUpdate(id: number): Promise<number | null> {
    const q = this.db('installations').where({ id });
    if (!isSqlite(this.db)) q.forUpdate();
    const row = (await q.first('partner_id')) as { partner_id: unknown } | undefined;
    return row ? Number(row.partner_id) : null;
  }

  /** Move installation `id` from `fromId` to `toId`; false when its owner is not `fromId` any more. */
  async setOwner(id: number, fromId: number, toId: number, now: Date): Promise<boolean> {
    const n = await this.db('installations').where({ id, partner_id: fromId }).update({ partner_id: toId, updated_at: now.toISOString() });
    return Number(n) === 1;
  }
}
