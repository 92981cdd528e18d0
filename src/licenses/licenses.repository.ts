/**
 * The licenses and their history: licenses, license_activations,
 * license_heartbeats, license_releases and license_validation_days (batched additions).
 * Written only through LicensesService (products: products.repository.ts;
 * activation codes: activation-codes.repository.ts; what the admin pages
 * search: src/admin/licenses/licenses.repository.ts).
 *
 * Timestamps are written as ISO strings and read back as Dates; numbers are
 * wrapped in Number() (PostgreSQL may answer strings for counts).
 */
import type { LicenseType } from '../crypto/index.js';
import { insertedId, isSqlite, type Db } from '../platform/db.js';
import { toDate, toDateOrNull } from '../platform/time.js';
import type { LicenseState } from './license-types.js';
import type { KeyedQuery, SqliteReaders } from './sqlite-readers.js';

export type { LicenseState, PaidLicenseType } from './license-types.js';
export type { Product } from './products.repository.js';

/** A license row (what validation and the token need). `expiresAt` null = lifetime. */
export interface LicenseRow {
  id: number;
  publicId: string;
  productId: number;
  machineId: string;
  email: string;
  licenseType: LicenseType;
  state: LicenseState;
  stateReason: string | null;
  issuedAt: Date;
  expiresAt: Date | null;
  /** When a validation last wrote it (ValidationCounter: to within TOUCH_RESOLUTION_MS); null if never. */
  lastValidatedAt: Date | null;
}

/** What a new license is made of. */
export interface NewLicense {
  publicId: string;
  productId: number;
  machineId: string;
  email: string;
  licenseType: LicenseType;
  issuedAt: Date;
  expiresAt: Date | null;
  activationCodeId: number | null;
  appVersion: string;
  ip: string;
}

type Row = Record<string, unknown>;

const LICENSE_COLUMNS = 'id, public_id, product_id, machine_id, email, license_type, state, state_reason, issued_at, expires_at, last_validated_at';

/** A license as the admin pages show it: the row, its product and what the API recorded last. */
export interface LicenseDetail extends LicenseRow {
  productCode: string;
  productName: string;
  stateChangedAt: Date | null;
  activationCodeId: number | null;
  appVersion: string;
  osInfo: string;
  ip: string;
  lastHeartbeatAt: Date | null;
  createdAt: Date;
}

export function toLicense(r: Row): LicenseRow {
  return {
    id: Number(r.id),
    publicId: String(r.public_id),
    productId: Number(r.product_id),
    machineId: String(r.machine_id),
    email: String(r.email),
    licenseType: String(r.license_type) as LicenseType,
    state: String(r.state) as LicenseState,
    stateReason: r.state_reason === null || r.state_reason === undefined ? null : String(r.state_reason),
    issuedAt: toDate(r.issued_at),
    expiresAt: toDateOrNull(r.expires_at),
    lastValidatedAt: toDateOrNull(r.last_validated_at),
  };
}

/** A licenses row joined with its product (`product_code`, `product_name`). */
export function toLicenseDetail(r: Row): LicenseDetail {
  return {
    ...toLicense(r),
    productCode: String(r.product_code), productName: String(r.product_name), stateChangedAt: toDateOrNull(r.state_changed_at),
    activationCodeId: r.activation_code_id === null || r.activation_code_id === undefined ? null : Number(r.activation_code_id),
    appVersion: String(r.app_version ?? ''), osInfo: String(r.os_info ?? ''), ip: String(r.ip ?? ''),
    lastHeartbeatAt: toDateOrNull(r.last_heartbeat_at), createdAt: toDate(r.created_at),
  };
}


export class LicensesRepository {
  /** Raw SQL of the hot lookup (no query builder on the validate path). */
  readonly byPublicIdSql = `select ${LICENSE_COLUMNS} from licenses where public_id = ? limit 1`;

  /** The same lookup for several licenses at once (SqliteReaders batches the validations of one event-loop turn). */
  static readonly byPublicIds: KeyedQuery = {
    sqlFor: (n) => `select ${LICENSE_COLUMNS} from licenses where public_id in (${new Array<string>(n).fill('?').join(', ')})`,
    keyOf: (row) => String(row.public_id),
  };

  /** PostgreSQL locks selected rows with FOR UPDATE; SQLite transactions are serialised (one connection) and knex would warn. */
  private readonly lockRows: boolean;

  constructor(private readonly db: Db) {
    this.lockRows = !isSqlite(db);
  }

  /** The same repository inside a transaction. */
  with(trx: Db): LicensesRepository {
    return new LicensesRepository(trx);
  }

  /**
   * Read-only SQLite connections for byPublicId (src/licenses/sqlite-readers.ts);
   * set by the service for the repository it keeps (not for transactions).
   */
  readers: SqliteReaders | null = null;

  /** The validate path's one indexed lookup (licenses.public_id is unique). */
  async byPublicId(publicId: string): Promise<LicenseRow | null> {
    if (this.readers) {
      const row = await this.readers.get(publicId);
      return row ? toLicense(row) : null;
    }
    const result = (await this.db.raw(this.byPublicIdSql, [publicId])) as Row[] | { rows: Row[] };
    const rows = Array.isArray(result) ? result : result.rows;
    return rows[0] ? toLicense(rows[0]) : null;
  }

  /** Same, locking the row until the transaction ends (PostgreSQL; SQLite transactions are serialised anyway). */
  async byIdForUpdate(id: number): Promise<LicenseRow | null> {
    const q = this.db('licenses').where({ id });
    const row = (await (this.lockRows ? q.forUpdate() : q).first()) as Row | undefined;
    return row ? toLicense(row) : null;
  }

  /** The trial of `productId` for machine `machineId` or e-mail `email` (case-insensitive), oldest first. */
  async existingTrial(productId: number, machineId: string, email: string): Promise<LicenseRow | null> {
    const row = (await this.db('licenses')
      .where({ product_id: productId, license_type: 'trial' })
      .andWhere((q) => { void q.where('machine_id', machineId).orWhereRaw('lower(email) = ?', [email.toLowerCase()]); })
      .orderBy('id')
      .first()) as Row | undefined;
    return row ? toLicense(row) : null;
  }

  /** Insert a license; returns its id. @throws a unique violation (one trial per machine / e-mail and product). */
  async insertLicense(l: NewLicense, now: Date): Promise<number> {
    const at = now.toISOString();
    const rows = (await this.db('licenses').insert({
      public_id: l.publicId,
      product_id: l.productId,
      machine_id: l.machineId,
      email: l.email,
      license_type: l.licenseType,
      state: 'active',
      issued_at: l.issuedAt.toISOString(),
      expires_at: l.expiresAt ? l.expiresAt.toISOString() : null,
      activation_code_id: l.activationCodeId,
      app_version: l.appVersion,
      ip: l.ip,
      created_at: at,
      updated_at: at,
    }).returning('id')) as unknown[];
    return insertedId(rows);
  }

  /** Record a machine a license runs on (kind: trial | activation | validation). */
  async insertActivation(licenseId: number, machineId: string, kind: string, ip: string, now: Date): Promise<void> {
    const at = now.toISOString();
    await this.db('license_activations').insert({ license_id: licenseId, machine_id: machineId, kind, ip, first_seen_at: at, last_seen_at: at });
  }

  /** The distinct machines recorded for a license. */
  async activationMachines(licenseId: number): Promise<string[]> {
    return ((await this.db('license_activations').where({ license_id: licenseId }).select('machine_id')) as Row[]).map((r) => String(r.machine_id));
  }

  async hasActivation(licenseId: number, machineId: string): Promise<boolean> {
    return Boolean(await this.db('license_activations').where({ license_id: licenseId, machine_id: machineId }).first('id'));
  }

  /** Remove the record of `machineId` on license `licenseId` (a customer released it); false when there was none. */
  async deleteActivation(licenseId: number, machineId: string): Promise<boolean> {
    return Number(await this.db('license_activations').where({ license_id: licenseId, machine_id: machineId }).delete()) > 0;
  }

  /** Record that `machineId` was released from license `licenseId` (by account `accountId`). */
  async insertRelease(licenseId: number, machineId: string, accountId: number | null, now: Date): Promise<void> {
    await this.db('license_releases').insert({ license_id: licenseId, machine_id: machineId, account_id: accountId, released_at: now.toISOString() });
  }

  /** Whether `machineId` was once released from license `licenseId` (it may not take a seat of it again). */
  async wasReleased(licenseId: number, machineId: string): Promise<boolean> {
    return Boolean(await this.db('license_releases').where({ license_id: licenseId, machine_id: machineId }).first('id'));
  }

  /** The activation code license `id` was created with, or null (a trial). */
  async activationCodeOf(id: number): Promise<number | null> {
    const row = (await this.db('licenses').where({ id }).first('activation_code_id')) as Row | undefined;
    return row?.activation_code_id === null || row?.activation_code_id === undefined ? null : Number(row.activation_code_id);
  }

  /** The latest license created with activation code `codeId` (a key activated again after a release), or null. */
  async lastOfCode(codeId: number): Promise<LicenseRow | null> {
    const row = (await this.db('licenses').where({ activation_code_id: codeId }).orderBy('id', 'desc').first()) as Row | undefined;
    return row ? toLicense(row) : null;
  }

  /** How many machines were released since `since` from the licenses of activation batch `batchId` (an order's keys). */
  async releasesOfBatchSince(batchId: number, since: Date): Promise<number> {
    const [r] = (await this.db('license_releases as r').join('licenses as l', 'l.id', 'r.license_id')
      .join('activation_codes as c', 'c.id', 'l.activation_code_id').where('c.batch_id', batchId).where('r.released_at', '>=', since.toISOString())
      .count({ n: '*' })) as { n: unknown }[];
    return Number(r?.n ?? 0);
  }

  /** How many releases each activation batch of `batchIds` had since `since`, by batch id (absent: none). */
  async releasesOfBatchesSince(batchIds: readonly number[], since: Date): Promise<Map<number, number>> {
    if (batchIds.length === 0) return new Map();
    const rows = (await this.db('license_releases as r').join('licenses as l', 'l.id', 'r.license_id')
      .join('activation_codes as c', 'c.id', 'l.activation_code_id').whereIn('c.batch_id', [...new Set(batchIds)])
      .where('r.released_at', '>=', since.toISOString()).groupBy('c.batch_id').select('c.batch_id').count({ n: '*' })) as { batch_id: unknown; n: unknown }[];
    return new Map(rows.map((r) => [Number(r.batch_id), Number(r.n)]));
  }

  /** When machine `machineId` last sent a heartbeat for this license, or null. */
  async lastHeartbeat(licenseId: number, machineId: string): Promise<Date | null> {
    const row = (await this.db('license_heartbeats')
      .where({ license_id: licenseId, machine_id: machineId })
      .max({ at: 'created_at' })
      .first()) as Row | undefined;
    return toDateOrNull(row?.at ?? null);
  }

  /** Store a heartbeat; the license keeps the latest time, version and OS; the activation's last_seen_at moves. */
  async insertHeartbeat(h: { licenseId: number; machineId: string; appVersion: string; osInfo: string; ip: string }, now: Date): Promise<void> {
    const at = now.toISOString();
    await this.db('license_heartbeats').insert({
      license_id: h.licenseId, machine_id: h.machineId, app_version: h.appVersion, os_info: h.osInfo, ip: h.ip, created_at: at,
    });
    await this.db('licenses').where({ id: h.licenseId }).update({ last_heartbeat_at: at, app_version: h.appVersion, os_info: h.osInfo, updated_at: at });
    await this.db('license_activations').where({ license_id: h.licenseId, machine_id: h.machineId }).update({ last_seen_at: at, ip: h.ip });
  }

  /** Licenses of a machine that are not revoked (to revoke them), id order. */
  async unrevokedOfMachine(machineId: string): Promise<LicenseRow[]> {
    const q = this.db('licenses').where({ machine_id: machineId }).whereNot({ state: 'revoked' }).orderBy('id');
    return ((await (this.lockRows ? q.forUpdate() : q)) as Row[]).map(toLicense);
  }

  /** Move license `id` from one of `from` to `to` with `reason`; false when it was in none of them. */
  async transition(id: number, from: readonly LicenseState[], to: LicenseState, reason: string | null, now: Date): Promise<boolean> {
    const at = now.toISOString();
    const n = await this.db('licenses')
      .where({ id })
      .whereIn('state', [...from])
      .update({ state: to, state_reason: reason, state_changed_at: at, updated_at: at });
    return Number(n) === 1;
  }

  /** Set a new expiry on a license that has one (not lifetime); false when it has none. */
  async setExpiry(id: number, expiresAt: Date, now: Date): Promise<boolean> {
    const n = await this.db('licenses').where({ id }).whereNotNull('expires_at').whereNot('license_type', 'lifetime')
      .update({ expires_at: expiresAt.toISOString(), updated_at: now.toISOString() });
    return Number(n) === 1;
  }

  /** Add counts to license_validation_days (one upsert per product and day). */
  async addValidationDays(rows: { productId: number; day: string; validations: number; failures: number }[]): Promise<void> {
    if (!rows.length) return;
    await this.db('license_validation_days')
      .insert(rows.map((r) => ({ product_id: r.productId, day: r.day, validations: r.validations, failures: r.failures })))
      .onConflict(['product_id', 'day'])
      .merge({
        validations: this.db.raw('license_validation_days.validations + excluded.validations'),
        failures: this.db.raw('license_validation_days.failures + excluded.failures'),
      });
  }

  /**
   * Set last_validated_at of these licenses (at flush time): 500 ids a
   * statement, all in one transaction (one WAL sync on SQLite, where
   * synchronous=FULL makes each commit an fsync).
   */
  async touchValidated(ids: number[], at: Date): Promise<void> {
    if (!ids.length) return;
    await this.db.transaction(async (trx) => {
      for (let i = 0; i < ids.length; i += 500) {
        await trx('licenses').whereIn('id', ids.slice(i, i + 500)).update({ last_validated_at: at.toISOString() });
      }
    });
  }
}
