import { parseDay, searchText } from '../http/query.js';

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
  const q = searchText(query.q);
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
