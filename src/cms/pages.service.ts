/**
 * Editable pages, the only writer of `cms_pages` and `cms_page_versions`.
 *
 * A page has a draft (edited by admins, seen only in the preview) and the
 * version the public sees. Until an admin first saves a page it has no row
 * and shows its shipped default (src/cms/defaults.ts); that first save
 * records the default as version 1, so it can be restored like any other.
 * Publishing copies the draft into a new version (number n+1, parent: the
 * version the draft started from, author, date) and shows it at once: the
 * page cache is cleared after the commit (`changed`, on every instance).
 * Archiving withdraws the page: the public sees the shipped default again
 * until the next publication. Restoring a version makes its content the
 * draft (nothing public changes until it is published). Audit rows:
 * page.draft_saved, page.published, page.archived, page.restored.
 */
import type { Actor, AuditService } from '../audit/index.js';
import { ConflictError, NotFoundError } from '../errors/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import { parseContent, PAGE_SLUGS, type PageContent, type PageSlug } from './content.js';
import { defaultContent, type Translate } from './defaults.js';
import { contentDiff } from './page-text.js';
import { PagesRepository, type PageRow, type VersionRow } from './pages.repository.js';

export interface PagesDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  /** The locale strings the shipped defaults are read from. */
  tr: Translate;
  /** Called after each committed change of what the public sees (the app clears its page cache). */
  changed?: () => void;
}

/** A page as the admin pages show it. */
export interface PageState {
  slug: PageSlug;
  draft: PageContent;
  /** The version the public sees (null: the shipped default). */
  published: { number: number; at: Date; authorEmail: string | null } | null;
  archivedAt: Date | null;
  /** The draft differs from what the public sees. */
  unpublishedChanges: boolean;
  updatedAt: Date | null;
}

/** A version as listed (content parsed). */
export interface PageVersion {
  number: number;
  parentNumber: number | null;
  authorEmail: string | null;
  createdAt: Date;
  content: PageContent;
}

const toVersion = (v: VersionRow): PageVersion => ({
  number: v.number, parentNumber: v.parentNumber, authorEmail: v.authorEmail, createdAt: v.createdAt, content: parseContent(JSON.parse(v.content)),
});

export class PagesService {
  private readonly repo: PagesRepository;
  private readonly defaults = new Map<PageSlug, PageContent>();

  constructor(private readonly deps: PagesDeps) {
    this.repo = new PagesRepository(deps.db);
  }

  /** The shipped default content of `slug` (built once from the locale strings). */
  defaultOf(slug: PageSlug): PageContent {
    let c = this.defaults.get(slug);
    if (!c) {
      c = parseContent(defaultContent(slug, this.deps.tr));
      this.defaults.set(slug, c);
    }
    return c;
  }

  /** What the public sees of `slug`: its published version, or the shipped default. */
  async publicContent(slug: PageSlug): Promise<PageContent> {
    const stored = await this.repo.publishedContent(slug);
    return stored === null ? this.defaultOf(slug) : parseContent(JSON.parse(stored));
  }

  /** Every editable page's state, in the order of PAGE_SLUGS. */
  async pages(): Promise<PageState[]> {
    return Promise.all(PAGE_SLUGS.map((slug) => this.page(slug)));
  }

  /** Page `slug` as the editor shows it (its draft is the default while it has no row). */
  async page(slug: PageSlug): Promise<PageState> {
    const row = await this.repo.pageBySlug(slug);
    if (!row) return { slug, draft: this.defaultOf(slug), published: null, archivedAt: null, unpublishedChanges: false, updatedAt: null };
    const v = row.publishedVersionId === null ? null : await this.repo.versionById(row.publishedVersionId);
    const publicText = row.archivedAt || !v ? JSON.stringify(this.defaultOf(slug)) : v.content;
    return {
      slug, draft: parseContent(JSON.parse(row.draft)), archivedAt: row.archivedAt, updatedAt: row.updatedAt,
      published: v ? { number: v.number, at: v.createdAt, authorEmail: v.authorEmail } : null,
      unpublishedChanges: JSON.stringify(JSON.parse(row.draft)) !== JSON.stringify(JSON.parse(publicText)),
    };
  }

  /**
   * Replace the draft of `slug` by `edit(draft)` (validated: a ZodError when it does not fit); the public page is unchanged.
   * @returns the new draft.
   */
  async editDraft(slug: PageSlug, edit: (draft: PageContent) => PageContent, actor: Actor, what = 'content'): Promise<PageContent> {
    return this.deps.db.transaction(async (trx) => {
      const repo = this.repo.with(trx);
      const row = await this.ensure(repo, slug, actor);
      const draft = parseContent(edit(parseContent(JSON.parse(row.draft))));
      await repo.updatePage(row.id, { draft: JSON.stringify(draft) }, actor.id, this.deps.clock.now());
      await this.deps.audit.record(trx, actor, 'page.draft_saved', { type: 'page', id: slug }, { page: slug, what });
      return draft;
    });
  }

  /** Publish the draft of `slug` as a new version, shown at once. @returns the version number. */
  async publish(slug: PageSlug, actor: Actor): Promise<number> {
    const number = await this.deps.db.transaction(async (trx) => {
      const repo = this.repo.with(trx);
      const row = await this.ensure(repo, slug, actor);
      const now = this.deps.clock.now();
      const n = (await repo.lastNumber(row.id)) + 1;
      const id = await repo.insertVersion({ pageId: row.id, number: n, parentVersionId: row.draftBaseVersionId ?? row.publishedVersionId,
        content: JSON.stringify(parseContent(JSON.parse(row.draft))), authorId: actor.id, authorEmail: actor.email, at: now });
      await repo.updatePage(row.id, { publishedVersionId: id, draftBaseVersionId: id, archivedAt: null }, actor.id, now);
      await this.deps.audit.record(trx, actor, 'page.published', { type: 'page', id: slug }, { page: slug, version: n });
      return n;
    });
    this.deps.changed?.();
    return number;
  }

  /** Withdraw `slug`: the public sees its shipped default until the next publication. ConflictError when already archived. */
  async archive(slug: PageSlug, actor: Actor): Promise<void> {
    await this.deps.db.transaction(async (trx) => {
      const repo = this.repo.with(trx);
      const row = await this.ensure(repo, slug, actor);
      if (row.archivedAt) throw new ConflictError('page already archived');
      await repo.updatePage(row.id, { archivedAt: this.deps.clock.now() }, actor.id, this.deps.clock.now());
      await this.deps.audit.record(trx, actor, 'page.archived', { type: 'page', id: slug }, { page: slug });
    });
    this.deps.changed?.();
  }

  /** Make version `number` of `slug` the draft (the next publication's parent). NotFoundError when there is no such version. */
  async restore(slug: PageSlug, number: number, actor: Actor): Promise<void> {
    await this.deps.db.transaction(async (trx) => {
      const repo = this.repo.with(trx);
      const row = await this.ensure(repo, slug, actor);
      const v = await repo.version(row.id, number);
      if (!v) throw new NotFoundError('no such version');
      const content = parseContent(JSON.parse(v.content));
      await repo.updatePage(row.id, { draft: JSON.stringify(content), draftBaseVersionId: v.id }, actor.id, this.deps.clock.now());
      await this.deps.audit.record(trx, actor, 'page.restored', { type: 'page', id: slug }, { page: slug, version: number });
    });
  }

  /** The versions of `slug`, newest first, `limit` from `offset` (none before its first save), and how many there are. */
  async versions(slug: PageSlug, offset = 0, limit = 50): Promise<{ rows: PageVersion[]; total: number }> {
    const row = await this.repo.pageBySlug(slug);
    if (!row) return { rows: [], total: 0 };
    const [rows, total] = await Promise.all([this.repo.versions(row.id, offset, limit), this.repo.lastNumber(row.id)]);
    return { rows: rows.map(toVersion), total };
  }

  /** Version `number` of `slug`, or null. */
  async version(slug: PageSlug, number: number): Promise<PageVersion | null> {
    const row = await this.repo.pageBySlug(slug);
    const v = row ? await this.repo.version(row.id, number) : null;
    return v ? toVersion(v) : null;
  }

  /** The plain-text diff from version `a` to version `b` of `slug` ('' when equal); NotFoundError when one is missing. */
  async diff(slug: PageSlug, a: number, b: number): Promise<string> {
    const [va, vb] = await Promise.all([this.version(slug, a), this.version(slug, b)]);
    if (!va || !vb) throw new NotFoundError('no such version');
    return contentDiff(`${slug} v${a}`, va.content, `${slug} v${b}`, vb.content);
  }

  /**
   * The row of `slug`, locked; created on first use with the shipped default as version 1 (published, author none).
   * Two first saves at once: the second's insert waits for the first's commit and does nothing; it then locks that row.
   */
  private async ensure(repo: PagesRepository, slug: PageSlug, actor: Actor): Promise<PageRow> {
    const found = await repo.pageBySlug(slug, true);
    if (found) return found;
    const now = this.deps.clock.now();
    const text = JSON.stringify(this.defaultOf(slug));
    const id = await repo.insertPageIfAbsent({ slug, draft: text, updatedBy: actor.id, at: now });
    if (id === null) return (await repo.pageBySlug(slug, true))!;
    const v1 = await repo.insertVersion({ pageId: id, number: 1, parentVersionId: null, content: text, authorId: null, authorEmail: null, at: now });
    await repo.updatePage(id, { publishedVersionId: v1, draftBaseVersionId: v1 }, actor.id, now);
    return (await repo.pageBySlug(slug, true))!;
  }
}
