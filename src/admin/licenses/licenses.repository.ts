/**
 * The admin's reads and writes of `licenses` and their history
 * (`license_activations`, `license_heartbeats`): the searchable list, one
 * license with its activations and last heartbeats, and the guarded state and
 * expiry changes (each an `UPDATE … WHERE` the expected state or expiry, so two
 * admins acting at once cannot both win).
 */
import { isSqlite, type Db } from '../../platform/db.js';
import { toDate, toDateOrNull } from '../../platform/time.js';
import { likePattern } from '../shared.js';

export const LICENSE_STATES = ['active', 'suspended', 'revoked'] as const;
export type LicenseState = (typeof LICENSE_STATES)[number];
export const LICENSE_TYPES = ['trial', 'monthly', 'annual', 'lifetime'] as const;
export type LicenseType = (typeof LICENSE_TYPES)[number];
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

export interface License {
  id: number;
  publicId: string;
  productId: number;
  productCode: string;
  productName: string;
  machineId: string;
  email: string;
  type: LicenseType;
  state: LicenseState;
  stateReason: string | null;
  stateChangedAt: Date | null;
  issuedAt: Date;
  /** null: lifetime. */
  expiresAt: Date | null;
  activationCodeId: number | null;
  appVersion: string;
  osInfo: string;
  ip: string;
  lastValidatedAt: Date | null;
  lastHeartbeatAt: Date | null;
  createdAt: Date;
}

export interface Activation {
  machineId: string;
  kind: string;
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

function toLicense(r: Row): License {
  return {
    id: Number(r.id), publicId: String(r.public_id), productId: Number(r.product_id), productCode: String(r.product_code), productName: String(r.product_name),
    machineId: String(r.machine_id), email: String(r.email), type: r.license_type as LicenseType, state: r.state as LicenseState,
    stateReason: (r.state_reason as string | null) ?? null, stateChangedAt: toDateOrNull(r.state_changed_at), issuedAt: toDate(r.issued_at),
    expiresAt: toDateOrNull(r.expires_at), activationCodeId: r.activation_code_id === null || r.activation_code_id === undefined ? null : Number(r.activation_code_id),
    appVersion: String(r.app_version ?? ''), osInfo: String(r.os_info ?? ''), ip: String(r.ip ?? ''),
    lastValidatedAt: toDateOrNull(r.last_validated_at), lastHeartbeatAt: toDateOrNull(r.last_heartbeat_at), createdAt: toDate(r.created_at),
  };
}

export class AdminLicensesRepository {
  constructor(private readonly db: Db) {}

  with(trx: Db): AdminLicensesRepository {
    return new AdminLicensesRepository(trx);
  }

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
  async list(f: LicenseFilter, sort: string, dir: 'asc' | 'desc', limit: number, offset: number): Promise<{ rows: License[]; total: number }> {
    const [count] = (await this.filtered(f).count({ n: '*' })) as { n: unknown }[];
    const q = this.filtered(f).select('l.*', 'p.code as product_code', 'p.name as product_name');
    const d = dir === 'asc' ? 'asc' : 'desc';
    // Nulls last either way (lifetime licenses have no expiry; a new license was never validated).
    if (sort === 'expires_at' || sort === 'last_validated_at') q.orderByRaw(`case when l.${sort} is null then 1 else 0 end, l.${sort} ${d}`);
    else if (sort === 'email' || sort === 'machine_id') q.orderByRaw(`lower(l.${sort}) ${d}`);
    else q.orderBy('l.issued_at', d);
    const rows = (await q.orderBy('l.id', d).limit(limit).offset(offset)) as Row[];
    return { rows: rows.map(toLicense), total: Number(count?.n ?? 0) };
  }

  /** One license with its product; `lock` takes a row lock on PostgreSQL (inside a transaction). */
  async byId(id: number, lock = false): Promise<License | null> {
    const q = this.base().where('l.id', id).first('l.*', 'p.code as product_code', 'p.name as product_name');
    if (lock && !isSqlite(this.db)) q.forUpdate('l');
    const row = (await q) as Row | undefined;
    return row ? toLicense(row) : null;
  }

  /** The machines the license was activated on, first seen first. */
  async activations(licenseId: number): Promise<Activation[]> {
    const rows = (await this.db('license_activations').where({ license_id: licenseId }).orderBy('first_seen_at').orderBy('id')) as Row[];
    return rows.map((r) => ({
      machineId: String(r.machine_id), kind: String(r.kind), ip: String(r.ip ?? ''), firstSeenAt: toDate(r.first_seen_at), lastSeenAt: toDate(r.last_seen_at),
    }));
  }

  /** The last `limit` heartbeats, newest first. */
  async heartbeats(licenseId: number, limit = 50): Promise<Heartbeat[]> {
    const rows = (await this.db('license_heartbeats').where({ license_id: licenseId }).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit)) as Row[];
    return rows.map((r) => ({
      machineId: String(r.machine_id), appVersion: String(r.app_version ?? ''), osInfo: String(r.os_info ?? ''), ip: String(r.ip ?? ''), createdAt: toDate(r.created_at),
    }));
  }

  /** Move license `id` from one of `from` to `to` with `reason`; false when it was in none of them. */
  async transition(id: number, from: readonly LicenseState[], to: LicenseState, reason: string | null, now: Date): Promise<boolean> {
    const at = now.toISOString();
    const n = await this.db('licenses').where({ id }).whereIn('state', [...from]).update({ state: to, state_reason: reason, state_changed_at: at, updated_at: at });
    return Number(n) === 1;
  }

  /** Set a new expiry on a license that has one (not lifetime). */
  async setExpiry(id: number, expiresAt: Date, now: Date): Promise<boolean> {
    const n = await this.db('licenses').where({ id }).whereNotNull('expires_at').whereNot('license_type', 'lifetime')
      .update({ expires_at: expiresAt.toISOString(), updated_at: now.toISOString() });
    return Number(n) === 1;
  }
}
