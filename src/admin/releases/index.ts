/**
 * Admin area: /admin/releases (admin and superadmin only; support gets 403).
 *
 *   GET  /admin/releases                 list (search, state, sort, pages of 50) and the upload form
 *   POST /admin/releases                 upload a .deb (multipart: `_csrf` first, `deb`, `changelog`)
 *   GET  /admin/releases/:id             one release: meta, download counts, changelog form, actions
 *   POST /admin/releases/:id/changelog   edit the changelog
 *   POST /admin/releases/:id/publish     publish (confirmed); a version higher than the one served by
 *                                        /download/latest becomes the latest, unless `keep_latest=yes`
 *   POST /admin/releases/:id/unpublish   unpublish (confirmed)
 *   POST /admin/releases/:id/latest      mark latest of its product (confirmed)
 *   POST /admin/releases/:id/delete      delete an unpublished release, row and file (confirmed)
 *
 * An upload is refused with the reason on the form (422; 409 when the
 * version or file exists): not a Debian package, too big, cut short, a
 * hostile upload name or control field. See releases.service.ts.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { nameParts } from '../../downloads/index.js';
import { actorOf } from '../../http/actor.js';
import { AppError, ConflictError, ERR, NotFoundError, ValidationError } from '../../errors/index.js';
import { flash } from '../../http/flash.js';
import { fieldErrors, multiLine } from '../../http/text-fields.js';
import type { AdminDeps } from '../context.js';
import { adminOnly, confirmed, pager, parseListQuery, queryString, routeId } from '../shared.js';
import { discardUploads, releaseUpload, uploadErrorOf } from './release-upload.js';
import { ReleasesAdminService } from './releases.service.js';

const SORTS = ['created', 'published', 'version', 'downloads'] as const;
const STATES = ['published', 'unpublished', 'latest'] as const;
const CHANGELOG_MAX = 20_000;

const changelogField = multiLine(0, CHANGELOG_MAX, {
  short: 'admin-releases:errors.changelog_long', long: 'admin-releases:errors.changelog_long', invalid: 'admin-releases:errors.changelog_invalid',
});
const changelogSchema = z.object({ changelog: changelogField.optional().transform((v) => v ?? '') });

// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const HOSTILE_NAME = /[/\\\u0000-\u001f\u007f]|\.\./;

/**
 * A size in binary units, as RELEASE_MAX_BYTES is usually configured
 * (524288000 = "500 Mio" / "500 MiB"; 4000 = "3,9 Kio"), one decimal at most.
 */
function binarySize(req: Request, bytes: number): string {
  const units = ['b', 'kib', 'mib', 'gib'] as const;
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
  const n = new Intl.NumberFormat(req.locale === 'fr' ? 'fr-FR' : 'en-GB', { maximumFractionDigits: 1 }).format(v);
  return req.t(`admin-releases:sizes.${units[i]!}`, { n });
}

/** The release id of the route, or a 404. */
function idOf(req: Request): number {
  const id = routeId(req.params.id);
  if (id === null) throw new NotFoundError('no such release');
  return id;
}

export function createAdminReleasesRouter(deps: AdminDeps): Router {
  const service = new ReleasesAdminService(deps);
  const router = Router();

  const renderList = async (
    req: Request, res: Response, status: number, errors: Record<string, string | { key: string; params: Record<string, string> }>,
    values: { changelog: string },
  ): Promise<void> => {
    const q = parseListQuery(req.query as Record<string, unknown>, SORTS, ['state']);
    const state = (STATES as readonly string[]).includes(q.params.state ?? '') ? q.params.state! : '';
    const { rows, total } = await deps.downloads.releases.listWithCounts({ q: q.q, state }, q.sort, q.dir, q.perPage, q.offset);
    const served = await service.served();
    res.status(status).render('admin/releases/index', {
      title: req.t('admin-releases:list.title'), rows: rows.map((r) => ({ ...r, ...nameParts(r.filename), served: served.some((s) => s.id === r.id) })),
      total, q, state, states: STATES, sorts: SORTS, pg: pager(q, total, '/admin/releases'), queryString, errors, values, served,
      maxSize: binarySize(req, deps.config.releaseMaxBytes),
    });
  };

  router.get('/admin/releases', adminOnly, async (req, res) => renderList(req, res, 200, {}, { changelog: '' }));

  router.post('/admin/releases', adminOnly, releaseUpload(deps.config), deps.csrfAfterUpload, async (req: Request, res: Response) => {
    let outcome: UploadOutcome;
    try {
      outcome = await attemptUpload(req);
    } finally {
      // Before any answer, the error page included: nothing of the upload stays in files/.tmp.
      await discardUploads(req);
    }
    if ('release' in outcome) {
      flash(req, 'success', 'admin-releases:flash.uploaded', { filename: outcome.release.filename });
      res.redirect(303, `/admin/releases/${outcome.release.id}`);
      return;
    }
    await renderList(req, res, outcome.status, outcome.errors, { changelog: typeof req.body?.changelog === 'string' ? req.body.changelog : '' });
  });

  type UploadOutcome = { release: { id: number; filename: string } } | {
    status: number; errors: Record<string, string | { key: string; params: Record<string, string> }>;
  };

  async function attemptUpload(req: Request): Promise<UploadOutcome> {
    const uploadError = uploadErrorOf(req);
    if (uploadError) return { status: 422, errors: { deb: uploadError } };
    const file = req.file;
    if (!file) return { status: 422, errors: { deb: 'admin-releases:errors.no_file' } };
    if (HOSTILE_NAME.test(file.originalname) || file.originalname.length > 255) return { status: 422, errors: { deb: 'admin-releases:errors.bad_name' } };
    const parsed = changelogSchema.safeParse(req.body ?? {});
    if (!parsed.success) return { status: 422, errors: fieldErrors(parsed.error, () => 'admin-releases:errors.changelog_invalid') };
    try {
      return { release: await service.upload(file.path, parsed.data.changelog, actorOf(req)) };
    } catch (err) {
      if (err instanceof ValidationError) return { status: 422, errors: err.fields };
      if (err instanceof ConflictError && err.code === ERR.RELEASE_EXISTS) {
        const d = err.details as { key: string; params: Record<string, string> };
        return { status: 409, errors: { deb: { key: d.key, params: d.params } } };
      }
      throw err;
    }
  }

  const renderShow = async (req: Request, res: Response, status: number, id: number, errors: Record<string, string>, changelog?: string): Promise<void> => {
    const release = await service.get(id);
    const counts = await deps.downloads.releases.countsOf(id);
    res.status(status).render('admin/releases/show', {
      title: req.t('admin-releases:show.title', { version: release.version }), release, parts: nameParts(release.filename), counts, errors,
      changelog: changelog ?? release.changelog, plan: await service.publishPlan(release),
    });
  };

  router.get('/admin/releases/:id', adminOnly, async (req, res) => renderShow(req, res, 200, idOf(req), {}));

  router.post('/admin/releases/:id/changelog', adminOnly, async (req, res) => {
    const id = idOf(req);
    const parsed = changelogSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      const raw = (req.body as Record<string, unknown> | undefined)?.changelog;
      return renderShow(req, res, 422, id, fieldErrors(parsed.error, () => 'admin-releases:errors.changelog_invalid'), typeof raw === 'string' ? raw : '');
    }
    const changed = await service.editChangelog(id, parsed.data.changelog, actorOf(req));
    flash(req, changed ? 'success' : 'info', changed ? 'admin-releases:flash.changelog_saved' : 'admin-releases:flash.unchanged');
    res.redirect(303, `/admin/releases/${id}`);
  });

  router.post('/admin/releases/:id/publish', adminOnly, async (req, res) => {
    const id = idOf(req);
    const release = await service.get(id);
    const back = `/admin/releases/${id}`;
    const keepLatest = (req.body as Record<string, unknown> | undefined)?.keep_latest === 'yes';
    const plan = await service.publishPlan(release);
    const message = !plan.becomesLatest ? 'publish_older' : plan.served ? (keepLatest ? 'publish_keep' : 'publish_newer') : 'publish';
    if (!confirmed(req, res, {
      title: 'admin-releases:confirm.publish_title', message: `admin-releases:confirm.${message}`,
      params: { version: release.version, filename: release.filename, served: plan.served?.version ?? '' }, action: `${back}/publish`, back,
    })) return;
    const { changed, latest } = await service.publish(id, actorOf(req), keepLatest);
    const key = !changed ? 'unchanged' : latest ? 'publish_latest' : 'publish';
    flash(req, changed ? 'success' : 'info', `admin-releases:flash.${key}`, { version: release.version });
    res.redirect(303, back);
  });

  const actions = [
    { name: 'unpublish', run: (id: number, req: Request) => service.unpublish(id, actorOf(req)), danger: true },
    { name: 'latest', run: (id: number, req: Request) => service.markLatest(id, actorOf(req)), danger: false },
  ] as const;
  for (const action of actions) {
    router.post(`/admin/releases/:id/${action.name}`, adminOnly, async (req, res) => {
      const id = idOf(req);
      const release = await service.get(id);
      const back = `/admin/releases/${id}`;
      if (!confirmed(req, res, {
        title: `admin-releases:confirm.${action.name}_title`, message: `admin-releases:confirm.${action.name}`,
        params: { version: release.version, filename: release.filename }, action: `${back}/${action.name}`, back, danger: action.danger,
      })) return;
      try {
        const changed = await action.run(id, req);
        flash(
          req, changed ? 'success' : 'info', changed ? `admin-releases:flash.${action.name}` : 'admin-releases:flash.unchanged',
          { version: release.version },
        );
      } catch (err) {
        if (!(err instanceof AppError && err.code === ERR.RELEASE_NOT_PUBLISHED)) throw err;
        flash(req, 'error', 'admin-releases:errors.latest_unpublished');
      }
      res.redirect(303, back);
    });
  }

  router.post('/admin/releases/:id/delete', adminOnly, async (req, res) => {
    const id = idOf(req);
    const release = await service.get(id);
    const back = `/admin/releases/${id}`;
    if (!confirmed(req, res, {
      title: 'admin-releases:confirm.delete_title', message: 'admin-releases:confirm.delete', params: { version: release.version, filename: release.filename },
      action: `${back}/delete`, back, danger: true, button: 'admin-releases:actions.delete',
    })) return;
    try {
      await service.delete(id, actorOf(req));
    } catch (err) {
      if (!(err instanceof AppError && err.code === ERR.RELEASE_PUBLISHED)) throw err;
      flash(req, 'error', 'admin-releases:errors.delete_published');
      return res.redirect(303, back);
    }
    flash(req, 'success', 'admin-releases:flash.deleted', { filename: release.filename });
    res.redirect(303, '/admin/releases');
  });

  return router;
}
