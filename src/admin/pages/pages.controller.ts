/**
 * /admin/pages: the editable public pages (admin and superadmin only).
 * PagesService (src/cms) writes and audits; this file reads forms and
 * renders. Every edit changes the draft only; the preview shows the draft
 * as the public would see it (never cached, not indexed); publishing makes
 * it public at once. A refused form comes back with its field errors (422).
 */
import fs from 'node:fs';
import type { Request, Response } from 'express';
import { ZodError } from 'zod';
import {
  emptySection, emptyService, IMAGE_MAX_BYTES, isPageSlug, needsPlans, PAGE_PATHS, pageLocals, SECTION_TYPES, storeImage, uploadsDir,
  type PageContent, type PageSlug, type Section, type SectionType,
} from '../../cms/index.js';
import { BILLING_VIEW_HELPERS } from '../../billing/index.js';
import { NotFoundError } from '../../errors/index.js';
import { actorOf } from '../../http/actor.js';
import { flash } from '../../http/flash.js';
import { discardUploads, uploadErrorOf } from '../../http/upload.js';
import type { AdminDeps } from '../context.js';
import { confirmed, pager, parseListQuery } from '../shared.js';
import { fieldsOf, issuesOf, readForm, sectionShape } from './forms.js';

const slugOf = (req: Request): PageSlug => {
  const slug = req.params.slug;
  if (!isPageSlug(slug)) throw new NotFoundError('no such page');
  return slug;
};

/** A 1-based index or version number from the route (1..9999), else NotFoundError. */
const numberOf = (value: unknown): number => {
  if (typeof value !== 'string' || !/^[1-9]\d{0,3}$/.test(value)) throw new NotFoundError('no such item');
  return Number(value);
};

function sectionAt(content: PageContent, n: number): Section {
  const s = content.sections[n - 1];
  if (!s) throw new NotFoundError('no such section');
  return s;
}

export function createPagesAdminController(deps: AdminDeps) {
  const { pages } = deps;
  const editorOf = (slug: string) => `/admin/pages/${slug}`;

  const editor = async (req: Request, res: Response, slug: PageSlug, seoErrors: Record<string, string> = {}, seoValues?: PageContent['seo'],
    status = 200, upload: { error?: string } = {}): Promise<void> => {
    const page = await pages.page(slug);
    res.status(status).render('admin/pages/editor', {
      title: req.t('admin-pages:editor.title', { page: req.t(`admin-pages:page.${slug}`) }), page, publicPath: PAGE_PATHS[slug],
      seo: fieldsOf(seoValues ?? page.draft.seo, 'seo')[0]!.fields, seoErrors, sectionTypes: SECTION_TYPES, upload,
      imageMaxMb: Math.floor(IMAGE_MAX_BYTES / 1048576),
    });
  };

  /**
   * The form of section `n` showing `section`; `opened`: the section the form stands for (its hidden `_anchor`/`_type`,
   * checked when it is saved); `conflict`: why a save was refused (the draft changed meanwhile), shown above the form.
   */
  const sectionForm = (req: Request, res: Response, slug: PageSlug, n: number, section: Section, opts: {
    errors?: Record<string, string>; status?: number; opened?: Opened; conflict?: { key: string; n?: number };
  } = {}): void => {
    res.status(opts.status ?? 200).render('admin/pages/section', {
      title: req.t('admin-pages:section.title', { n, type: req.t(`admin-pages:type.${section.type}`), page: req.t(`admin-pages:page.${slug}`) }),
      slug, n, section, groups: fieldsOf(section as unknown as Record<string, unknown>), errors: opts.errors ?? {},
      opened: opts.opened ?? { anchor: section.anchor, type: section.type }, conflict: opts.conflict ?? null,
    });
  };

  /**
   * A save refused because section `n` of the draft is no longer the one the form was opened for (moved or removed
   * meanwhile): 409, nothing saved, the form again with what was typed, posting to where that section is now.
   */
  const staleSection = async (req: Request, res: Response, slug: PageSlug, n: number, opened: Opened, typed: Section): Promise<void> => {
    const at = (await pages.page(slug)).draft.sections.findIndex((s) => s.anchor === opened.anchor && s.type === opened.type) + 1;
    const conflict = at ? { key: 'admin-pages:errors.section_moved', n: at } : { key: 'admin-pages:errors.section_gone' };
    sectionForm(req, res, slug, at || n, typed, { status: 409, opened, conflict });
  };

  /** Run an edit of the draft; a content that does not fit comes back as field errors. */
  const edit = async (req: Request, slug: PageSlug, fn: (c: PageContent) => PageContent, what: string): Promise<Record<string, string> | null> => {
    try {
      await pages.editDraft(slug, fn, actorOf(req), what);
      return null;
    } catch (err) {
      if (err instanceof ZodError) return issuesOf(err);
      throw err;
    }
  };

  return {
    list: async (req: Request, res: Response): Promise<void> => {
      res.render('admin/pages/list', { title: req.t('admin-pages:list.title'), rows: await pages.pages(), paths: PAGE_PATHS });
    },

    edit: async (req: Request, res: Response): Promise<void> => editor(req, res, slugOf(req)),

    /** POST /admin/pages/:slug/seo */
    saveSeo: async (req: Request, res: Response): Promise<void> => {
      const slug = slugOf(req);
      const page = await pages.page(slug);
      const seo = readForm(page.draft.seo, req.body, 'seo');
      const errors = await edit(req, slug, (c) => ({ ...c, seo }), 'seo');
      if (errors) return editor(req, res, slug, Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, v])), seo, 422);
      flash(req, 'success', 'admin-pages:flash.saved');
      res.redirect(303, editorOf(slug));
    },

    /** POST /admin/pages/:slug/sections: add an empty section of the posted type at the end. */
    addSection: async (req: Request, res: Response): Promise<void> => {
      const slug = slugOf(req);
      const type = (req.body as Record<string, unknown>).type;
      if (!(SECTION_TYPES as readonly unknown[]).includes(type)) {
        flash(req, 'error', 'admin-pages:errors.section_type');
        return res.redirect(303, editorOf(slug));
      }
      let n = 0;
      const errors = await edit(req, slug, (c) => {
        n = c.sections.length + 1;
        const taken = new Set(c.sections.map((s) => s.anchor));
        let i = n;
        while (taken.has(`${type as SectionType}-${i}`)) i += 1;
        return { ...c, sections: [...c.sections, emptySection(type as SectionType, i)] };
      }, 'section_added');
      if (errors) {
        flash(req, 'error', 'admin-pages:errors.sections_full');
        return res.redirect(303, editorOf(slug));
      }
      flash(req, 'success', 'admin-pages:flash.section_added');
      res.redirect(303, `${editorOf(slug)}/sections/${n}`);
    },

    /** POST /admin/pages/:slug/sections/:n/up | down */
    move: (direction: 'up' | 'down') => async (req: Request, res: Response): Promise<void> => {
      const slug = slugOf(req);
      const n = numberOf(req.params.n);
      await edit(req, slug, (c) => {
        sectionAt(c, n);
        const to = direction === 'up' ? n - 2 : n;
        if (to < 0 || to >= c.sections.length) return c;
        const sections = [...c.sections];
        [sections[n - 1], sections[to]] = [sections[to]!, sections[n - 1]!];
        return { ...c, sections };
      }, 'section_moved');
      res.redirect(303, `${editorOf(slug)}#sections`);
    },

    /** POST /admin/pages/:slug/sections/:n/delete (confirmation step) */
    removeSection: async (req: Request, res: Response): Promise<void> => {
      const slug = slugOf(req);
      const n = numberOf(req.params.n);
      const section = sectionAt((await pages.page(slug)).draft, n);
      if (!confirmed(req, res, {
        title: 'admin-pages:remove.title', message: 'admin-pages:remove.message', params: { n, type: req.t(`admin-pages:type.${section.type}`) },
        action: `${editorOf(slug)}/sections/${n}/delete`, back: editorOf(slug), button: 'admin-pages:remove.button', danger: true,
      })) return;
      await edit(req, slug, (c) => ({ ...c, sections: c.sections.filter((_s, i) => i !== n - 1) }), 'section_removed');
      flash(req, 'success', 'admin-pages:flash.section_removed');
      res.redirect(303, `${editorOf(slug)}#sections`);
    },

    /** GET /admin/pages/:slug/sections/:n */
    section: async (req: Request, res: Response): Promise<void> => {
      const slug = slugOf(req);
      const n = numberOf(req.params.n);
      sectionForm(req, res, slug, n, sectionAt((await pages.page(slug)).draft, n));
    },

    /**
     * POST /admin/pages/:slug/sections/:n: its fields; `op` add-item / remove-item-<i> adds or removes a service or question too.
     * The form names the section it was opened for (`_anchor`, `_type`); the save checks, in its transaction, that section
     * `n` is still that one (sections moved or removed meanwhile: 409, see staleSection).
     */
    saveSection: async (req: Request, res: Response): Promise<void> => {
      const slug = slugOf(req);
      const n = numberOf(req.params.n);
      const body = (req.body ?? {}) as Record<string, unknown>;
      const opened = openedOf(body);
      if (!opened) {
        flash(req, 'error', 'admin-pages:errors.section_form');
        return res.redirect(303, `${editorOf(slug)}/sections/${n}`);
      }
      const next = applyOp(readForm(sectionShape(opened.type, body) as unknown as Record<string, unknown>, body) as unknown as Section, body.op);
      let errors: Record<string, string> | null;
      try {
        errors = await edit(req, slug, (c) => {
          const s = c.sections[n - 1];
          if (!s || s.anchor !== opened.anchor || s.type !== opened.type) throw new SectionChanged();
          return { ...c, sections: c.sections.map((x, i) => (i === n - 1 ? next : x)) };
        }, 'section_saved');
      } catch (err) {
        if (err instanceof SectionChanged) return staleSection(req, res, slug, n, opened, next);
        throw err;
      }
      if (errors) return sectionForm(req, res, slug, n, next, { errors: stripPrefix(errors, `sections.${n - 1}.`), status: 422, opened });
      flash(req, 'success', 'admin-pages:flash.saved');
      res.redirect(303, typeof body.op === 'string' ? `${editorOf(slug)}/sections/${n}` : editorOf(slug));
    },

    /** GET /admin/pages/:slug/preview: the draft as the public would see it (this admin's language). */
    preview: async (req: Request, res: Response): Promise<void> => {
      const slug = slugOf(req);
      const content = (await pages.page(slug)).draft;
      const plans = needsPlans(content) ? await deps.subscriptions.publicPlans() : [];
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('X-Robots-Tag', 'noindex');
      res.render('cms/page', {
        ...pageLocals({ content, plans, baseUrl: deps.config.baseUrl, preview: req.t(`admin-pages:page.${slug}`) }, req.locale), ...BILLING_VIEW_HELPERS,
      });
    },

    /** POST /admin/pages/:slug/publish */
    publish: async (req: Request, res: Response): Promise<void> => {
      const slug = slugOf(req);
      const number = await pages.publish(slug, actorOf(req));
      flash(req, 'success', 'admin-pages:flash.published', { number });
      res.redirect(303, editorOf(slug));
    },

    /** POST /admin/pages/:slug/archive (confirmation step) */
    archive: async (req: Request, res: Response): Promise<void> => {
      const slug = slugOf(req);
      if (!confirmed(req, res, {
        title: 'admin-pages:archive.title', message: 'admin-pages:archive.message', params: { page: req.t(`admin-pages:page.${slug}`) },
        action: `${editorOf(slug)}/archive`, back: editorOf(slug), button: 'admin-pages:archive.button', danger: true,
      })) return;
      const page = await pages.page(slug);
      if (page.archivedAt) {
        flash(req, 'info', 'admin-pages:flash.already_archived');
      } else {
        await pages.archive(slug, actorOf(req));
        flash(req, 'success', 'admin-pages:flash.archived');
      }
      res.redirect(303, editorOf(slug));
    },

    /** GET /admin/pages/:slug/versions */
    versions: async (req: Request, res: Response): Promise<void> => {
      const slug = slugOf(req);
      const q = parseListQuery(req.query as Record<string, unknown>);
      const [page, versions] = await Promise.all([pages.page(slug), pages.versions(slug, q.offset, q.perPage)]);
      res.render('admin/pages/versions', {
        title: req.t('admin-pages:versions.title', { page: req.t(`admin-pages:page.${slug}`) }), slug, page, versions: versions.rows,
        total: versions.total, pg: pager(q, versions.total, `/admin/pages/${slug}/versions`),
      });
    },

    /** GET /admin/pages/:slug/diff?a=&b= (without two version numbers: a page sending back to the versions) */
    diff: async (req: Request, res: Response): Promise<void> => {
      const slug = slugOf(req);
      const valid = (v: unknown) => typeof v === 'string' && /^[1-9]\d{0,3}$/.test(v);
      if (!valid(req.query.a) || !valid(req.query.b)) {
        return res.render('admin/pages/diff', { title: req.t('admin-pages:diff.choose_title'), slug, a: 0, b: 0, text: null });
      }
      const a = Number(req.query.a);
      const b = Number(req.query.b);
      const text = await pages.diff(slug, a, b);
      res.render('admin/pages/diff', { title: req.t('admin-pages:diff.title', { a, b }), slug, a, b, text });
    },

    /** POST /admin/pages/:slug/versions/:n/restore (confirmation step) */
    restore: async (req: Request, res: Response): Promise<void> => {
      const slug = slugOf(req);
      const n = numberOf(req.params.n);
      if (!(await pages.version(slug, n))) throw new NotFoundError('no such version');
      if (!confirmed(req, res, {
        title: 'admin-pages:restore.title', message: 'admin-pages:restore.message', params: { n },
        action: `${editorOf(slug)}/versions/${n}/restore`, back: `${editorOf(slug)}/versions`, button: 'admin-pages:restore.button',
      })) return;
      await pages.restore(slug, n, actorOf(req));
      flash(req, 'success', 'admin-pages:flash.restored', { n });
      res.redirect(303, editorOf(slug));
    },

    /** POST /admin/pages/:slug/images (multipart, after multer and the CSRF check): store an image, show its path. */
    upload: async (req: Request, res: Response): Promise<void> => {
      const slug = slugOf(req);
      try {
        const uploadError = uploadErrorOf(req);
        if (uploadError || !req.file) return await editor(req, res, slug, {}, undefined, 422, { error: uploadError ?? 'admin-pages:errors.image_missing' });
        const stored = await storeImage(uploadsDir(deps.config.paths.files), await fs.promises.readFile(req.file.path));
        if (!stored.ok) return await editor(req, res, slug, {}, undefined, 422, { error: stored.error });
        flash(req, 'success', 'admin-pages:flash.uploaded', { path: stored.path });
        res.redirect(303, `${editorOf(slug)}#images`);
      } finally {
        await discardUploads(req);
      }
    },
  };
}

/** The section a form was opened for: its anchor and type when it was shown. */
interface Opened {
  anchor: string;
  type: SectionType;
}

/** Thrown inside the save's transaction when section n is no longer the one the form was opened for (nothing written). */
class SectionChanged extends Error {}

/** The posted `_anchor` and `_type` (null when missing or not a section type). */
function openedOf(body: Record<string, unknown>): Opened | null {
  const { _anchor: anchor, _type: type } = body;
  if (typeof anchor !== 'string' || anchor.length > 40 || !(SECTION_TYPES as readonly unknown[]).includes(type)) return null;
  return { anchor, type: type as SectionType };
}

function stripPrefix(errors: Record<string, string>, prefix: string): Record<string, string> {
  return Object.fromEntries(Object.entries(errors).map(([k, v]) => [k.startsWith(prefix) ? k.slice(prefix.length) : k, v]));
}

/** The section with a service (services) or a question (faq) added or removed, as the form's `op` button asks. */
function applyOp(s: Section, op: unknown): Section {
  if (typeof op !== 'string') return s;
  const remove = /^remove-item-(\d{1,3})$/.exec(op);
  if (s.type === 'services') {
    if (op === 'add-item') return { ...s, services: [...s.services, emptyService((s.services.length + 1) * 10)] };
    if (remove) return { ...s, services: s.services.filter((_x, i) => i !== Number(remove[1])) };
  }
  if (s.type === 'faq') {
    if (op === 'add-item') return { ...s, items: [...s.items, { q: { fr: '', en: '' }, a: { fr: '', en: '' } }] };
    if (remove) return { ...s, items: s.items.filter((_x, i) => i !== Number(remove[1])) };
  }
  return s;
}
