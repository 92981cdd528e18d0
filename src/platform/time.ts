/**
 * Timestamps are written as ISO 8601 UTC strings (`Date#toISOString`), so they
 * compare the same on SQLite (text) and PostgreSQL (timestamptz); they come
 * back as a Date (pg), a string (sqlite3) or, for old rows, a number of ms.
 */
export function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'string' || typeof value === 'number') return new Date(value);
  throw new TypeError(`not a timestamp: ${String(value)}`);
}

export function toDateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : toDate(value);
}

