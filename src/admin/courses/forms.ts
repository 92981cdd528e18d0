/**
 * The course and lesson forms of /admin/courses, read into CoursesService's
 * shapes: `{ ok: true, data }` or `{ ok: false, errors }` (field → i18n key),
 * never a throw. A price is typed as people write money in the chosen
 * currency (money.ts parseAmount); a duration as `mm:ss`, `h:mm:ss` or
 * seconds; only the fields of the chosen access are kept (a product for
 * `product`, a price for `paid`).
 */
import { isCurrency, parseAmount, toDecimalString, type Currency } from '../../billing/index.js';
import { courseErrors, lessonErrors, type Course, type CourseAccess, type CourseFields, type Lesson, type LessonFields } from '../../courses/index.js';

export type Parsed<T> = { ok: true; data: T } | { ok: false; errors: Record<string, string> };

const E = (k: string): string => `admin-courses:errors.${k}`;

export const COURSE_FORM_FIELDS = [
  'slug', 'title_fr', 'title_en', 'description_fr', 'description_en', 'access', 'product_id', 'price', 'currency', 'published', 'display_order',
] as const;
export const LESSON_FORM_FIELDS = ['title_fr', 'title_en', 'duration'] as const;

/** The string fields of a posted form (anything else reads as ''). */
export function typed(body: unknown, fields: readonly string[]): Record<string, string> {
  const b = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(fields.map((f) => [f, typeof b[f] === 'string' ? (b[f] as string) : '']));
}

export const NEW_COURSE_VALUES: Record<string, string> = { access: 'free', currency: 'EUR', display_order: '10' };

/** A course as the form's values (a price with a decimal comma in French). */
export function courseValues(c: Course, locale: string): Record<string, string> {
  const price = c.price !== null && c.currency ? toDecimalString(c.price, c.currency) : '';
  return {
    slug: c.slug, title_fr: c.titleFr, title_en: c.titleEn, description_fr: c.descriptionFr, description_en: c.descriptionEn, access: c.access,
    product_id: c.productId === null ? '' : String(c.productId), price: locale === 'fr' ? price.replace('.', ',') : price,
    currency: c.currency ?? 'EUR', published: c.published ? 'yes' : '', display_order: String(c.displayOrder),
  };
}

function whole(text: string, max: number): number | null {
  const t = text.trim();
  return /^\d{1,9}$/.test(t) && Number(t) <= max ? Number(t) : null;
}

/** The course form into CourseFields (courseErrors' rules plus the typing). */
export function parseCourse(body: unknown): Parsed<CourseFields> {
  const v = typed(body, COURSE_FORM_FIELDS);
  const errors: Record<string, string> = {};
  const access = v.access as CourseAccess;
  const currency = v.currency!.trim();
  let price: number | null = null;
  if (access === 'paid' && isCurrency(currency)) {
    const r = parseAmount(v.price!, currency);
    if ('error' in r || r.minor < 1) errors.price = E('price');
    else price = r.minor;
  }
  const productId = access === 'product' ? whole(v.product_id!, 999_999_999) : null;
  if (access === 'product' && productId === null) errors.product_id = E('product');
  const order = whole(v.display_order!, 100_000);
  if (order === null) errors.display_order = E('display_order');
  const data: CourseFields = {
    slug: v.slug!.trim(), titleFr: v.title_fr!.trim(), titleEn: v.title_en!.trim(), descriptionFr: v.description_fr!.trim(),
    descriptionEn: v.description_en!.trim(), access, productId, price: access === 'paid' ? (price ?? 1) : null,
    currency: access === 'paid' ? (currency as Currency) : null, published: v.published === 'yes', displayOrder: order ?? 0,
  };
  for (const [k, e] of Object.entries(courseErrors(data))) errors[k] ??= e;
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, data };
}

/** A duration typed as `mm:ss`, `h:mm:ss` or whole seconds; '' is unknown (null); undefined when unreadable. */
export function parseDuration(text: string): number | null | undefined {
  const t = text.trim();
  if (!t) return null;
  if (/^\d{1,5}$/.test(t)) return Number(t);
  const m = /^(?:(\d{1,2}):)?(\d{1,3}):([0-5]\d)$/.exec(t);
  return m ? Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]) : undefined;
}

/** A duration as the form shows it (`m:ss`). */
export function durationText(seconds: number | null): string {
  return seconds === null ? '' : `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

export function lessonValues(l: Lesson): Record<string, string> {
  return { title_fr: l.titleFr, title_en: l.titleEn, duration: durationText(l.durationSeconds) };
}

/** The lesson form into LessonFields. */
export function parseLesson(body: unknown): Parsed<LessonFields> {
  const v = typed(body, LESSON_FORM_FIELDS);
  const duration = parseDuration(v.duration!);
  const data: LessonFields = { titleFr: v.title_fr!.trim(), titleEn: v.title_en!.trim(), durationSeconds: duration ?? null };
  const errors = lessonErrors(data);
  if (duration === undefined) errors.duration = E('duration');
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, data };
}
