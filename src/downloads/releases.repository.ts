/**
 * The `releases` table: one row per downloadable file of a product.
 * Sizes are bytes; `sha256` is 64 lower-case hex characters.
 */
import { isSqlite, type Db } from '../platform/db.js';
import { toDate, toDateOrNull } from '../platform/time.js';
import { compareDebianVersions } from './debian-version.js';

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

/** A release to insert: the row's own fields without its id and timestamps; `channel` defaults as the column does. */
export interface NewRelease extends Omit<Release, 'id' | 'channel' | 'createdAt' | 'updatedAt'> {
  channel?: string;
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

/** A release with its download counts (admin pages). */
export interface ReleaseWithCounts extends Release {
  /** Counted downloads (each new download by an IP; range continuations and refusals excluded). */
  downloads: number;
  /** Downloads that ended complete. */
  completed: number;
}

/** Filters of the admin release list. `state`: '' | published | unpublished | latest. */
export interface ReleaseFilter {
  q?: string;
  state?: string;
}

const RELEASE_SORTS: Record<string, string> = { created: 'r.created_at', published: 'r.published_at', version: 'r.version', downloads: 'downloads' };

/**
 * Which of a product's published releases is served as its latest: the one
 * marked latest; when none is (the latest was unpublished), the highest
 * version in Debian order (debian-version.ts). Null for an empty list.
 */
export function servedOf(published: Release[]): Release | null {
  const marked = published.find((r) => r.isLatest);
  if (marked) return marked;
  return published.reduce<Release | null>((best, r) => (!best || compareDebianVersions(r.version, best.version) > 0 ? r : best), null);
}

export class ReleasesRepository {
  constructor(private readonly db: Db) {}

  /** The same repository over a transaction. */
  with(trx: Db): ReleasesRepository {
    return new ReleasesRepository(trx);
  }

  async byId(id: number): Promise<Release | null> {
    const row = (await this.db('releases').where({ id }).first()) as Row | undefined;
    return row ? toRelease(row) : null;
  }

  /** The release of `product` and `channel` with this exact version, if any. */
  async findVersion(product: string, channel: string, version: string): Promise<Release | null> {
    const row = (await this.db('releases').where({ product, channel, version }).first()) as Row | undefined;
    return row ? toRelease(row) : null;
  }

  private filtered(f: ReleaseFilter) {
    const counts = this.db('downloads').select('release_id')
      .select(this.db.raw('sum(case when counted then 1 else 0 end) as downloads'))
      .select(this.db.raw("sum(case when outcome = 'complete' then 1 else 0 end) as completed"))
      .groupBy('release_id').as('d');
    const q = this.db('releases as r').leftJoin(counts, 'd.release_id', 'r.id');
    if (f.q) {
      const like = `%${f.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q.where((w) => w.whereRaw("lower(r.version) like ? escape '\\'", [like]).orWhereRaw("lower(r.filename) like ? escape '\\'", [like]));
    }
    if (f.state === 'published') q.whereNotNull('r.published_at');
    if (f.state === 'unpublished') q.whereNull('r.published_at');
    if (f.state === 'latest') q.where('r.is_latest', true);
    return q;
  }

  /** A page of releases with their download counts; `sort` is created | published | version | downloads. */
  async listWithCounts(
    f: ReleaseFilter, sort: string, dir: 'asc' | 'desc', limit: number, offset: number,
  ): Promise<{ rows: ReleaseWithCounts[]; total: number }> {
    const [count] = (await this.filtered(f).count({ n: '*' })) as { n: unknown }[];
    const rows = (await this.filtered(f)
      .select('r.*', this.db.raw('coalesce(d.downloads, 0) as downloads'), this.db.raw('coalesce(d.completed, 0) as completed'))
      .orderBy(RELEASE_SORTS[sort] ?? 'r.created_at', dir).orderBy('r.id', dir).limit(limit).offset(offset)) as Row[];
    return { rows: rows.map((r) => ({ ...toRelease(r), downloads: Number(r.downloads), completed: Number(r.completed) })), total: Number(count?.n ?? 0) };
  }

  /** Download counts of one release: counted, complete, refused, all rows. */
  async countsOf(id: number): Promise<{ downloads: number; completed: number; refused: number; requests: number }> {
    const row = (await this.db('downloads').where({ release_id: id })
      .first(
        this.db.raw('count(*) as requests'),
        this.db.raw('sum(case when counted then 1 else 0 end) as downloads'),
        this.db.raw("sum(case when outcome = 'complete' then 1 else 0 end) as completed"),
        this.db.raw("sum(case when outcome = 'refused' then 1 else 0 end) as refused"),
      )) as Row | undefined;
    return {
      downloads: Number(row?.downloads ?? 0), completed: Number(row?.completed ?? 0), refused: Number(row?.refused ?? 0),
      requests: Number(row?.requests ?? 0),
    };
  }

  /** Every release (id, version, filename), newest first: the choices of a filter. */
  async choices(): Promise<{ id: number; version: string; filename: string }[]> {
    const rows = (await this.db('releases').orderBy('created_at', 'desc').orderBy('id', 'desc').select('id', 'version', 'filename')) as Row[];
    return rows.map((r) => ({ id: Number(r.id), version: String(r.version), filename: String(r.filename) }));
  }

  /** Set or clear the publication date; an unpublished release stops being latest. */
  async setPublished(id: number, publishedAt: Date | null, now: Date): Promise<void> {
    await this.db('releases').where({ id }).update({
      published_at: publishedAt?.toISOString() ?? null, updated_at: now.toISOString(), ...(publishedAt ? {} : { is_latest: false }),
    });
  }

  /**
   * PostgreSQL: lock the rows of a product and channel until the end of the
   * transaction, so two simultaneous publications or marks cannot both
   * become latest (SQLite has one writer). Run inside a transaction.
   */
  async lockProduct(product: string, channel: string): Promise<void> {
    if (!isSqlite(this.db)) await this.db('releases').where({ product, channel }).forUpdate().select('id');
  }

  /** Make `release` the only latest of its product and channel. Run inside a transaction. */
  async setLatest(release: Release, now: Date): Promise<void> {
    await this.lockProduct(release.product, release.channel);
    await this.db('releases').where({ product: release.product, channel: release.channel, is_latest: true }).whereNot({ id: release.id })
      .update({ is_latest: false, updated_at: now.toISOString() });
    await this.db('releases').where({ id: release.id }).update({ is_latest: true, updated_at: now.toISOString() });
  }

  /** The release currently latest for a product and channel, if any. */
  async latestOf(product: string, channel: string): Promise<Release | null> {
    const row = (await this.db('releases').where({ product, channel, is_latest: true }).first()) as Row | undefined;
    return row ? toRelease(row) : null;
  }

  async setChangelog(id: number, changelog: string, now: Date): Promise<void> {
    await this.db('releases').where({ id }).update({ changelog, updated_at: now.toISOString() });
  }

  /** Delete the row (download rows keep their history, release_id set to NULL by the foreign key). */
  async delete(id: number): Promise<void> {
    await this.db('releases').where({ id }).delete();
  }

  /**
   * Published releases of `product`: the one /download/latest serves first
   * (servedOf), then the others, most recently published first.
   */
  async listPublished(product: string): Promise<Release[]> {
    const rows = (await this.db('releases')
      .where({ product })
      .whereNotNull('published_at')
      .orderBy([{ column: 'published_at', order: 'desc' }, { column: 'id', order: 'desc' }])) as Row[];
    const releases = rows.map(toRelease);
    const served = servedOf(releases);
    return served ? [served, ...releases.filter((r) => r !== served)] : releases;
  }

  /** The release /download/latest serves for `product` (servedOf its published releases), or null. */
  async findLatest(product: string): Promise<Release | null> {
    const [first] = await this.listPublished(product);
    return first ?? null;
  }

  /** For every product with a published release, the one /download/latest serves, by product name. */
  async servedPerProduct(): Promise<Release[]> {
    const rows = (await this.db('releases').whereNotNull('published_at').orderBy('product').orderBy('id')) as Row[];
    const byProduct = new Map<string, Release[]>();
    for (const r of rows.map(toRelease)) byProduct.set(r.product, [...(byProduct.get(r.product) ?? []), r]);
    return [...byProduct.values()].map((list) => servedOf(list)!);
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
