/**
 * Bounded parsing of query-string values. A value outside its range is
 * treated as absent (list filters fall back to their default), never passed
 * to the database: PostgreSQL refuses a year 0 or 10000 and an integer past
 * its column type, which would be a 500.
 */

/** The earliest and latest day a date filter accepts (inclusive). */
export const MIN_DAY = '2000-01-01';
export const MAX_DAY = '2100-12-31';

/** `YYYY-MM-DD` between MIN_DAY and MAX_DAY as UTC midnight; anything else null. */
export function parseDay(v: unknown): Date | null {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v) || v < MIN_DAY || v > MAX_DAY) return null;
  const d = new Date(`${v}T00:00:00Z`);
  // 2026-02-30 parses as 2026-03-02: refuse what does not round-trip.
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v ? null : d;
}

/**
 * A query-string value as search text: control characters dropped, trimmed,
 * at most 100 characters. The query-string guard (http/control-chars.ts)
 * already refuses control characters; dropping them here keeps a search safe
 * for values that did not come through it (PostgreSQL refuses a NUL in a text
 * parameter, and none belongs in a search). Non-strings give ''.
 */
export function searchText(value: unknown): string {
  if (typeof value !== 'string') return '';
  // eslint-disable-next-line no-control-regex -- dropping control characters is the point
  return value.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 100);
}

/** PostgreSQL `integer` range (also the largest id a route accepts). */
export const INT4_MAX = 2_147_483_647;
/** PostgreSQL `bigint` range, as far as a JavaScript number is exact (2^53 − 1). */
export const SAFE_BIGINT_MAX = Number.MAX_SAFE_INTEGER;

/** A whole number written in decimal digits only, between `min` and `max`; anything else null. */
export function boundedInt(v: unknown, min: number, max: number): number | null {
  if (typeof v !== 'string' || !/^\d{1,16}$/.test(v)) return null;
  const n = Number(v);
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : null;
}
