/**
 * The `releases` table: one row per downloadable file of a product.
 * Sizes are bytes; `sha256` is 64 lower-case hex characters.
 */
import type { Db } from '../platform/db.js';
import { toDate, toDateOrNull } from '../platform/time.js';

export interface Release {
  id: number;
  product: string;
  version: string;
  channel: string;
  filename: string;
  sizeBytes: number;
  sha256: string;
  changelog: string;
  publishedAt: Date | null;
  isLatest: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewRelease {
  product: string;
  version: string;
  channel?: string;
  filename: string;
  sizeBytes: number;
  sha256: string;
  changelog: string;
  publishedAt: Date | null;
  isLatest: boolean;
}

type Row = Record<string, unknown>;

function toRelease(r: Row): Release {
  return {
    id: Number(r.id),
    product: String(r.product),
    version: String(r.version),
    channel: String(r.channel),
    filename: String(r.filename),
    sizeBytes: Number(r.size_bytes),
    sha256: String(r.sha256),
    changelog: String(r.changelog ?? ''),
    publishedAt: toDateOrNull(r.published_at),
    isLatest: Boolean(r.is_latest),
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  };
}

export class ReleasesRepository {
  constructor(private readonly db: Db) {}

  /** Published releases of `product`, newest first. */
  async listPublished(product: string): Promise<Release[]> {
    const rows = await this.db('releases')
      .where({ product })
      .whereNotNull('published_at')
      .orderBy([{ column: 'is_latest', order: 'desc' }, { column: 'published_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
    return rows.map(toRelease);
  }

  /** The published release marked latest, else the most recently published one. */
  async findLatest(product: string): Promise<Release | null> {
    const [first] = await this.listPublished(product);
    return first ?? null;
  }

  /** A published release by its exact file name (the only way a file is served). */
  async findPublishedByFilename(filename: string): Promise<Release | null> {
    const row = (await this.db('releases').where({ filename }).whereNotNull('published_at').first()) as Row | undefined;
    return row ? toRelease(row) : null;
  }

  async findByFilename(filename: string): Promise<Release | null> {
    const row = (await this.db('releases').where({ filename }).first()) as Row | undefined;
    return row ? toRelease(row) : null;
  }

  /** Insert a release; when it is latest, the product's other releases stop being latest (one transaction). */
  async insert(r: NewRelease, now: Date): Promise<Release> {
    return this.db.transaction(async (trx) => {
      if (r.isLatest) await trx('releases').where({ product: r.product }).update({ is_latest: false, updated_at: now.toISOString() });
      const [row] = (await trx('releases')
        .insert({
          product: r.product,
          version: r.version,
          channel: r.channel ?? 'stable',
          filename: r.filename,
          size_bytes: r.sizeBytes,
          sha256: r.sha256,
          changelog: r.changelog,
          published_at: r.publishedAt?.toISOString() ?? null,
          is_latest: r.isLatest,
          created_at: now.toISOString(),
          updated_at: now.toISOString(),
        })
        .returning('*')) as Row[];
      return toRelease(row!);
    });
  }
}
