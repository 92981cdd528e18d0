/**
 * The customer pages of courses (catalogue, a course, a lesson, marking a
 * lesson completed) and the signed media route that streams a lesson's
 * file with HTTP ranges (planRange and streamFile of the downloads
 * component). No lesson file has a direct URL.
 */
import fs from 'node:fs';
import type { Request, Response } from 'express';
import { planRange, streamFile } from '../downloads/index.js';
import { NotFoundError } from '../errors/index.js';
import { flash } from '../http/flash.js';
import { SLUG_PATTERN } from './course-fields.js';
import type { Course, Lesson } from './courses.repository.js';
import type { CoursesService, Viewer } from './courses.service.js';

/** The path's `:slug`, or a 404. */
function slugOf(req: Request): string {
  const slug = req.params.slug;
  if (typeof slug !== 'string' || !SLUG_PATTERN.test(slug)) throw new NotFoundError('no such course');
  return slug;
}

/** The path's `:id` (1 to 9 digits), or a 404. */
function lessonIdOf(req: Request): number {
  const id = req.params.id;
  if (typeof id !== 'string' || !/^[1-9]\d{0,8}$/.test(id)) throw new NotFoundError('no such lesson');
  return Number(id);
}

function viewerOf(req: Request): Viewer {
  return req.account ? { id: req.account.id, role: req.account.role } : null;
}

function account(req: Request): Exclude<Viewer, null> {
  return { id: req.account!.id, role: req.account!.role };
}

/** Texts of a course or lesson in the page's language, and durations as "12 min 05 s". */
function helpers(req: Request) {
  const en = req.locale === 'en';
  return {
    titleOf: (x: Course | Lesson) => (en ? x.titleEn : x.titleFr),
    descriptionOf: (c: Course) => (en ? c.descriptionEn : c.descriptionFr),
    duration: (s: number | null) => (s === null ? '' : req.t('courses:duration', { m: Math.floor(s / 60), s: String(s % 60).padStart(2, '0') })),
  };
}

export function createCoursesController(service: CoursesService) {
  return {
    /** GET /courses */
    catalogue: async (req: Request, res: Response): Promise<void> => {
      const entries = await service.catalogue(viewerOf(req));
      res.render('courses/index', { title: req.t('courses:catalogue.title'), entries, ...helpers(req) });
    },

    /** GET /courses/:slug */
    course: async (req: Request, res: Response): Promise<void> => {
      const view = await service.course(slugOf(req), viewerOf(req));
      res.render('courses/course', { title: helpers(req).titleOf(view.course), ...view, ...helpers(req), next: req.originalUrl });
    },

    /** GET /courses/:slug/lessons/:id */
    lesson: async (req: Request, res: Response): Promise<void> => {
      const view = await service.lesson(slugOf(req), lessonIdOf(req), account(req));
      res.setHeader('Cache-Control', 'private, no-store');
      res.render('courses/lesson', {
        title: helpers(req).titleOf(view.lesson), ...view, ...helpers(req), mediaUrl: `/courses/media/${view.token}`, linkMinutes: service.linkMinutes,
      });
    },

    /** POST /courses/:slug/lessons/:id/complete */
    complete: async (req: Request, res: Response): Promise<void> => {
      const slug = slugOf(req);
      const lesson = await service.complete(slug, lessonIdOf(req), account(req));
      flash(req, 'success', 'courses:flash.completed', { title: helpers(req).titleOf(lesson) });
      res.redirect(303, `/courses/${slug}/lessons/${lesson.id}`);
    },

    /** GET /courses/media/:token: the lesson's bytes, whole or one range, for the account the token was signed for. */
    media: async (req: Request, res: Response): Promise<void> => {
      const { lesson, file } = await service.media(String(req.params.token), viewerOf(req));
      const stat = await fs.promises.stat(file).catch(() => null);
      if (!stat?.isFile()) throw new NotFoundError('lesson file missing');
      res.setHeader('Accept-Ranges', 'bytes');
      res.setHeader('Cache-Control', 'private, no-store');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      // The lesson page shows a PDF in an <iframe>: this response (only) may be framed by the site itself.
      res.setHeader('Content-Security-Policy', "frame-ancestors 'self'");
      res.setHeader('X-Frame-Options', 'SAMEORIGIN');
      const plan = planRange(req, stat.size, null, null);
      if (plan.kind === 'unsatisfiable') {
        res.setHeader('Content-Range', `bytes */${plan.size}`);
        res.status(416).type('text/plain').send('Range Not Satisfiable');
        return;
      }
      res.setHeader('Content-Type', lesson.mime);
      if (lesson.kind === 'pdf') res.setHeader('Content-Disposition', `inline; filename="lesson-${lesson.id}.pdf"`);
      const [start, end] = plan.kind === 'partial' ? [plan.start, plan.end] : [0, plan.size - 1];
      if (plan.kind === 'partial') res.status(206).setHeader('Content-Range', `bytes ${start}-${end}/${plan.size}`);
      res.setHeader('Content-Length', String(end - start + 1));
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      streamFile(res, file, plan, () => undefined);
    },
  };
}
