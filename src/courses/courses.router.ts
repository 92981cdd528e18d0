/** Routes of the courses component (customer side; the staff pages are src/admin/courses). */
import { Router } from 'express';
import { requireLogin } from '../http/auth.js';
import type { createCoursesController } from './courses.controller.js';

export function createCoursesRouter(ctl: ReturnType<typeof createCoursesController>): Router {
  const router = Router();
  router.get('/courses', ctl.catalogue);
  router.get('/courses/media/:token', ctl.media);
  router.get('/courses/:slug', ctl.course);
  router.get('/courses/:slug/lessons/:id', requireLogin, ctl.lesson);
  router.post('/courses/:slug/lessons/:id/complete', requireLogin, ctl.complete);
  return router;
}
