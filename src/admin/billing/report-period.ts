/**
 * The period of the billing dashboard: whole calendar months `from`..`to`
 * (`YYYY-MM`, inclusive) in the display time zone (DISPLAY_TIMEZONE, the
 * zone the pages show times in), and the instants where those months start,
 * which the reports compare timestamps with. Default: the twelve months
 * ending with the current one. At most MAX_MONTHS months, years 2000–2100.
 */
import { dayIn } from '../../billing/index.js';

export const DEFAULT_MONTHS = 12;
export const MAX_MONTHS = 60;
const MONTH = /^(\d{4})-(\d{2})$/;

export interface ReportPeriod {
  /** First and last month, `YYYY-MM`. */
  from: string;
  to: string;
  /** The months from..to, oldest first. */
  months: string[];
  /**
   * Month starts as ISO 8601 UTC instants: `edges[i]` starts `months[i]`, and the last edge (index
   * months.length) is the start of the month after `to`. A timestamp t falls in `months[i]` when
   * edges[i] <= t < edges[i+1].
   */
  edges: string[];
  /** First day of `from` and of the month after `to` (YYYY-MM-DD): for calendar-day columns (issue_date). */
  fromDay: string;
  toDayExclusive: string;
}

/** The offset of `timeZone` from UTC at `instant`, in ms (Paris in winter: +3,600,000). */
function offsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(instant / 1000) * 1000;
}

/** The instant midnight starts the first day of `month` (YYYY-MM) in `timeZone`. */
export function monthStart(month: string, timeZone: string): Date {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const wall = Date.UTC(y, m - 1, 1);
  // Two passes: the offset at the guess may differ from the offset at the answer around a DST change.
  const first = wall - offsetMs(wall, timeZone);
  return new Date(wall - offsetMs(first, timeZone));
}

/** `month` (YYYY-MM) moved by `n` months. */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + n, 1));
  return d.toISOString().slice(0, 7);
}

function validMonth(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const m = MONTH.exec(v.trim());
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  return year >= 2000 && year <= 2100 && month >= 1 && month <= 12 ? v.trim() : null;
}

/** The period of months `from`..`to` (both valid, from <= to). */
export function periodOf(from: string, to: string, timeZone: string): ReportPeriod {
  const months: string[] = [];
  for (let m = from; m <= to; m = addMonths(m, 1)) months.push(m);
  const after = addMonths(to, 1);
  const edges = [...months, after].map((m) => monthStart(m, timeZone).toISOString());
  return { from, to, months, edges, fromDay: `${from}-01`, toDayExclusive: `${after}-01` };
}

/**
 * Read `from` and `to` from a query string. Absent values take the default (the twelve months ending with the
 * month of `now` in `timeZone`); a value that is not a month of 2000–2100, a `from` after `to` or more than
 * MAX_MONTHS months give field errors (admin-billing-dashboard:errors keys) and the default period.
 */
export function parsePeriod(query: Record<string, unknown>, now: Date, timeZone: string): { period: ReportPeriod; errors: Record<string, string> } {
  const current = dayIn(now, timeZone).slice(0, 7);
  const errors: Record<string, string> = {};
  const given = (v: unknown): boolean => typeof v === 'string' && v.trim() !== '';
  const to = given(query.to) ? validMonth(query.to) : current;
  if (!to) errors.to = 'admin-billing-dashboard:errors.month';
  const from = given(query.from) ? validMonth(query.from) : addMonths(to ?? current, 1 - DEFAULT_MONTHS);
  if (!from) errors.from = 'admin-billing-dashboard:errors.month';
  if (from && to && from > to) errors.to = 'admin-billing-dashboard:errors.order';
  else if (from && to && addMonths(from, MAX_MONTHS) <= to) errors.from = 'admin-billing-dashboard:errors.too_long';
  if (Object.keys(errors).length || !from || !to) return { period: periodOf(addMonths(current, 1 - DEFAULT_MONTHS), current, timeZone), errors };
  return { period: periodOf(from, to, timeZone), errors };
}
