/**
 * The rules of a course's and a lesson's fields, shared by CoursesService
 * (which refuses bad data) and the admin forms (which show each error on its
 * field). Errors map a field to an `admin-courses:errors.<key>` i18n key.
 */
import { isCurrency } from '../billing/index.js';
import { COURSE_ACCESS, type CourseFields } from './courses.repository.js';

const E = (k: string): string => `admin-courses:errors.${k}`;
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex -- a title is one line
const LINE_CONTROL = /[\u0000-\u001f\u007f]/;
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
export const TITLE_MAX = 160;
export const DESCRIPTION_MAX = 5000;
/** Longest lesson duration staff may type: 24 hours. */
export const DURATION_MAX = 86_400;

const title = (t: unknown): boolean => typeof t === 'string' && t.trim().length > 0 && t.length <= TITLE_MAX && !LINE_CONTROL.test(t);
const description = (t: unknown): boolean => typeof t === 'string' && t.length <= DESCRIPTION_MAX && !CONTROL.test(t);

/** The field errors of `c`, empty when valid (the product's existence and the slug's uniqueness are checked by the service). */
export function courseErrors(c: CourseFields): Record<string, string> {
  const e: Record<string, string> = {};
  if (typeof c.slug !== 'string' || !SLUG_PATTERN.test(c.slug)) e.slug = E('slug');
  if (!title(c.titleFr)) e.title_fr = E('title');
  if (!title(c.titleEn)) e.title_en = E('title');
  if (!description(c.descriptionFr)) e.description_fr = E('description');
  if (!description(c.descriptionEn)) e.description_en = E('description');
  if (!COURSE_ACCESS.includes(c.access)) e.access = E('access');
  if (c.access === 'product' && (!Number.isSafeInteger(c.productId) || (c.productId as number) < 1)) e.product_id = E('product');
  if (c.access !== 'product' && c.productId !== null) e.product_id = E('product_only');
  if (c.access === 'paid') {
    if (!Number.isSafeInteger(c.price) || (c.price as number) < 1) e.price = E('price');
    if (!isCurrency(c.currency)) e.currency = E('currency');
  } else if (c.price !== null || c.currency !== null) e.price = E('price_only');
  if (!Number.isSafeInteger(c.displayOrder) || c.displayOrder < 0 || c.displayOrder > 100_000) e.display_order = E('display_order');
  return e;
}

/** What staff type for a lesson (the file comes with the upload). */
export interface LessonFields {
  titleFr: string;
  titleEn: string;
  /** Seconds, 1..DURATION_MAX; null when unknown (a PDF). */
  durationSeconds: number | null;
}

export function lessonErrors(l: LessonFields): Record<string, string> {
  const e: Record<string, string> = {};
  if (!title(l.titleFr)) e.title_fr = E('title');
  if (!title(l.titleEn)) e.title_en = E('title');
  if (l.durationSeconds !== null && (!Number.isSafeInteger(l.durationSeconds) || l.durationSeconds < 1 || l.durationSeconds > DURATION_MAX)) {
    e.duration = E('duration');
  }
  return e;
}
