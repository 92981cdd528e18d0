/**
 * Admin area "Pages": the editable public pages (home, features,
 * subscription). Admin and superadmin only (support neither reads nor
 * edits). PagesService (src/cms) writes and audits.
 *
 *   GET  /admin/pages                                 the pages: state, published version, unpublished changes
 *   GET  /admin/pages/:slug                           the editor: SEO fields, sections (up, down, edit, remove, add), images, publish, archive
 *   POST /admin/pages/:slug/seo                       the SEO fields of the draft (page.draft_saved)
 *   POST /admin/pages/:slug/sections                  add a section of a type at the end (page.draft_saved)
 *   GET  /admin/pages/:slug/sections/:n               a section's form (French and English fields)
 *   POST /admin/pages/:slug/sections/:n               its fields, or add/remove a service or question (page.draft_saved)
 *   POST /admin/pages/:slug/sections/:n/up            one place up (page.draft_saved)
 *   POST /admin/pages/:slug/sections/:n/down          one place down (page.draft_saved)
 *   POST /admin/pages/:slug/sections/:n/delete        confirmation step, then remove (page.draft_saved)
 *   GET  /admin/pages/:slug/preview                   the draft as the public will see it (not cached, not indexed)
 *   POST /admin/pages/:slug/publish                   the draft becomes a new version, public at once (page.published)
 *   POST /admin/pages/:slug/archive                   confirmation step, then the shipped default is shown (page.archived)
 *   GET  /admin/pages/:slug/versions                  the versions: number, parent, author, date; restore; compare
 *   GET  /admin/pages/:slug/diff?a=&b=                the plain-text diff of two versions
 *   POST /admin/pages/:slug/versions/:n/restore       confirmation step, then the version becomes the draft (page.restored)
 *   POST /admin/pages/:slug/images                    upload an image (multipart, multer before CSRF; PNG, JPEG, WebP, SVG sanitised)
 */
import { Router } from 'express';
import { IMAGE_MAX_BYTES } from '../../cms/index.js';
import { singleFileUpload } from '../../http/upload.js';
import type { AdminDeps } from '../context.js';
import { adminOnly } from '../shared.js';
import { createPagesAdminController } from './pages.controller.js';

export function createAdminPagesRouter(deps: AdminDeps): Router {
  const ctl = createPagesAdminController(deps);
  const upload = singleFileUpload(deps.config, {
    field: 'image', maxBytes: IMAGE_MAX_BYTES,
    errors: { tooBig: 'admin-pages:errors.image_too_big', oneFile: 'admin-pages:errors.image_single', failed: 'admin-pages:errors.image_failed' },
  });
  const router = Router();
  router.get('/admin/pages', adminOnly, ctl.list);
  router.get('/admin/pages/:slug', adminOnly, ctl.edit);
  router.post('/admin/pages/:slug/seo', adminOnly, ctl.saveSeo);
  router.post('/admin/pages/:slug/sections', adminOnly, ctl.addSection);
  router.get('/admin/pages/:slug/sections/:n', adminOnly, ctl.section);
  router.post('/admin/pages/:slug/sections/:n', adminOnly, ctl.saveSection);
  router.post('/admin/pages/:slug/sections/:n/up', adminOnly, ctl.move('up'));
  router.post('/admin/pages/:slug/sections/:n/down', adminOnly, ctl.move('down'));
  router.post('/admin/pages/:slug/sections/:n/delete', adminOnly, ctl.removeSection);
  router.get('/admin/pages/:slug/preview', adminOnly, ctl.preview);
  router.post('/admin/pages/:slug/publish', adminOnly, ctl.publish);
  router.post('/admin/pages/:slug/archive', adminOnly, ctl.archive);
  router.get('/admin/pages/:slug/versions', adminOnly, ctl.versions);
  router.get('/admin/pages/:slug/diff', adminOnly, ctl.diff);
  router.post('/admin/pages/:slug/versions/:n/restore', adminOnly, ctl.restore);
  router.post('/admin/pages/:slug/images', adminOnly, upload, deps.csrfAfterUpload, ctl.upload);
  return router;
}
