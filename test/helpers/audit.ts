/** What staff read of an audit row (src/audit/audit-text.ts), from a raw `audit_log` row. */
import { auditSummary } from '../../src/audit/index.js';
import { createI18n } from '../../src/http/i18n.js';

const i18n = createI18n('fr', false);

/** The row's sentence as the admin pages show it, in `locale` (English by default). */
export function auditSentence(row: { action: string; summary?: string | null; details?: string | object | null }, locale: 'fr' | 'en' = 'en'): string {
  const raw = row.details;
  const details = (typeof raw === 'string' ? JSON.parse(raw) : raw ?? null) as Record<string, string | number | boolean | null> | null;
  return auditSummary(i18n.t[locale], { action: row.action, summary: row.summary ?? '', details });
}
