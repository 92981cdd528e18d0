/**
 * Calendar arithmetic of subscription periods, on days written YYYY-MM-DD
 * (the billing time zone's calendar, see dayIn). Pure.
 * A month later is the same day of the next month, or its last day when
 * that month is shorter (31 January → 28 or 29 February), as card and bank
 * subscriptions do; a year later is the same day (29 February → 28 February).
 */
import type { BillingCycle } from './plans.repository.js';

/** `day` plus `days` (may be negative). */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86400_000).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86400_000);
}

/** `day` plus `months` calendar months, clamped to the last day of the target month. */
export function addMonths(day: string, months: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const index = y * 12 + (m - 1) + months;
  const year = Math.floor(index / 12);
  const month = index % 12;
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(month + 1).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** The end of a period starting on `start` (the next period's first day); null for a one-time purchase. */
export function periodEnd(start: string, cycle: BillingCycle): string | null {
  if (cycle === 'month') return addMonths(start, 1);
  if (cycle === 'year') return addMonths(start, 12);
  return null;
}
