/**
 * Admin area "Courses". Support reads; admin and superadmin act. CoursesService
 * (src/courses) writes and audits; this folder parses forms and renders.
 *
 *   GET  /admin/courses                       the courses: access, price, lessons, published
 *   GET  /admin/courses/new                   admin: the new course form
 *   POST /admin/courses                       admin: create (course.created)
 *   GET  /admin/courses/:id                   the course's form (read-only for support), its lessons, the upload form
 *   POST /admin/courses/:id                   admin: every field (course.updated)
 *   POST /admin/courses/:id/lessons           admin: upload a lesson (multipart, multer before CSRF; MP4, WebM or PDF by content) (course.lesson_added)
 *   GET  /admin/course-lessons/:id            a lesson's title and duration form
 *   POST /admin/course-lessons/:id            admin: title and duration (course.lesson_updated)
 *   POST /admin/course-lessons/:id/up         admin: one place up (course.lesson_moved)
 *   POST /admin/course-lessons/:id/down       admin: one place down (course.lesson_moved)
 *   POST /admin/course-lessons/:id/delete     admin, confirmation step: the lesson, its completions, then its file (course.lesson_deleted)
 */
import { Router } from 'express';
import { singleFileUpload } from '../../http/upload.js';
import type { AdminDeps } from '../context.js';
import { adminOnly, staffOnly } from '../shared.js';
import { createCoursesAdminController, createLessonsAdminController } from './courses.controller.js';

export function createAdminCoursesRouter(deps: AdminDeps): Router {
  const ctl = createCoursesAdminController(deps);
  const lessons = createLessonsAdminController(deps);
  // The largest of the two limits here; the service applies the one of the file's kind.
  const upload = singleFileUpload(deps.config, {
    field: 'file', maxBytes: Math.max(deps.config.courses.videoMaxBytes, deps.config.courses.pdfMaxBytes),
    errors: { tooBig: 'admin-courses:errors.file_too_big', oneFile: 'admin-courses:errors.file_single', failed: 'admin-courses:errors.file_failed' },
  });
  const router = Router();
  router.get('/admin/courses', staffOnly, ctl.list);
  router.get('/admin/courses/new', adminOnly, ctl.newForm);
  router.post('/admin/courses', adminOnly, ctl.create);
  router.get('/admin/courses/:id', staffOnly, ctl.edit);
  router.post('/admin/courses/:id', adminOnly, ctl.update);
  router.post('/admin/courses/:id/lessons', adminOnly, upload, deps.csrfAfterUpload, ctl.addLesson);
  router.get('/admin/course-lessons/:id', staffOnly, lessons.edit);
  router.post('/admin/course-lessons/:id', adminOnly, lessons.update);
  router.post('/admin/course-lessons/:id/up', adminOnly, lessons.move('up'));
  router.post('/admin/course-lessons/:id/down', adminOnly, lessons.move('down'));
  router.post('/admin/course-lessons/:id/delete', adminOnly, lessons.remove);
  return router;
}
