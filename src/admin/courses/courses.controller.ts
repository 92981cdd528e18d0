/**
 * /admin/courses: the courses and their lessons. Support reads; admin and
 * superadmin create and edit courses, upload, retitle, reorder and delete
 * lessons: CoursesService writes and audits. A refused form (or upload)
 * comes back with its field errors (422).
 */
import type { Request, Response } from 'express';
import { CURRENCIES, formatMoney } from '../../billing/index.js';
import { COURSE_ACCESS, type Course, type Lesson } from '../../courses/index.js';
import { NotFoundError, ValidationError } from '../../errors/index.js';
import { actorOf } from '../../http/actor.js';
import { flash } from '../../http/flash.js';
import { discardUploads, uploadErrorOf } from '../../http/upload.js';
import type { AdminDeps } from '../context.js';
import { confirmed, routeId } from '../shared.js';
import {
  COURSE_FORM_FIELDS, courseValues, durationText, LESSON_FORM_FIELDS, lessonValues, NEW_COURSE_VALUES, parseCourse, parseLesson, typed,
} from './forms.js';

const canAct = (req: Request): boolean => req.account?.role === 'admin' || req.account?.role === 'superadmin';
const fieldsOf = (err: unknown): Record<string, string> | null => (err instanceof ValidationError ? err.fields : null);

export function createCoursesAdminController(deps: AdminDeps) {
  const { courses } = deps;
  const common = (req: Request) => ({
    canAct: canAct(req), durationText,
    money: (c: Course) => (c.price !== null && c.currency ? formatMoney(c.price, c.currency, req.locale === 'en' ? 'en-GB' : 'fr-FR') : ''),
  });

  const load = async (req: Request): Promise<Course> => {
    const id = routeId(req.params.id);
    const c = id === null ? null : await courses.byId(id);
    if (!c) throw new NotFoundError('no such course');
    return c;
  };

  /** The course page: its form (new or existing), its lessons and the upload form. */
  const form = async (req: Request, res: Response, c: Course | null, values: Record<string, string>, errors: Record<string, string> = {},
    lesson: { values: Record<string, string>; errors: Record<string, string> } = { values: {}, errors: {} }, status = 200): Promise<void> => {
    const [products, lessons] = await Promise.all([courses.products(), c ? courses.lessonsOf(c.id) : []]);
    const title = c ? req.t('admin-courses:form.edit_title', { title: c.titleFr }) : req.t('admin-courses:form.new_title');
    res.status(status).render('admin/courses/form', {
      ...common(req), title, course: c, values, errors, products, lessons, lesson, accesses: COURSE_ACCESS, currencies: CURRENCIES,
      limits: deps.config.courses,
    });
  };

  return {
    list: async (req: Request, res: Response): Promise<void> => {
      res.render('admin/courses/list', { ...common(req), title: req.t('admin-courses:list.title'), rows: await courses.list() });
    },

    newForm: (req: Request, res: Response): Promise<void> => form(req, res, null, NEW_COURSE_VALUES),

    create: async (req: Request, res: Response): Promise<void> => {
      const values = typed(req.body, COURSE_FORM_FIELDS);
      const parsed = parseCourse(req.body);
      if (!parsed.ok) return form(req, res, null, values, parsed.errors, undefined, 422);
      let id: number;
      try {
        id = await courses.create(parsed.data, actorOf(req));
      } catch (err) {
        if (fieldsOf(err)) return form(req, res, null, values, fieldsOf(err)!, undefined, 422);
        throw err;
      }
      flash(req, 'success', 'admin-courses:flash.created', { slug: parsed.data.slug });
      res.redirect(303, `/admin/courses/${id}`);
    },

    edit: async (req: Request, res: Response): Promise<void> => {
      const c = await load(req);
      await form(req, res, c, courseValues(c, req.locale));
    },

    update: async (req: Request, res: Response): Promise<void> => {
      const c = await load(req);
      const values = typed(req.body, COURSE_FORM_FIELDS);
      const parsed = parseCourse(req.body);
      if (!parsed.ok) return form(req, res, c, values, parsed.errors, undefined, 422);
      try {
        await courses.update(c.id, parsed.data, actorOf(req));
      } catch (err) {
        if (fieldsOf(err)) return form(req, res, c, values, fieldsOf(err)!, undefined, 422);
        throw err;
      }
      flash(req, 'success', 'admin-courses:flash.updated', { slug: parsed.data.slug });
      res.redirect(303, `/admin/courses/${c.id}`);
    },

    /** POST /admin/courses/:id/lessons (multipart, after multer and the CSRF check). */
    addLesson: async (req: Request, res: Response): Promise<void> => {
      try {
        const c = await load(req);
        const values = typed(req.body, LESSON_FORM_FIELDS);
        const uploadError = uploadErrorOf(req);
        const parsed = parseLesson(req.body);
        const refuse = (errors: Record<string, string>) => form(req, res, c, courseValues(c, req.locale), {}, { values, errors }, 422);
        if (uploadError || !parsed.ok) return await refuse({ ...(parsed.ok ? {} : parsed.errors), ...(uploadError ? { file: uploadError } : {}) });
        try {
          await courses.addLesson(c.id, req.file?.path ?? null, parsed.data, actorOf(req));
        } catch (err) {
          if (fieldsOf(err)) return await refuse(fieldsOf(err)!);
          throw err;
        }
        flash(req, 'success', 'admin-courses:flash.lesson_added', { title: parsed.data.titleFr });
        res.redirect(303, `/admin/courses/${c.id}#lessons`);
      } finally {
        await discardUploads(req);
      }
    },
  };
}

export function createLessonsAdminController(deps: AdminDeps) {
  const { courses } = deps;
  const load = async (req: Request): Promise<{ lesson: Lesson; course: Course }> => {
    const id = routeId(req.params.id);
    const lesson = id === null ? null : await courses.lessonById(id);
    const course = lesson ? await courses.byId(lesson.courseId) : null;
    if (!lesson || !course) throw new NotFoundError('no such lesson');
    return { lesson, course };
  };
  const show = (req: Request, res: Response, x: { lesson: Lesson; course: Course }, values: Record<string, string>, errors: Record<string, string> = {},
    status = 200): void => {
    res.status(status).render('admin/courses/lesson', {
      canAct: canAct(req), title: req.t('admin-courses:lesson.title', { title: x.lesson.titleFr }), ...x, values, errors,
    });
  };

  return {
    edit: async (req: Request, res: Response): Promise<void> => {
      const x = await load(req);
      show(req, res, x, lessonValues(x.lesson));
    },
    update: async (req: Request, res: Response): Promise<void> => {
      const x = await load(req);
      const parsed = parseLesson(req.body);
      if (!parsed.ok) return show(req, res, x, typed(req.body, LESSON_FORM_FIELDS), parsed.errors, 422);
      await courses.updateLesson(x.lesson.id, parsed.data, actorOf(req));
      flash(req, 'success', 'admin-courses:flash.lesson_updated', { title: parsed.data.titleFr });
      res.redirect(303, `/admin/courses/${x.course.id}#lessons`);
    },
    move: (direction: 'up' | 'down') => async (req: Request, res: Response): Promise<void> => {
      const x = await load(req);
      await courses.moveLesson(x.lesson.id, direction, actorOf(req));
      res.redirect(303, `/admin/courses/${x.course.id}#lessons`);
    },
    remove: async (req: Request, res: Response): Promise<void> => {
      const x = await load(req);
      if (!confirmed(req, res, {
        title: 'admin-courses:delete.title', message: 'admin-courses:delete.message', params: { title: x.lesson.titleFr, course: x.course.titleFr },
        action: `/admin/course-lessons/${x.lesson.id}/delete`, back: `/admin/courses/${x.course.id}`, button: 'admin-courses:delete.button', danger: true,
      })) return;
      await courses.deleteLesson(x.lesson.id, actorOf(req));
      flash(req, 'success', 'admin-courses:flash.lesson_deleted', { title: x.lesson.titleFr });
      res.redirect(303, `/admin/courses/${x.course.id}#lessons`);
    },
  };
}
