/**
 * The `billing` locale namespace (src/locales/<lng>/billing.json) for what
 * the billing core writes itself: PDF labels and legal mentions, in the
 * buyer's language. Read once; `{{name}}` placeholders are replaced as
 * i18next does, so the pages can use the same file through i18next.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type BillingLocale = 'fr' | 'en';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'locales');
const cache = new Map<string, Record<string, unknown>>();

function load(locale: BillingLocale, ns = 'billing'): Record<string, unknown> {
  let texts = cache.get(`${ns}/${locale}`);
  if (!texts) {
    texts = JSON.parse(fs.readFileSync(path.join(DIR, locale, `${ns}.json`), 'utf8')) as Record<string, unknown>;
    cache.set(`${ns}/${locale}`, texts);
  }
  return texts;
}

/** A buyer's stored locale as one the documents exist in (French unless English). */
export function billingLocale(locale: string): BillingLocale {
  return locale === 'en' ? 'en' : 'fr';
}

/** The text at dotted `key` with its `{{params}}` filled in. @throws Error for a missing key (a bug). */
export function billingText(locale: BillingLocale, key: string, params: Record<string, string> = {}): string {
  return namespaceText('billing', locale, key, params);
}

/** {@link billingText} from another namespace of src/locales (`subscriptions` for invoice lines of plans). */
export function namespaceText(ns: string, locale: BillingLocale, key: string, params: Record<string, string> = {}): string {
  const value = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], load(locale, ns));
  if (typeof value !== 'string') throw new Error(`${ns} text ${locale}:${key} missing`);
  return value.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => params[name] ?? '');
}
