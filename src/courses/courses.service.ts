/**
 * Courses: the only writer of `courses`, `course_lessons`,
 * `lesson_completions` and `course_grants`. Staff changes are one
 * transaction each with their audit row (`course.created`, `course.updated`,
 * `course.lesson_added`, `course.lesson_updated`, `course.lesson_moved`,
 * `course.lesson_deleted`); the shop grants a paid course inside its own
 * transaction ({@link CoursesService.grant}, audit `course.granted`).
 *
 * Who may open a course is decided in one place, {@link CoursesService.access}.
 */
import type { Role } from '../accounts/index.js';
import { SYSTEM_ACTOR, type Actor, type AuditService } from '../audit/index.js';
import type { Config } from '../config/index.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors/index.js';
import type { Clock } from '../platform/clock.js';
import { isUniqueViolation, type Db } from '../platform/db.js';
import { courseErrors, lessonErrors, type LessonFields } from './course-fields.js';
import { CoursesRepository, type Course, type CourseFields, type Lesson } from './courses.repository.js';
import { LessonFiles } from './lesson-files.js';
import { mediaKey, signMedia, verifyMedia } from './media-token.js';
import { sniffMedia } from './media-type.js';

/** Whether an account owns a product (the shop's answer, given; else the licenses of its address: CoursesRepository.ownsProduct). */
export type OwnsProduct = (accountId: number, productId: number) => Promise<boolean>;

/** Who looks at a course: a logged-in account, or null for a visitor. */
export type Viewer = { id: number; role: Role } | null;

/** Open, or why not: `login` (a visitor), `product` (buy the product), `purchase` (buy the course). */
export type Access = { open: true } | { open: false; reason: 'login' | 'product' | 'purchase' };

export interface CourseView {
  course: Course;
  lessons: Lesson[];
  /** Ids of the lessons the viewer completed. */
  completed: Set<number>;
  access: Access;
  /** Completed lessons in percent of the course's lessons, 0..100 (whole). */
  progress: number;
}

export interface CoursesDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  config: Pick<Config['courses'], 'dir' | 'linkMinutes' | 'videoMaxBytes' | 'pdfMaxBytes'>;
  /** The secret the media key is derived from (the session secret). */
  secret: string;
  ownsProduct?: OwnsProduct;
}

const STAFF: readonly Role[] = ['support', 'admin', 'superadmin'];
const E = (k: string): string => `admin-courses:errors.${k}`;
const percent = (done: number, total: number): number => (total ? Math.floor((done * 100) / total) : 0);

export class CoursesService {
  private readonly repo: CoursesRepository;
  private readonly files: LessonFiles;
  private readonly key: Buffer;
  private readonly ownsProduct: OwnsProduct;

  constructor(private readonly deps: CoursesDeps) {
    this.repo = new CoursesRepository(deps.db);
    this.files = new LessonFiles(deps.config.dir);
    this.key = mediaKey(deps.secret);
    // The shop's ownership (a paid order) or, for licenses bought elsewhere, one of the account's address.
    this.ownsProduct = async (accountId, productId) => (await deps.ownsProduct?.(accountId, productId))
      || this.repo.ownsProduct(accountId, productId, deps.clock.now());
  }

  /** How long a media link stays valid, minutes (DOWNLOAD_LINK_MINUTES). */
  get linkMinutes(): number {
    return this.deps.config.linkMinutes;
  }

  /**
   * THE ENTITLEMENT RULE. Support, admin and superadmin open every course.
   * Otherwise: a visitor opens nothing (reason `login`); a `free` course
   * opens for any logged-in account; a `product` course for an account that
   * owns its product (`ownsProduct`: by default an active, unexpired license
   * of the product under the account's e-mail), else reason `product`; a
   * `paid` course for an account holding a `course_grants` row for it, else
   * reason `purchase`.
   */
  async access(viewer: Viewer, course: Course): Promise<Access> {
    if (!viewer) return { open: false, reason: 'login' };
    if (STAFF.includes(viewer.role) || course.access === 'free') return { open: true };
    if (course.access === 'product') {
      return course.productId !== null && await this.ownsProduct(viewer.id, course.productId) ? { open: true } : { open: false, reason: 'product' };
    }
    return await this.repo.hasGrant(viewer.id, course.id) ? { open: true } : { open: false, reason: 'purchase' };
  }

  /** The published courses with the viewer's access and progress. */
  async catalogue(viewer: Viewer): Promise<(CourseView & { lessonCount: number })[]> {
    const [courses, lessonCounts, done] = await Promise.all([
      this.repo.courses(true), this.repo.lessonCounts(), viewer ? this.repo.completedCounts(viewer.id) : new Map<number, number>(),
    ]);
    return Promise.all(courses.map(async (course) => {
      const n = lessonCounts.get(course.id) ?? 0;
      return { course, lessons: [], completed: new Set<number>(), access: await this.access(viewer, course), lessonCount: n,
        progress: percent(done.get(course.id) ?? 0, n) };
    }));
  }

  /** A published course of access `paid` with its price and currency (sold alone through the shop), or null. */
  async sellable(slug: string): Promise<Course | null> {
    const course = /^[a-z0-9-]{1,80}$/.test(slug) ? await this.repo.courseBySlug(slug) : null;
    return course?.published && course.access === 'paid' && course.price && course.price > 0 && course.currency ? course : null;
  }

  /** A course's page: published ones for everybody, unpublished ones for staff only (a preview). @throws NotFoundError */
  async course(slug: string, viewer: Viewer): Promise<CourseView> {
    const course = await this.repo.courseBySlug(slug);
    if (!course || (!course.published && !(viewer && STAFF.includes(viewer.role)))) throw new NotFoundError('no such course');
    const [lessons, completed, access] = await Promise.all([
      this.repo.lessons(course.id), viewer ? this.repo.completedIn(viewer.id, course.id) : new Set<number>(), this.access(viewer, course),
    ]);
    return { course, lessons, completed, access, progress: percent(lessons.filter((l) => completed.has(l.id)).length, lessons.length) };
  }

  /**
   * A lesson of the course `slug` the viewer may open, with its signed media
   * token (valid DOWNLOAD_LINK_MINUTES). @throws NotFoundError (no such lesson
   * in this course), ForbiddenError (not entitled).
   */
  async lesson(slug: string, lessonId: number, viewer: Exclude<Viewer, null>): Promise<CourseView & { lesson: Lesson; token: string }> {
    const view = await this.course(slug, viewer);
    const lesson = view.lessons.find((l) => l.id === lessonId);
    if (!lesson) throw new NotFoundError('no such lesson in this course');
    if (!view.access.open) throw new ForbiddenError('not entitled to this course');
    return { ...view, lesson, token: signMedia(this.key, lesson.id, viewer.id, this.deps.clock.now(), this.deps.config.linkMinutes) };
  }

  /** Mark a lesson completed by the viewer (same checks as {@link lesson}); returns the lesson. */
  async complete(slug: string, lessonId: number, viewer: Exclude<Viewer, null>): Promise<Lesson> {
    const { lesson } = await this.lesson(slug, lessonId, viewer);
    await this.repo.insertCompletion(viewer.id, lesson.id, this.deps.clock.now());
    return lesson;
  }

  /**
   * The lesson file a media token names, for the account it was signed for.
   * @throws ForbiddenError (altered, expired, another account's or a
   * visitor's token), NotFoundError (the lesson is gone).
   */
  async media(token: string, viewer: Viewer): Promise<{ lesson: Lesson; file: string }> {
    const claim = verifyMedia(this.key, token, this.deps.clock.now());
    if (!claim || !viewer || claim.accountId !== viewer.id) throw new ForbiddenError('invalid or expired media link');
    const lesson = await this.repo.lessonById(claim.lessonId);
    if (!lesson) throw new NotFoundError('no such lesson');
    return { lesson, file: this.files.pathOf(lesson.courseId, lesson.fileName) };
  }

  /**
   * Give `accountId` the course `courseId` (a paid course bought in the shop),
   * inside the caller's transaction `trx`, with its audit row. Idempotent: a
   * second grant of the same course keeps the first and returns false.
   * @throws NotFoundError when the course does not exist.
   */
  async grant(trx: Db, accountId: number, courseId: number, source: string, reference: string): Promise<boolean> {
    const repo = this.repo.with(trx);
    if (!(await repo.courseById(courseId))) throw new NotFoundError('no such course');
    const added = await repo.insertGrant(accountId, courseId, source.slice(0, 32), reference.slice(0, 120), this.deps.clock.now());
    if (added) await this.deps.audit.record(trx, SYSTEM_ACTOR, 'course.granted', { type: 'course', id: courseId }, { account: accountId, source, reference });
    return added;
  }

  // Staff side.

  /** Every course with its number of lessons. */
  async list(): Promise<{ course: Course; lessonCount: number }[]> {
    const [courses, counts] = await Promise.all([this.repo.courses(false), this.repo.lessonCounts()]);
    return courses.map((course) => ({ course, lessonCount: counts.get(course.id) ?? 0 }));
  }

  byId(id: number): Promise<Course | null> {
    return this.repo.courseById(id);
  }

  lessonsOf(courseId: number): Promise<Lesson[]> {
    return this.repo.lessons(courseId);
  }

  lessonById(id: number): Promise<Lesson | null> {
    return this.repo.lessonById(id);
  }

  products(): Promise<{ id: number; name: string }[]> {
    return this.repo.products();
  }

  /** The field errors of `c`, the unknown product and the taken slug included. */
  private async check(c: CourseFields, id: number | null): Promise<void> {
    const errors = courseErrors(c);
    if (!errors.product_id && c.productId !== null && !(await this.repo.products()).some((p) => p.id === c.productId)) errors.product_id = E('product');
    if (!errors.slug && await this.repo.slugTaken(c.slug, id)) errors.slug = E('slug_taken');
    if (Object.keys(errors).length) throw new ValidationError(errors);
  }

  /** @throws ValidationError field → i18n key. */
  async create(c: CourseFields, actor: Actor): Promise<number> {
    await this.check(c, null);
    try {
      return await this.deps.db.transaction(async (trx) => {
        const id = await this.repo.with(trx).insertCourse(c, this.deps.clock.now());
        await this.deps.audit.record(trx, actor, 'course.created', { type: 'course', id }, { slug: c.slug, access: c.access });
        return id;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ValidationError({ slug: E('slug_taken') });
      throw err;
    }
  }

  /** @throws NotFoundError, ValidationError. */
  async update(id: number, c: CourseFields, actor: Actor): Promise<void> {
    if (!(await this.repo.courseById(id))) throw new NotFoundError('no such course');
    await this.check(c, id);
    await this.deps.db.transaction(async (trx) => {
      await this.repo.with(trx).updateCourse(id, c, this.deps.clock.now());
      await this.deps.audit.record(trx, actor, 'course.updated', { type: 'course', id }, { slug: c.slug, access: c.access, published: c.published });
    });
  }

  /**
   * Add a lesson from an uploaded temporary file, at the end of the course.
   * Its type is read from its first bytes (media-type.ts); empty files,
   * other types and files over the limit of their kind are refused (field
   * `file`). The file is moved into place before the row commits and removed
   * if it does not. @throws NotFoundError, ValidationError.
   */
  async addLesson(courseId: number, upload: string | null, f: LessonFields, actor: Actor): Promise<number> {
    if (!(await this.repo.courseById(courseId))) throw new NotFoundError('no such course');
    const errors = lessonErrors(f);
    const { head, size } = upload ? await this.files.head(upload) : { head: Buffer.alloc(0), size: -1 };
    const type = sniffMedia(head);
    if (size < 0) errors.file = E('file_required');
    else if (size === 0) errors.file = E('file_empty');
    else if (!type) errors.file = E('file_type');
    else if (size > (type.kind === 'video' ? this.deps.config.videoMaxBytes : this.deps.config.pdfMaxBytes)) errors.file = E('file_too_big');
    if (Object.keys(errors).length || !upload || !type) throw new ValidationError(errors);
    const fileName = this.files.newName(type.ext);
    const placed = await this.files.place(upload, courseId, fileName);
    try {
      return await this.deps.db.transaction(async (trx) => {
        const row = { courseId, ...f, kind: type.kind, fileName, sizeBytes: size, mime: type.mime };
        const id = await this.repo.with(trx).insertLesson(row, this.deps.clock.now());
        const details = { lesson: id, title: f.titleFr, mime: type.mime, size };
        await this.deps.audit.record(trx, actor, 'course.lesson_added', { type: 'course', id: courseId }, details);
        return id;
      });
    } catch (err) {
      await this.files.remove(placed);
      throw err;
    }
  }

  private async loadLesson(id: number): Promise<Lesson> {
    const lesson = await this.repo.lessonById(id);
    if (!lesson) throw new NotFoundError('no such lesson');
    return lesson;
  }

  /** Title and duration. @throws NotFoundError, ValidationError. */
  async updateLesson(id: number, f: LessonFields, actor: Actor): Promise<Lesson> {
    const lesson = await this.loadLesson(id);
    const errors = lessonErrors(f);
    if (Object.keys(errors).length) throw new ValidationError(errors);
    await this.deps.db.transaction(async (trx) => {
      await this.repo.with(trx).updateLesson(id, f, this.deps.clock.now());
      await this.deps.audit.record(trx, actor, 'course.lesson_updated', { type: 'course', id: lesson.courseId }, { lesson: id, title: f.titleFr });
    });
    return lesson;
  }

  /** Swap a lesson with its neighbour above (`up`) or below; at either end nothing changes. @throws NotFoundError. */
  async moveLesson(id: number, direction: 'up' | 'down', actor: Actor): Promise<Lesson> {
    const lesson = await this.loadLesson(id);
    await this.deps.db.transaction(async (trx) => {
      const repo = this.repo.with(trx);
      const lessons = await repo.lessons(lesson.courseId);
      const i = lessons.findIndex((l) => l.id === id);
      const other = lessons[direction === 'up' ? i - 1 : i + 1];
      if (i < 0 || !other) return;
      await repo.swapPositions(lessons[i]!, other);
      await this.deps.audit.record(trx, actor, 'course.lesson_moved', { type: 'course', id: lesson.courseId }, { lesson: id, direction });
    });
    return lesson;
  }

  /** Delete a lesson, its completions, then (after commit) its file. @throws NotFoundError. */
  async deleteLesson(id: number, actor: Actor): Promise<Lesson> {
    const lesson = await this.loadLesson(id);
    await this.deps.db.transaction(async (trx) => {
      await this.repo.with(trx).deleteLesson(lesson);
      await this.deps.audit.record(trx, actor, 'course.lesson_deleted', { type: 'course', id: lesson.courseId }, { lesson: id, title: lesson.titleFr });
    });
    await this.files.remove(this.files.pathOf(lesson.courseId, lesson.fileName));
    return lesson;
  }
}
