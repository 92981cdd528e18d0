/**
 * The only writer of `download_blocks`, the client IPs the public download
 * routes refuse: an admin blocks or unblocks an IP, each change in one
 * transaction with its audit row (`download.ip_blocked`,
 * `download.ip_unblocked`), then DownloadsService's cached copy of the list
 * is dropped (`changed`), so this instance refuses or serves the IP at once.
 */
import type { Actor, AuditService } from '../audit/index.js';
import { ConflictError, ERR } from '../errors/index.js';
import type { Clock } from '../platform/clock.js';
import { isUniqueViolation, type Db } from '../platform/db.js';
import { DownloadBlocksRepository, type DownloadBlock } from './download-blocks.repository.js';

export interface DownloadBlocksDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  /** Called after each committed change (DownloadsService.blocksChanged). */
  changed: () => void;
}

export class DownloadBlocksService {
  private readonly repo: DownloadBlocksRepository;

  constructor(private readonly deps: DownloadBlocksDeps) {
    this.repo = new DownloadBlocksRepository(deps.db);
  }

  /** Every block, newest first, with its creator's e-mail. */
  list(): Promise<DownloadBlock[]> {
    return this.repo.list();
  }

  /** Every blocked IP (canonical text). */
  allIps(): Promise<string[]> {
    return this.repo.allIps();
  }

  byId(id: number): Promise<DownloadBlock | null> {
    return this.repo.byId(id);
  }

  /** The block of `ip` (canonical text), or null. */
  byIp(ip: string): Promise<DownloadBlock | null> {
    return this.repo.byIp(ip);
  }

  /**
   * Block `ip` (canonical text, canonicalIp) for `reason`. @returns the block's id.
   * @throws ConflictError IP_ALREADY_BLOCKED (also when another admin blocked it meanwhile).
   */
  async block(ip: string, reason: string, actor: Actor): Promise<number> {
    const already = () => new ConflictError('already blocked', ERR.IP_ALREADY_BLOCKED);
    let id: number;
    try {
      id = await this.deps.db.transaction(async (trx) => {
        const repo = this.repo.with(trx);
        if (await repo.byIp(ip)) throw already();
        const newId = await repo.insert({ ip, reason, createdBy: actor.id }, this.deps.clock.now());
        await this.deps.audit.record(trx, actor, 'download.ip_blocked', { type: 'download_block', id: newId }, { ip, reason });
        return newId;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw already();
      throw err;
    }
    this.deps.changed();
    return id;
  }

  /** Lift `block` (audit row with its IP and reason). @returns false when it was already gone (nothing written). */
  async unblock(block: DownloadBlock, actor: Actor): Promise<boolean> {
    const done = await this.deps.db.transaction(async (trx) => {
      if (!(await this.repo.with(trx).delete(block.id))) return false;
      await this.deps.audit.record(trx, actor, 'download.ip_unblocked', { type: 'download_block', id: block.id }, { ip: block.ip, reason: block.reason });
      return true;
    });
    this.deps.changed();
    return done;
  }
}
