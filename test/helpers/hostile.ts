/**
 * Hostile input for test/http/hostile-input.test.ts: the values a fuzzer,
 * sqlmap or wapiti sends (control characters, integers past every column
 * type, impossible dates, 100 KB strings, repeated fields, unicode, SQL and
 * HTML metacharacters), their encodings, and the forms of a page.
 */
import fc from 'fast-check';
import { decodeHtml } from './forms.js';

/** A value to send: text (percent-encoded as UTF-8 here) or bytes already encoded (`raw`, e.g. invalid UTF-8). */
export type Hostile = { text: string } | { raw: string };

/** Control characters: every query and form refuses them (src/http/control-chars.ts). */
export const CONTROL = ['\u0000', 'a\u0000b', '1\u0000', '\u0007', '\u001b[2J', '\u007f', 'x\u000bx', '\u0008'];

/** Integers past every column type, and numbers that are not integers. */
const NUMBERS = [
  '9223372036854775807', '9223372036854775808', '18446744073709551616', '-9223372036854775809', '1e400', '-1e400', '-1', '1.5', '0', '-0',
  '2147483647', '2147483648', '4294967296', '99999999999999999999999999999', 'NaN', 'Infinity', '0x7fffffff', ' 1', '1e3', '00000000001', '1_000',
];
/** Dates PostgreSQL refuses (year 0, five-digit years) or that do not exist. */
const DATES = [
  '0000-01-01', '10000-01-01', '9999-12-31', '0001-01-01', '2026-02-30', '2026-13-45', '1969-12-31', '+275760-09-13',
  '-000001-01-01', '2026-01-01T25:00:00Z',
];
const LONG = ['x'.repeat(100 * 1024), 'é'.repeat(50 * 1024), '9'.repeat(100 * 1024)];
const META = [
  "' OR '1'='1", "1' AND SLEEP(5)--", '"; DROP TABLE accounts; --', '1;SELECT pg_sleep(5)', '<script>alert(1)</script>', '"><svg onload=alert(1)>',
  '%', '_', '\\', "'", '"', '../../etc/passwd', '{{7*7}}', '<%= 7*7 %>', '$(id)', '%00', '\r\n', '\t', '', ' ', '__proto__', 'constructor', '[object Object]',
];
const UNICODE = ['é', '𝄞', '\uFEFF', '\u202E', 'ﬃ', 'İ', '\u00A0', '\u2028', '\u0085', '\uD800', '\uDFFF', 'ß'.repeat(300), '🏳️‍🌈'];
/** Already encoded: invalid UTF-8, an overlong NUL, a lone percent. */
const RAW = ['%ED%A0%80', '%C0%80', '%FF%FE', '%', '%G1', '%E2%82'];

/** Any hostile value but control characters (those are sent apart: they end every request at the text rule). */
export const hostileValue: fc.Arbitrary<Hostile> = fc.oneof(
  fc.constantFrom(...NUMBERS).map((text) => ({ text })),
  fc.constantFrom(...DATES).map((text) => ({ text })),
  fc.constantFrom(...LONG).map((text) => ({ text })),
  fc.constantFrom(...META).map((text) => ({ text })),
  fc.constantFrom(...UNICODE).map((text) => ({ text })),
  fc.constantFrom(...RAW).map((raw) => ({ raw })),
  fc.string({ unit: 'grapheme', maxLength: 30 }).map((text) => ({ text })),
);

/** A field's hostile content: absent, one value, or the field repeated (`a=1&a=2`, an array once parsed). */
export const hostileField: fc.Arbitrary<Hostile[]> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<Hostile[]>([]) },
  { weight: 5, arbitrary: hostileValue.map((v) => [v]) },
  { weight: 1, arbitrary: fc.array(hostileValue, { minLength: 2, maxLength: 3 }) },
);

/** The values every field of a form gets in turn (one request per value): each kind of value that once made a 500. */
export const SWEEP: string[] = ['9223372036854775808', '1e400', '-1', '1.5', '0000-01-01', '10000-01-01', 'x'.repeat(100 * 1024)];

/** Percent-encode a value as UTF-8 bytes (a lone surrogate becomes U+FFFD's bytes, where encodeURIComponent would throw). */
export function encode(v: Hostile): string {
  if ('raw' in v) return v.raw;
  try {
    return encodeURIComponent(v.text);
  } catch {
    return [...Buffer.from(v.text, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
}

/** `name=value&…` of these fields (a field repeated once per value). */
export function urlencoded(fields: Record<string, Hostile[]>, fixed: Record<string, string> = {}): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(fixed)) parts.push(`${encode({ text: k })}=${encode({ text: v })}`);
  for (const [name, values] of Object.entries(fields)) for (const v of values) parts.push(`${encode({ text: name })}=${encode(v)}`);
  return parts.join('&');
}

/** The text of a value, for a multipart field or a JSON member (raw ones decoded as a server would: bytes, then UTF-8). */
export function textOf(v: Hostile): string {
  if ('text' in v) return v.text;
  return Buffer.from(v.raw.replace(/%([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16))), 'latin1').toString('utf8');
}

export interface PageForm {
  method: 'get' | 'post';
  /** The action attribute, unescaped ('' = the page itself). */
  action: string;
  /** Names of its inputs, selects and textareas, `_csrf` left out. */
  fields: string[];
  multipart: boolean;
}

/** Every form of a page. */
export function formsOf(html: string): PageForm[] {
  const forms: PageForm[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const attrs = m[1]!;
    const names = [...m[2]!.matchAll(/<(?:input|select|textarea)\b[^>]*?\bname="([^"]+)"/g)].map((f) => decodeHtml(f[1]!)).filter((n) => n !== '_csrf');
    forms.push({
      method: /\bmethod="post"/i.test(attrs) ? 'post' : 'get',
      action: decodeHtml(/\baction="([^"]*)"/.exec(attrs)?.[1] ?? ''),
      fields: [...new Set(names)],
      multipart: /multipart\/form-data/i.test(attrs),
    });
  }
  return forms;
}

/** Whether a page answer shows a stack trace or a file path of the server. */
export function leaksInternals(body: string): boolean {
  return /\n\s+at [^\n]*\(?[^\s()]+:\d+:\d+\)?/.test(body) || /node_modules|\/src\/[\w/-]+\.ts/.test(body);
}
