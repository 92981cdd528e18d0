/**
 * The plain-HTML forms of /admin/pages, derived from the content itself: a
 * section (or the SEO fields) is walked into one field per leaf, named by
 * its path (`title.fr`, `services.2.name.en`, `facts.fr`…), and a posted
 * form is read back by walking the same shape: texts as typed, lists one
 * entry per line, booleans as checkboxes, numbers as digits. The result is
 * validated by the content schema (src/cms/content.ts); its issues come back
 * as field name → i18n key, never a throw.
 */
import { z } from 'zod';
import {
  BADGES, CONTACT_FIELDS, emptySection, emptyService, HERO_STYLES, LIMITS, SERVICE_DISPLAYS, SERVICE_LAYOUTS, type Section, type SectionType,
} from '../../cms/index.js';

/** One form control. `key`: the label's i18n key suffix; `lang`: 'fr' | 'en' for a language's text. */
export interface Field {
  name: string;
  key: string;
  lang: '' | 'fr' | 'en';
  kind: 'text' | 'textarea' | 'markdown' | 'lines' | 'select' | 'checkbox' | 'checkboxes' | 'number';
  value: string;
  options?: readonly string[];
  /** For checkboxes: the values checked. */
  checked?: string[];
}

/** Fields grouped as the form shows them: the section's own, then one group per service or question. */
export interface FieldGroup {
  /** '' for the section's own fields, else `services.<i>` or `items.<i>`. */
  path: string;
  index: number;
  fields: Field[];
}

const SELECTS: Record<string, readonly string[]> = {
  style: HERO_STYLES, display: SERVICE_DISPLAYS, layout: SERVICE_LAYOUTS, badge: BADGES,
};
const MARKDOWN = new Set(['body', 'description', 'a']);
const LONG = new Set(['subtitle', 'lead', 'note', 'metaDescription']);

function leaf(name: string, key: string, lang: Field['lang'], value: unknown): Field {
  if (Array.isArray(value)) {
    if (key === 'fields') return { name, key, lang, kind: 'checkboxes', value: '', options: CONTACT_FIELDS, checked: value as string[] };
    return { name, key, lang, kind: 'lines', value: (value as string[]).join('\n') };
  }
  if (typeof value === 'boolean') return { name, key, lang, kind: 'checkbox', value: value ? 'yes' : '' };
  if (typeof value === 'number') return { name, key, lang, kind: 'number', value: String(value) };
  if (SELECTS[key]) return { name, key, lang, kind: 'select', value: String(value), options: SELECTS[key] };
  const kind = MARKDOWN.has(key) ? 'markdown' : LONG.has(key) ? 'textarea' : 'text';
  return { name, key, lang, kind, value: String(value) };
}

function walk(value: unknown, path: string, key: string, out: Field[]): void {
  const obj = value as Record<string, unknown>;
  const isLocal = value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(obj).join() === 'fr,en';
  if (isLocal) {
    for (const lang of ['fr', 'en'] as const) out.push(leaf(`${path}.${lang}`, key, lang, obj[lang]));
  } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(obj)) {
      const sub = key && (k === 'label' || k === 'href') ? `${key}_${k}` : k;
      walk(v, path ? `${path}.${k}` : k, sub, out);
    }
  } else {
    out.push(leaf(path, key, '', value));
  }
}

/** The fields of `value` (a section without its type, or the SEO object), names prefixed by `prefix` ('' for none). */
export function fieldsOf(value: Record<string, unknown>, prefix = ''): FieldGroup[] {
  const own: Field[] = [];
  const groups: FieldGroup[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (k === 'type') continue;
    const path = prefix ? `${prefix}.${k}` : k;
    if (Array.isArray(v) && v.length >= 0 && (k === 'services' || k === 'items')) {
      (v as Record<string, unknown>[]).forEach((item, i) => {
        const fields: Field[] = [];
        for (const [ik, iv] of Object.entries(item)) walk(iv, `${path}.${i}.${ik}`, ik, fields);
        groups.push({ path: `${path}.${i}`, index: i, fields });
      });
    } else {
      walk(v, path, k, own);
    }
  }
  return [{ path: '', index: -1, fields: own }, ...groups];
}

function read(shape: unknown, path: string, body: Record<string, unknown>): unknown {
  const posted = body[path];
  const text = typeof posted === 'string' ? posted.replace(/\r\n/g, '\n') : '';
  if (Array.isArray(shape)) {
    if (shape.length && typeof shape[0] === 'object') return shape.map((item, i) => read(item, `${path}.${i}`, body));
    if (path.endsWith('fields') && !path.includes('.')) {
      const all = Array.isArray(posted) ? posted : typeof posted === 'string' ? [posted] : [];
      return CONTACT_FIELDS.filter((f) => all.includes(f));
    }
    return text.split('\n').map((l) => l.trim()).filter(Boolean);
  }
  if (typeof shape === 'boolean') return text === 'yes';
  if (typeof shape === 'number') return /^\d{1,6}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (shape !== null && typeof shape === 'object') {
    return Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, read(v, path ? `${path}.${k}` : k, body)]));
  }
  if (path === 'type' || path.endsWith('.type')) return shape;
  return path.endsWith('.fr') || path.endsWith('.en') ? text : text.trim();
}

/** `current` with every field read from the posted `body` (same shape; the type kept). */
export function readForm<T extends Record<string, unknown>>(current: T, body: unknown, prefix = ''): T {
  const b = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(current).map(([k, v]) => [k, k === 'type' ? v : read(v, prefix ? `${prefix}.${k}` : k, b)])) as T;
}

/**
 * The shape of a posted section form of `type`: an empty section with as many services (or questions) as the form
 * posted (`services.<i>.…`, at most one beyond the limit: the schema refuses the extra one), to read the form with
 * {@link readForm} whatever the draft holds now.
 */
export function sectionShape(type: SectionType, body: unknown): Section {
  const list = type === 'services' ? 'services' : type === 'faq' ? 'items' : null;
  const shape = emptySection(type, 1);
  if (!list) return shape;
  const max = (list === 'services' ? LIMITS.services : LIMITS.items) + 1;
  const re = new RegExp(`^${list}\\.(\\d{1,3})\\.`);
  let count = 0;
  for (const k of Object.keys((body ?? {}) as Record<string, unknown>)) {
    const i = Number(re.exec(k)?.[1] ?? -1);
    if (i >= 0 && i < max) count = Math.max(count, i + 1);
  }
  const item = () => (list === 'services' ? emptyService(0) : { q: { fr: '', en: '' }, a: { fr: '', en: '' } });
  return { ...shape, [list]: Array.from({ length: count }, item) } as Section;
}

/** Zod issues as field name → i18n key (the first issue of each field). */
export function issuesOf(err: z.ZodError, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of err.issues) {
    const name = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    const key = issue.code === 'too_big' ? 'too_long' : issue.code === 'invalid_format' ? 'format' : 'invalid';
    out[name] ??= `admin-pages:errors.${key}`;
  }
  return out;
}
