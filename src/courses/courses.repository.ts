/**
 * The tables of the courses component: `courses`, `course_lessons`,
 * `lesson_completions`, `course_grants` (written only through
 * CoursesService), and the one read it makes of the licenses: whether an
 * account owns a product ({@link CoursesRepository.ownsProduct}). Amounts
 * come back as numbers (PostgreSQL returns bigint as text), booleans as
 * booleans (SQLite: 0/1).
 */
import type { Currency } from '../billing/index.js';
import { insertedId, type Db } from '../platform/db.js';
import { toDate } from '../platform/time.js';
import type { LessonKind, LessonMime } from './media-type.js';

export type CourseAccess = 'free' | 'product' | 'paid';
export const COURSE_ACCESS: readonly CourseAccess[] = ['free', 'product', 'paid'];

/** What staff type for a course (rules in course-fields.ts). */
export interface CourseFields {
  slug: string;
  titleFr: string;
  titleEn: string;
  descriptionFr: string;
  descriptionEn: string;
  access: CourseAccess;
  /** The product whose license opens a `product` course; null otherwise. */
  productId: number | null;
  /** Minor units of `currency`, for a `paid` course; null otherwise. */
  price: number | null;
  currency: Currency | null;
  published: boolean;
  displayOrder: number;
}

export interface Course extends CourseFields {
  id: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface Lesson {
  id: number;
  courseId: number;
  position: number;
  titleFr: string;
  titleEn: string;
  kind: LessonKind;
  /** The file's name under files/courses/<course id>/ (chosen by the server). */
  fileName: string;
  sizeBytes: number;
  mime: LessonMime;
  durationSeconds: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewLesson = Omit<Lesson, 'id' | 'position' | 'createdAt' | 'updatedAt'>;

type Row = Record<string, unknown>;
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toCourse(r: Row): Course {
  return {
    id: Number(r.id), slug: String(r.slug), titleFr: String(r.title_fr), titleEn: String(r.title_en), descriptionFr: String(r.description_fr),
    descriptionEn: String(r.description_en), access: r.access as CourseAccess, productId: numOrNull(r.product_id), price: numOrNull(r.price),
    currency: (r.currency as Currency | null) ?? null, published: Boolean(r.published), displayOrder: Number(r.display_order),
    createdAt: toDate(r.created_at), updatedAt: toDate(r.updated_at),
  };
}

function toLesson(r: Row): Lesson {
  return {
    id: Number(r.id), courseId: Number(r.course_id), position: Number(r.position), titleFr: String(r.title_fr), titleEn: String(r.title_en),
    kind: r.kind as LessonKind, fileName: String(r.file_name), sizeBytes: Number(r.size_bytes), mime: r.mime as LessonMime,
    durationSeconds: numOrNull(r.duration_seconds), createdAt: toDate(r.created_at), updatedAt: toDate(r.updated_at),
  };
}

function courseRow(c: CourseFields): Row {
  return {
    slug: c.slug, title_fr: c.titleFr, title_en: c.titleEn, description_fr: c.descriptionFr, description_en: c.descriptionEn, access: c.access,
    product_id: c.productId, price: c.price, currency: c.currency, published: c.published, display_order: c.displayOrder,
  };
}

/** Count rows per key (`key` → count) from a grouped query's rows. */
function counts(rows: Row[], key: string): Map<number, number> {
  return new Map(rows.map((r) => [Number(r[key]), Number(r.n)]));
}

export class CoursesRepository {
  constructor(private readonly db: Db) {}

  with(trx: Db): CoursesRepository {
    return new CoursesRepository(trx);
  }

  /** Courses by display order then id; only the published ones when `publishedOnly`. */
  async courses(publishedOnly: boolean): Promise<Course[]> {
    const q = this.db('courses').orderBy([{ column: 'display_order' }, { column: 'id' }]);
    if (publishedOnly) q.where({ published: true });
    return ((await q) as Row[]).map(toCourse);
  }

  async courseById(id: number): Promise<Course | null> {
    const r = (await this.db('courses').where({ id }).first()) as Row | undefined;
    return r ? toCourse(r) : null;
  }

  async courseBySlug(slug: string): Promise<Course | null> {
    const r = (await this.db('courses').where({ slug }).first()) as Row | undefined;
    return r ? toCourse(r) : null;
  }

  async slugTaken(slug: string, exceptId: number | null): Promise<boolean> {
    const q = this.db('courses').where({ slug });
    if (exceptId !== null) q.whereNot({ id: exceptId });
    return (await q.first('id')) !== undefined;
  }

  /** The products a `product` course may name (id order). */
  async products(): Promise<{ id: number; name: string }[]> {
    return ((await this.db('products').orderBy('id').select('id', 'name')) as Row[]).map((r) => ({ id: Number(r.id), name: String(r.name) }));
  }

  async insertCourse(c: CourseFields, now: Date): Promise<number> {
    return insertedId(await this.db('courses').insert({ ...courseRow(c), created_at: now.toISOString(), updated_at: now.toISOString() }).returning('id'));
  }

  async updateCourse(id: number, c: CourseFields, now: Date): Promise<void> {
    await this.db('courses').where({ id }).update({ ...courseRow(c), updated_at: now.toISOString() });
  }

  async lessons(courseId: number): Promise<Lesson[]> {
    return ((await this.db('course_lessons').where({ course_id: courseId }).orderBy('position')) as Row[]).map(toLesson);
  }

  async lessonById(id: number): Promise<Lesson | null> {
    const r = (await this.db('course_lessons').where({ id }).first()) as Row | undefined;
    return r ? toLesson(r) : null;
  }

  /** Lessons per course. */
  async lessonCounts(): Promise<Map<number, number>> {
    return counts((await this.db('course_lessons').groupBy('course_id').select('course_id').count({ n: '*' })) as Row[], 'course_id');
  }

  /** Add `l` at the end of its course. */
  async insertLesson(l: NewLesson, now: Date): Promise<number> {
    const max = (await this.db('course_lessons').where({ course_id: l.courseId }).max({ m: 'position' }).first()) as Row | undefined;
    return insertedId(await this.db('course_lessons').insert({
      course_id: l.courseId, position: Number(max?.m ?? 0) + 1, title_fr: l.titleFr, title_en: l.titleEn, kind: l.kind, file_name: l.fileName,
      size_bytes: l.sizeBytes, mime: l.mime, duration_seconds: l.durationSeconds, created_at: now.toISOString(), updated_at: now.toISOString(),
    }).returning('id'));
  }

  async updateLesson(id: number, f: { titleFr: string; titleEn: string; durationSeconds: number | null }, now: Date): Promise<void> {
    await this.db('course_lessons').where({ id }).update({
      title_fr: f.titleFr, title_en: f.titleEn, duration_seconds: f.durationSeconds, updated_at: now.toISOString(),
    });
  }

  /** Swap the positions of two lessons of one course (through a free negative position: (course, position) is unique). */
  async swapPositions(a: Lesson, b: Lesson): Promise<void> {
    await this.db('course_lessons').where({ id: a.id }).update({ position: -a.position });
    await this.db('course_lessons').where({ id: b.id }).update({ position: a.position });
    await this.db('course_lessons').where({ id: a.id }).update({ position: b.position });
  }

  /** Delete a lesson and its completions, then close the gap in its course's positions (one by one, upwards: positions stay unique). */
  async deleteLesson(l: Lesson): Promise<void> {
    await this.db('lesson_completions').where({ lesson_id: l.id }).delete();
    await this.db('course_lessons').where({ id: l.id }).delete();
    const after = (await this.db('course_lessons').where({ course_id: l.courseId }).where('position', '>', l.position).orderBy('position')
      .select('id', 'position')) as Row[];
    for (const r of after) await this.db('course_lessons').where({ id: Number(r.id) }).update({ position: Number(r.position) - 1 });
  }

  /** The lessons of `courseId` that `accountId` completed. */
  async completedIn(accountId: number, courseId: number): Promise<Set<number>> {
    const rows = (await this.db('lesson_completions as c').join('course_lessons as l', 'l.id', 'c.lesson_id')
      .where({ 'c.account_id': accountId, 'l.course_id': courseId }).select('c.lesson_id')) as Row[];
    return new Set(rows.map((r) => Number(r.lesson_id)));
  }

  /** Completed lessons of `accountId` per course. */
  async completedCounts(accountId: number): Promise<Map<number, number>> {
    return counts((await this.db('lesson_completions as c').join('course_lessons as l', 'l.id', 'c.lesson_id').where({ 'c.account_id': accountId })
      .groupBy('l.course_id').select('l.course_id').count({ n: '*' })) as Row[], 'course_id');
  }

  /** Mark a lesson completed (once: a second mark changes nothing). */
  async insertCompletion(accountId: number, lessonId: number, now: Date): Promise<void> {
    await this.db('lesson_completions').insert({ account_id: accountId, lesson_id: lessonId, completed_at: now.toISOString() })
      .onConflict(['account_id', 'lesson_id']).ignore();
  }

  async hasGrant(accountId: number, courseId: number): Promise<boolean> {
    return (await this.db('course_grants').where({ account_id: accountId, course_id: courseId }).first('id')) !== undefined;
  }

  /** Insert a grant; false when the account already had the course (the first grant stays). */
  async insertGrant(accountId: number, courseId: number, source: string, reference: string, now: Date): Promise<boolean> {
    const rows = await this.db('course_grants').insert({ account_id: accountId, course_id: courseId, source, reference, created_at: now.toISOString() })
      .onConflict(['account_id', 'course_id']).ignore().returning('id');
    return rows.length > 0;
  }

  /**
   * The default ownership rule (until the shop brings its own): a license of
   * `productId` with the account's e-mail (licenses keep e-mails lower-case),
   * state active and not expired at `now` (lifetime licenses never expire).
   */
  async ownsProduct(accountId: number, productId: number, now: Date): Promise<boolean> {
    const account = (await this.db('accounts').where({ id: accountId }).first('email')) as Row | undefined;
    if (!account) return false;
    const license = await this.db('licenses')
      .where({ email: String(account.email).toLowerCase(), product_id: productId, state: 'active' })
      .where((q) => { void q.whereNull('expires_at').orWhere('expires_at', '>', now.toISOString()); })
      .first('id');
    return license !== undefined;
  }
}
