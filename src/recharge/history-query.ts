import { parseDay } from '../http/query.js';

/** The query string of the recharge history: search, date range (YYYY-MM-DD, UTC, years 2000–2100), page, CSV. Bad values are ignored, never an error. */
export interface HistoryQuery {
  q: string;
  from: Date | null;
  to: string;
  fromText: string;
  toExclusive: Date | null;
  page: number;
  perPage: number;
  csv: boolean;
}

export function parseHistoryQuery(query: Record<string, unknown>): HistoryQuery {
  // Control characters dropped: PostgreSQL refuses a NUL in a text parameter, and none belongs in a search.
  // eslint-disable-next-line no-control-regex -- dropping control characters is the point
  const q = typeof query.q === 'string' ? query.q.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 100) : '';
  const from = parseDay(query.from);
  const to = parseDay(query.to);
  const page = Math.min(10_000, Math.max(1, Number.parseInt(String(query.page ?? '1'), 10) || 1));
  return {
    q,
    from,
    fromText: from ? String(query.from) : '',
    to: to ? String(query.to) : '',
    toExclusive: to ? new Date(to.getTime() + 86400_000) : null,
    page,
    perPage: 25,
    csv: query.format === 'csv',
  };
}
