/**
 * The `client_packages` table (written only through PackagesService). Sizes
 * in bytes (PostgreSQL returns bigint as text: read back as numbers); hashes
 * are 64 lower-case hex characters; dates are instants.
 */
import { insertedId, type Db } from '../platform/db.js';
import { toDate, toDateOrNull } from '../platform/time.js';

export interface ClientPackage {
  id: number;
  clientSlug: string;
  plan: string;
  email: string;
  productCode: string;
  /** SHA-256 of the API key (hex); the key itself is never stored. */
  keyHash: string;
  /** The key's last 4 characters, to tell keys apart. */
  keyHint: string;
  releaseVersion: string;
  releaseFilename: string;
  /** The zip's file name as downloaded: `<product>-client-<slug>.zip`. */
  zipName: string;
  zipBytes: number;
  zipSha256: string;
  /** The admin page serves the zip until then. */
  downloadUntil: Date;
  /** When the daily cleanup deleted the zip (the key stays valid). */
  zipRemovedAt: Date | null;
  /** The key is refused from then on (a future instant during a regeneration's grace period). */
  revokedAt: Date | null;
  /** The package this one replaced (regeneration). */
  replacesId: number | null;
  createdById: number | null;
  createdByEmail: string | null;
  createdAt: Date;
}

export type NewClientPackage = Omit<ClientPackage, 'id' | 'zipRemovedAt' | 'revokedAt' | 'createdAt'>;

type Row = Record<string, unknown>;

function toPackage(r: Row): ClientPackage {
  return {
    id: Number(r.id),
    clientSlug: String(r.client_slug),
    plan: String(r.plan),
    email: String(r.email),
    productCode: String(r.product_code),
    keyHash: String(r.key_hash),
    keyHint: String(r.key_hint),
    releaseVersion: String(r.release_version),
    releaseFilename: String(r.release_filename),
    zipName: String(r.zip_name),
    zipBytes: Number(r.zip_bytes),
    zipSha256: String(r.zip_sha256),
    downloadUntil: toDate(r.download_until),
    zipRemovedAt: toDateOrNull(r.zip_removed_at),
    revokedAt: toDateOrNull(r.revoked_at),
    replacesId: r.replaces_id === null || r.replaces_id === undefined ? null : Number(r.replaces_id),
    createdById: r.created_by_id === null || r.created_by_id === undefined ? null : Number(r.created_by_id),
    createdByEmail: r.created_by_email === null || r.created_by_email === undefined ? null : String(r.created_by_email),
    createdAt: toDate(r.created_at),
  };
}

/** Filters of the admin list: `q` searches client, e-mail, plan and product (case-insensitive). */
export interface PackageSearch {
  q?: string;
}

export class PackagesRepository {
  constructor(private readonly db: Db) {}

  /** The same repository inside a transaction. */
  with(trx: Db): PackagesRepository {
    return new PackagesRepository(trx);
  }

  async insert(p: NewClientPackage, now: Date): Promise<number> {
    const rows = await this.db('client_packages').insert({
      client_slug: p.clientSlug, plan: p.plan, email: p.email, product_code: p.productCode, key_hash: p.keyHash, key_hint: p.keyHint,
      release_version: p.releaseVersion, release_filename: p.releaseFilename, zip_name: p.zipName, zip_bytes: p.zipBytes, zip_sha256: p.zipSha256,
      download_until: p.downloadUntil, replaces_id: p.replacesId, created_by_id: p.createdById, created_by_email: p.createdByEmail, created_at: now,
    }, ['id']);
    return insertedId(rows);
  }

  async byId(id: number): Promise<ClientPackage | null> {
    const r = await this.db('client_packages').where({ id }).first() as Row | undefined;
    return r ? toPackage(r) : null;
  }

  async byKeyHash(hash: string): Promise<ClientPackage | null> {
    const r = await this.db('client_packages').where({ key_hash: hash }).first() as Row | undefined;
    return r ? toPackage(r) : null;
  }

  /** The packages of a client and product whose key is valid at `now` or later (not revoked, or revoked in the future). */
  async liveFor(clientSlug: string, productCode: string, now: Date): Promise<ClientPackage[]> {
    const rows = await this.db('client_packages').where({ client_slug: clientSlug, product_code: productCode })
      .andWhere((w) => { void w.whereNull('revoked_at').orWhere('revoked_at', '>', now); }) as Row[];
    return rows.map(toPackage);
  }

  private filtered(s: PackageSearch) {
    const q = this.db('client_packages');
    if (s.q) {
      const like = `%${s.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      void q.where((w) => {
        for (const col of ['client_slug', 'email', 'plan', 'product_code']) void w.orWhereRaw(`lower(${col}) like ? escape '\\'`, [like]);
      });
    }
    return q;
  }

  /** A page of the packages matching `s`, newest first. */
  async search(s: PackageSearch, offset: number, limit: number): Promise<ClientPackage[]> {
    const rows = await this.filtered(s).orderBy('created_at', 'desc').orderBy('id', 'desc').offset(offset).limit(limit) as Row[];
    return rows.map(toPackage);
  }

  async count(s: PackageSearch): Promise<number> {
    const r = await this.filtered(s).count({ n: '*' }).first() as { n: number | string } | undefined;
    return Number(r?.n ?? 0);
  }

  /**
   * Schedule the revocation of a key not revoked yet (revoked_at null; a regeneration): a key already revoked or
   * scheduled to be is left as it is, so that two regenerations of one key cannot both succeed. Returns whether the row changed.
   */
  async revokeLiveAt(id: number, at: Date): Promise<boolean> {
    const n = await this.db('client_packages').where({ id }).whereNull('revoked_at').update({ revoked_at: at });
    return n > 0;
  }

  /** Revoke at `at` unless the key is already refused by then (a revocation may cut a grace period short). Returns whether the row changed. */
  async revokeAt(id: number, at: Date): Promise<boolean> {
    const n = await this.db('client_packages').where({ id })
      .andWhere((w) => { void w.whereNull('revoked_at').orWhere('revoked_at', '>', at); }).update({ revoked_at: at });
    return n > 0;
  }

  /** Packages whose zip is still on disk and was made before `before`, oldest first (at most `limit`). */
  async zipsMadeBefore(before: Date, limit: number): Promise<ClientPackage[]> {
    const rows = await this.db('client_packages').whereNull('zip_removed_at').andWhere('created_at', '<', before)
      .orderBy('id').limit(limit) as Row[];
    return rows.map(toPackage);
  }

  async markZipRemoved(id: number, now: Date): Promise<void> {
    await this.db('client_packages').where({ id }).whereNull('zip_removed_at').update({ zip_removed_at: now });
  }
}
