/** The `cms_pages` and `cms_page_versions` tables: written only through PagesService (src/cms/pages.service.ts). */
import { insertedId, isSqlite, type Db } from '../platform/db.js';
import { toDate, toDateOrNull } from '../platform/time.js';

/** A page row; `draft` is the stored JSON text (PagesService parses it). */
export interface PageRow {
  id: number;
  slug: string;
  draft: string;
  draftBaseVersionId: number | null;
  publishedVersionId: number | null;
  archivedAt: Date | null;
  updatedBy: number | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A version row; `content` is the stored JSON text. */
export interface VersionRow {
  id: number;
  pageId: number;
  number: number;
  parentVersionId: number | null;
  /** The number of the parent version (null: none). */
  parentNumber: number | null;
  content: string;
  authorId: number | null;
  authorEmail: string | null;
  createdAt: Date;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toPage(r: Record<string, unknown>): PageRow {
  return {
    id: Number(r.id), slug: String(r.slug), draft: String(r.draft), draftBaseVersionId: num(r.draft_base_version_id),
    publishedVersionId: num(r.published_version_id), archivedAt: toDateOrNull(r.archived_at), updatedBy: num(r.updated_by),
    createdAt: toDate(r.created_at), updatedAt: toDate(r.updated_at),
  };
}

function toVersion(r: Record<string, unknown>): VersionRow {
  return {
    id: Number(r.id), pageId: Number(r.page_id), number: Number(r.number), parentVersionId: num(r.parent_version_id), parentNumber: num(r.parent_number),
    content: String(r.content), authorId: num(r.author_id), authorEmail: (r.author_email as string | null) ?? null, createdAt: toDate(r.created_at),
  };
}

const VERSION_COLUMNS = ['v.id', 'v.page_id', 'v.number', 'v.parent_version_id', 'p.number as parent_number', 'v.content', 'v.author_id', 'v.author_email',
  'v.created_at'];

export class PagesRepository {
  constructor(private readonly db: Db) {}

  with(trx: Db): PagesRepository {
    return new PagesRepository(trx);
  }

  /** Page `slug`; `lock`: its row locked until the transaction ends (PostgreSQL; SQLite's one connection serialises writers). */
  async pageBySlug(slug: string, lock = false): Promise<PageRow | null> {
    const q = this.db('cms_pages').where({ slug });
    const r = (await (lock && !isSqlite(this.db) ? q.forUpdate() : q).first()) as Record<string, unknown> | undefined;
    return r ? toPage(r) : null;
  }

  async pages(): Promise<PageRow[]> {
    return ((await this.db('cms_pages').select('*')) as Record<string, unknown>[]).map(toPage);
  }

  /**
   * The content the public sees of page `slug`: its published version's, or
   * null (no row, archived, never published: the shipped default).
   */
  async publishedContent(slug: string): Promise<string | null> {
    const r = (await this.db('cms_pages as g').join('cms_page_versions as v', 'v.id', 'g.published_version_id')
      .where('g.slug', slug).whereNull('g.archived_at').first('v.content')) as { content: string } | undefined;
    return r ? String(r.content) : null;
  }

  /**
   * Insert page `slug` unless it exists: its id, or null when another transaction has it already (on PostgreSQL a
   * concurrent first insert makes this one wait for that transaction's end, then do nothing; no unique violation).
   */
  async insertPageIfAbsent(p: { slug: string; draft: string; updatedBy: number | null; at: Date }): Promise<number | null> {
    const rows = (await this.db('cms_pages').insert({
      slug: p.slug, draft: p.draft, draft_base_version_id: null, published_version_id: null, archived_at: null, updated_by: p.updatedBy,
      created_at: p.at, updated_at: p.at,
    }).onConflict('slug').ignore().returning('id')) as unknown[];
    return rows.length > 0 ? insertedId(rows) : null;
  }

  async updatePage(id: number, fields: Partial<Pick<PageRow, 'draft' | 'draftBaseVersionId' | 'publishedVersionId' | 'archivedAt'>>,
    updatedBy: number | null, at: Date): Promise<void> {
    const row: Record<string, unknown> = { updated_by: updatedBy, updated_at: at };
    if (fields.draft !== undefined) row.draft = fields.draft;
    if (fields.draftBaseVersionId !== undefined) row.draft_base_version_id = fields.draftBaseVersionId;
    if (fields.publishedVersionId !== undefined) row.published_version_id = fields.publishedVersionId;
    if (fields.archivedAt !== undefined) row.archived_at = fields.archivedAt;
    await this.db('cms_pages').where({ id }).update(row);
  }

  /** Versions of page `pageId`, newest first, `limit` from `offset`. */
  async versions(pageId: number, offset: number, limit: number): Promise<VersionRow[]> {
    const rows = (await this.db('cms_page_versions as v').leftJoin('cms_page_versions as p', 'p.id', 'v.parent_version_id')
      .where('v.page_id', pageId).orderBy('v.number', 'desc').offset(offset).limit(limit).select(VERSION_COLUMNS)) as Record<string, unknown>[];
    return rows.map(toVersion);
  }

  async version(pageId: number, number: number): Promise<VersionRow | null> {
    const r = (await this.db('cms_page_versions as v').leftJoin('cms_page_versions as p', 'p.id', 'v.parent_version_id')
      .where({ 'v.page_id': pageId, 'v.number': number }).first(VERSION_COLUMNS)) as Record<string, unknown> | undefined;
    return r ? toVersion(r) : null;
  }

  async versionById(id: number): Promise<VersionRow | null> {
    const r = (await this.db('cms_page_versions as v').leftJoin('cms_page_versions as p', 'p.id', 'v.parent_version_id')
      .where('v.id', id).first(VERSION_COLUMNS)) as Record<string, unknown> | undefined;
    return r ? toVersion(r) : null;
  }

  async lastNumber(pageId: number): Promise<number> {
    const r = (await this.db('cms_page_versions').where({ page_id: pageId }).max('number as n').first()) as { n: unknown } | undefined;
    return Number(r?.n ?? 0);
  }

  async insertVersion(v: { pageId: number; number: number; parentVersionId: number | null; content: string; authorId: number | null;
    authorEmail: string | null; at: Date }): Promise<number> {
    return insertedId(await this.db('cms_page_versions').insert({
      page_id: v.pageId, number: v.number, parent_version_id: v.parentVersionId, content: v.content, author_id: v.authorId,
      author_email: v.authorEmail, created_at: v.at,
    }, ['id']));
  }
}
