/**
 * An audit row as staff read it, in their language: the action's name and
 * the row's sentence come from the `audit` locale namespace
 * (`audit:action.<action>`, `audit:summary.<action>` with the row's details
 * as parameters); the row itself keeps codes and facts only. Codes among
 * the details (states, roles, license types, under the keys of CODE_KEYS)
 * are translated through `audit:value.<code>` first; keys ending in `_at`
 * hold ISO 8601 instants, formatted as dates; an empty string reads as a
 * dash. Rows written before
 * details existed show their stored English summary.
 */
import type { TFunction } from 'i18next';
import type { AuditRow } from './audit.repository.js';

/** Detail keys whose values are codes to translate (`active`, `revoked`, `partner`…). */
const CODE_KEYS = new Set(['from', 'to', 'state', 'role', 'type']);

/** The action's name in the reader's language (the code itself when unknown). */
export function auditAction(t: TFunction, action: string): string {
  return t(`audit:action.${action}`, { defaultValue: action });
}

/** The row's sentence in the reader's language. */
export function auditSummary(t: TFunction, row: Pick<AuditRow, 'action' | 'details' | 'summary'>): string {
  if (!row.details) return row.summary;
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row.details)) {
    if (v === null) continue;
    if (v === '') params[k] = '—'; // an empty fact (no renewal URL) still reads as a value
    else if (CODE_KEYS.has(k) && typeof v === 'string') params[k] = t(`audit:value.${v}`, { defaultValue: v });
    else if (k.endsWith('_at') && typeof v === 'string') params[k] = new Date(v);
    else params[k] = v;
  }
  // Sentences counting units use i18next plural forms, which read `count`.
  if (params.count === undefined && typeof params.units === 'number') params.count = params.units;
  return t(`audit:summary.${row.action}`, { ...params, defaultValue: '' });
}

/** The row with its texts, for pages and CSV files. */
export function withAuditText<R extends Pick<AuditRow, 'action' | 'details' | 'summary'>>(t: TFunction, row: R): R & {
  actionText: string; summaryText: string;
} {
  return { ...row, actionText: auditAction(t, row.action), summaryText: auditSummary(t, row) };
}
