/**
 * The only writer of `activation_batches` and `activation_codes`: the admin
 * generates a batch (the batch, its codes and the audit row
 * `activation_batch.created` in one transaction), and activation
 * (LicensesService.activate) uses a code inside its own transaction through
 * `use` and `link`, which take that transaction.
 */
import type { Actor, AuditService } from '../audit/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import { ActivationCodesRepository, type Batch, type CodeRow, type CodeWithBatch } from './activation-codes.repository.js';
import type { PaidLicenseType } from './license-types.js';
import type { Product } from './products.repository.js';

export interface ActivationCodesServiceDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
}

/** What the admin asks for: `count` codes of `product`, each giving a license of `type`. */
export interface BatchRequest {
  product: Pick<Product, 'id' | 'code'>;
  type: PaidLicenseType;
  /** Days a license from these codes lasts; null for lifetime. */
  durationDays: number | null;
  count: number;
  /** Codes are refused after this instant; null: never. */
  expiresAt: Date | null;
  note: string;
}

export class ActivationCodesService {
  private readonly repo: ActivationCodesRepository;

  constructor(private readonly deps: ActivationCodesServiceDeps) {
    this.repo = new ActivationCodesRepository(deps.db);
  }

  /** Batches, newest first, `limit` from `offset`; and how many in all. */
  listBatches(limit: number, offset: number): Promise<{ rows: Batch[]; total: number }> {
    return this.repo.listBatches(limit, offset);
  }

  batch(id: number): Promise<Batch | null> {
    return this.repo.batch(id);
  }

  /** A batch's codes in creation order; `used` true/false keeps only used/unused ones. */
  codes(batchId: number, used: boolean | null, limit: number, offset: number): Promise<{ rows: CodeRow[]; total: number }> {
    return this.repo.codes(batchId, used, limit, offset);
  }

  /** Generate a batch and its codes (audit `activation_batch.created`). @returns the batch id. */
  async createBatch(b: BatchRequest, actor: Actor): Promise<number> {
    return this.deps.db.transaction((trx) => this.createBatchIn(trx, b, actor));
  }

  /** createBatch in the caller's transaction `trx` (an order paid: its license keys). @returns the batch id. */
  async createBatchIn(trx: Db, b: BatchRequest, actor: Actor): Promise<number> {
    const id = await this.repo.with(trx).insertBatch({
      productId: b.product.id, type: b.type, durationDays: b.durationDays, size: b.count, expiresAt: b.expiresAt, note: b.note, createdBy: actor.id,
    }, this.deps.clock.now());
    const details = { count: b.count, product: b.product.code, type: b.type, days: b.durationDays, until_at: b.expiresAt?.toISOString() ?? null };
    await this.deps.audit.record(trx, actor, 'activation_batch.created', { type: 'activation_batch', id }, details);
    return id;
  }

  /**
   * In the caller's transaction `trx`: refuse the batch's unused codes from now on (its order refunded); audit
   * `activation_batch.closed`. @returns the licenses its used codes created (to revoke).
   */
  async closeBatchIn(trx: Db, batchId: number, reason: string, actor: Actor): Promise<number[]> {
    const repo = this.repo.with(trx);
    await repo.closeBatch(batchId, this.deps.clock.now());
    await this.deps.audit.record(trx, actor, 'activation_batch.closed', { type: 'activation_batch', id: batchId }, { reason });
    return repo.licensesOfBatch(batchId);
  }

  /** In `trx`: the licenses the batch's used codes created (an order renewed: the licenses to extend). */
  licensesOfBatchIn(trx: Db, batchId: number): Promise<number[]> {
    return this.repo.with(trx).licensesOfBatch(batchId);
  }

  /** An activation code (canonical form) with its batch, or null. */
  lookup(code: string): Promise<CodeWithBatch | null> {
    return this.repo.codeWithBatch(code);
  }

  /** In the caller's transaction `trx`: mark code `id` used by `machineId`; false when another use won. */
  use(trx: Db, id: number, machineId: string, now: Date): Promise<boolean> {
    return this.repo.with(trx).useCode(id, machineId, now);
  }

  /**
   * In the caller's transaction `trx`: make code `id` usable again (LicensesService.releaseActivation: the license it
   * created was revoked when its machine was released). @returns false when the code is gone.
   */
  reopen(trx: Db, id: number): Promise<boolean> {
    return this.repo.with(trx).reopenCode(id);
  }

  /** In the caller's transaction `trx`: record the license a used code created. */
  link(trx: Db, id: number, licenseId: number): Promise<void> {
    return this.repo.with(trx).linkCode(id, licenseId);
  }
}
