/**
 * What the admin reads of `licenses` and their history
 * (`license_activations`, `license_heartbeats`): the searchable list and one
 * license with its activations and last heartbeats. The writes are
 * LicensesService's (src/licenses).
 */
import { toLicenseDetail, type ActivationKind, type LicenseDetail } from '../../licenses/index.js';
import type { Db } from '../../platform/db.js';
import { toDate } from '../../platform/time.js';
import { likePattern } from '../shared.js';

/** Sort keys of the list, default first (issued_at, newest first). */
export const LICENSE_SORTS = ['issued_at', 'expires_at', 'last_validated_at', 'email', 'machine_id'] as const;

export interface LicenseFilter {
  /** Search text over machine id, e-mail and public id ('' = none). */
  q: string;
  /** A product code or ''. */
  product: string;
  /** A state or ''. */
  state: string;
  /** A license type or ''. */
  type: string;
}

export interface Activation {
  machineId: string;
  kind: ActivationKind;
  ip: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

export interface Heartbeat {
  machineId: string;
  appVersion: string;
  osInfo: string;
  ip: string;
  createdAt: Date;
}

type Row = Record<string, unknown>;

export class AdminLicensesRepository {
  constructor(private readonly db: Db) {}

  private base() {
    return this.db('licenses as l').join('products as p', 'p.id', 'l.product_id');
  }

  private filtered(f: LicenseFilter) {
    const q = this.base();
    if (f.product) q.where('p.code', f.product);
    if (f.state) q.where('l.state', f.state);
    if (f.type) q.where('l.license_type', f.type);
    if (f.q) {
      const like = likePattern(f.q);
      q.where((w) => {
        for (const col of ['l.machine_id', 'l.email', 'l.public_id']) w.orWhereRaw(`lower(${col}) like ? escape '\\'`, [like]);
      });
    }
    return q;
  }

  /** Licenses matching `f`, sorted, `limit` from `offset`; and how many match in all. */
  async list(f: LicenseFilter, sort: string, dir: 'asc' | 'desc', limit: number, offset: number): Promise<{ rows: LicenseDetail[]; total: number }> {
    const [count] = (await this.filtered(f).count({ n: '*' })) as { n: unknown }[];
    const q = this.filtered(f).select('l.*', 'p.code as product_code', 'p.name as product_name');
    const d = dir === 'asc' ? 'asc' : 'desc';
    // Nulls last either way (lifetime licenses have no expiry; a new license was never validated).
    if (sort === 'expires_at' || sort === 'last_validated_at') q.orderByRaw(`case when l.${sort} is null then 1 else 0 end, l.${sort} ${d}`);
    else if (sort === 'email' || sort === 'machine_id') q.orderByRaw(`lower(l.${sort}) ${d}`);
    else q.orderBy('l.issued_at', d);
    const rows = (await q.orderBy('l.id', d).limit(limit).offset(offset)) as Row[];
    return { rows: rows.map(toLicenseDetail), total: Number(count?.n ?? 0) };
  }

  /** One license with its product. */
  async byId(id: number): Promise<LicenseDetail | null> {
    const row = (await this.base().where('l.id', id).first('l.*', 'p.code as product_code', 'p.name as product_name')) as Row | undefined;
    return row ? toLicenseDetail(row) : null;
  }

  /** The machines the license was activated on, first seen first. */
  async activations(licenseId: number): Promise<Activation[]> {
    const rows = (await this.db('license_activations').where({ license_id: licenseId }).orderBy('first_seen_at').orderBy('id')) as Row[];
    return rows.map((r) => ({
      machineId: String(r.machine_id), kind: String(r.kind) as ActivationKind, ip: String(r.ip ?? ''),
      firstSeenAt: toDate(r.first_seen_at), lastSeenAt: toDate(r.last_seen_at),
    }));
  }

  /** The last `limit` heartbeats, newest first. */
  async heartbeats(licenseId: number, limit = 50): Promise<Heartbeat[]> {
    const rows = (await this.db('license_heartbeats')
      .where({ license_id: licenseId })
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)) as Row[];
    return rows.map((r) => ({
      machineId: String(r.machine_id), appVersion: String(r.app_version ?? ''), osInfo: String(r.os_info ?? ''),
      ip: String(r.ip ?? ''), createdAt: toDate(r.created_at),
    }));
  }

  /** The shop order whose key created license `licenseId` (its activation code's batch), or null. */
  async orderOf(licenseId: number): Promise<number | null> {
    const r = (await this.db('licenses as l').join('activation_codes as c', 'c.id', 'l.activation_code_id')
      .join('orders as o', 'o.batch_id', 'c.batch_id').where('l.id', licenseId).first('o.id')) as { id?: unknown } | undefined;
    return r?.id ? Number(r.id) : null;
  }
}
