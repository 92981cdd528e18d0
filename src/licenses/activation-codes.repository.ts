/**
 * The `activation_batches` and `activation_codes` tables: the list of
 * batches with how many codes were used, one batch's codes (used by which
 * license, on which machine, when), the insertion of a batch with its codes,
 * and a code's lookup and single use at activation. Written only through
 * ActivationCodesService.
 */
import { insertedId, type Db } from '../platform/db.js';
import { toDate, toDateOrNull } from '../platform/time.js';
import { generateActivationCode } from './activation-code.js';
import type { PaidLicenseType } from './license-types.js';

/** Rows per INSERT (3 bound values each: far below SQLite's 999-variable limit). */
const CHUNK = 250;
/** Rounds of regeneration after unique collisions before giving up (a collision is ~2^-73 per code). */
const MAX_ROUNDS = 5;

export interface Batch {
  id: number;
  productId: number;
  productCode: string;
  productName: string;
  type: PaidLicenseType;
  /** null for lifetime. */
  durationDays: number | null;
  size: number;
  used: number;
  expiresAt: Date | null;
  note: string;
  createdByEmail: string | null;
  createdAt: Date;
}

export interface NewBatch {
  productId: number;
  type: PaidLicenseType;
  durationDays: number | null;
  size: number;
  expiresAt: Date | null;
  note: string;
  createdBy: number | null;
}

export interface CodeRow {
  code: string;
  usedAt: Date | null;
  machineId: string | null;
  licenseId: number | null;
  licensePublicId: string | null;
}

/** An activation code with its batch, as activation needs it. */
export interface CodeWithBatch {
  id: number;
  code: string;
  usedAt: Date | null;
  productId: number;
  licenseType: PaidLicenseType;
  durationDays: number | null;
  batchExpiresAt: Date | null;
}

type Row = Record<string, unknown>;

const USED_SQL = '(select count(*) from activation_codes c where c.batch_id = b.id and c.used_at is not null)';

function toBatch(r: Row): Batch {
  return {
    id: Number(r.id), productId: Number(r.product_id), productCode: String(r.product_code), productName: String(r.product_name),
    type: r.license_type as PaidLicenseType, durationDays: r.duration_days === null || r.duration_days === undefined ? null : Number(r.duration_days),
    size: Number(r.size), used: Number(r.used ?? 0), expiresAt: toDateOrNull(r.expires_at), note: String(r.note ?? ''),
    createdByEmail: (r.created_by_email as string | null) ?? null, createdAt: toDate(r.created_at),
  };
}

export class ActivationCodesRepository {
  constructor(private readonly db: Db) {}

  with(trx: Db): ActivationCodesRepository {
    return new ActivationCodesRepository(trx);
  }

  private batches() {
    return this.db('activation_batches as b').join('products as p', 'p.id', 'b.product_id').leftJoin('accounts as a', 'a.id', 'b.created_by')
      .select('b.*', 'p.code as product_code', 'p.name as product_name', 'a.email as created_by_email', this.db.raw(`${USED_SQL} as used`));
  }

  /** Batches, newest first, `limit` from `offset`; and how many in all. */
  async listBatches(limit: number, offset: number): Promise<{ rows: Batch[]; total: number }> {
    const [count] = (await this.db('activation_batches').count({ n: '*' })) as { n: unknown }[];
    const rows = (await this.batches().orderBy('b.id', 'desc').limit(limit).offset(offset)) as Row[];
    return { rows: rows.map(toBatch), total: Number(count?.n ?? 0) };
  }

  async batch(id: number): Promise<Batch | null> {
    const row = (await this.batches().where('b.id', id).first()) as Row | undefined;
    return row ? toBatch(row) : null;
  }

  /** A batch's codes in creation order; `used` true/false keeps only used/unused ones. */
  async codes(batchId: number, used: boolean | null, limit: number, offset: number): Promise<{ rows: CodeRow[]; total: number }> {
    const filtered = () => {
      const q = this.db('activation_codes as c').where('c.batch_id', batchId);
      if (used === true) q.whereNotNull('c.used_at');
      if (used === false) q.whereNull('c.used_at');
      return q;
    };
    const [count] = (await filtered().count({ n: '*' })) as { n: unknown }[];
    const rows = (await filtered().leftJoin('licenses as l', 'l.id', 'c.license_id')
      .select('c.code', 'c.used_at', 'c.machine_id', 'c.license_id', 'l.public_id').orderBy('c.id').limit(limit).offset(offset)) as Row[];
    return {
      total: Number(count?.n ?? 0),
      rows: rows.map((r) => ({
        code: String(r.code), usedAt: toDateOrNull(r.used_at), machineId: (r.machine_id as string | null) ?? null,
        licenseId: r.license_id === null || r.license_id === undefined ? null : Number(r.license_id), licensePublicId: (r.public_id as string | null) ?? null,
      })),
    };
  }

  /**
   * Insert a batch and `b.size` fresh codes (call inside a transaction).
   * A code that collides with an existing one is skipped by the insert
   * (`ON CONFLICT DO NOTHING`, which aborts nothing on PostgreSQL) and a new
   * one is drawn. @returns the batch id. @throws Error after MAX_ROUNDS rounds short of codes.
   */
  async insertBatch(b: NewBatch, now: Date): Promise<number> {
    const batchId = insertedId(await this.db('activation_batches').insert({
      product_id: b.productId, license_type: b.type, duration_days: b.durationDays, size: b.size,
      expires_at: b.expiresAt?.toISOString() ?? null, note: b.note, created_by: b.createdBy, created_at: now.toISOString(),
    }).returning('id'));
    let missing = b.size;
    for (let round = 0; missing > 0; round++) {
      if (round >= MAX_ROUNDS) throw new Error(`could not draw ${b.size} unique activation codes`);
      const fresh = new Set<string>();
      while (fresh.size < missing) fresh.add(generateActivationCode());
      const all = [...fresh];
      for (let i = 0; i < all.length; i += CHUNK) {
        await this.db('activation_codes').insert(all.slice(i, i + CHUNK).map((code) => ({ batch_id: batchId, code }))).onConflict('code').ignore();
      }
      const [count] = (await this.db('activation_codes').where({ batch_id: batchId }).count({ n: '*' })) as { n: unknown }[];
      missing = b.size - Number(count?.n ?? 0);
    }
    return batchId;
  }

  /** Refuse the batch's codes from `now` on (expires_at moved to now, never later than it was). */
  async closeBatch(batchId: number, now: Date): Promise<void> {
    await this.db('activation_batches').where({ id: batchId })
      .where((w) => w.whereNull('expires_at').orWhere('expires_at', '>', now.toISOString())).update({ expires_at: now.toISOString() });
  }

  /**
   * The licenses the batch's codes created, a key's earlier license included (released, then activated again): a refund
   * revokes them all, a renewal extends them all (the next activation of a released key takes its last license's expiry).
   */
  async licensesOfBatch(batchId: number): Promise<number[]> {
    const rows = (await this.db('licenses as l').join('activation_codes as c', 'c.id', 'l.activation_code_id').where('c.batch_id', batchId)
      .orderBy('l.id').select('l.id')) as { id: unknown }[];
    return rows.map((r) => Number(r.id));
  }

  /** An activation code (canonical form) with its batch, or null. */
  async codeWithBatch(code: string): Promise<CodeWithBatch | null> {
    const r = (await this.db('activation_codes as c').join('activation_batches as b', 'b.id', 'c.batch_id').where('c.code', code)
      .first('c.id', 'c.code', 'c.used_at', 'b.product_id', 'b.license_type', 'b.duration_days', 'b.expires_at as batch_expires_at')) as Row | undefined;
    if (!r) return null;
    return {
      id: Number(r.id), code: String(r.code), usedAt: toDateOrNull(r.used_at), productId: Number(r.product_id),
      licenseType: String(r.license_type) as PaidLicenseType,
      durationDays: r.duration_days === null || r.duration_days === undefined ? null : Number(r.duration_days),
      batchExpiresAt: toDateOrNull(r.batch_expires_at),
    };
  }

  /** Mark a code used by `machineId` unless it already is; false when another use won. */
  async useCode(id: number, machineId: string, now: Date): Promise<boolean> {
    const n = await this.db('activation_codes').where({ id }).whereNull('used_at').update({ used_at: now.toISOString(), machine_id: machineId });
    return Number(n) === 1;
  }

  /** Make code `id` usable again (its license released from its machine): not used, no machine, no license. */
  async reopenCode(id: number): Promise<boolean> {
    return Number(await this.db('activation_codes').where({ id }).update({ used_at: null, machine_id: null, license_id: null })) === 1;
  }

  /** Record which license a used code created. */
  async linkCode(id: number, licenseId: number): Promise<void> {
    await this.db('activation_codes').where({ id }).update({ license_id: licenseId });
  }
}
