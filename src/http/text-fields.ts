/**
 * zod building blocks for text typed by people. Control characters are
 * refused (NUL cannot even be stored by PostgreSQL, and a newline in a name
 * could forge a mail header or a log line); multi-line text keeps only
 * tab, CR and LF. Error messages are i18n keys.
 */
import { z } from 'zod';

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex -- idem
const CONTROL_EXCEPT_NEWLINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** A trimmed single-line string of `min`..`max` characters. */
export function singleLine(min: number, max: number, keys: { required: string; long: string; invalid: string }) {
  return z
    .string(keys.invalid)
    .trim()
    .min(min, keys.required)
    .max(max, keys.long)
    .refine((s) => !CONTROL.test(s), keys.invalid);
}

/** A trimmed multi-line string of `min`..`max` characters. */
export function multiLine(min: number, max: number, keys: { short: string; long: string; invalid: string }) {
  return z
    .string(keys.invalid)
    .trim()
    .min(min, keys.short)
    .max(max, keys.long)
    .refine((s) => !CONTROL_EXCEPT_NEWLINES.test(s), keys.invalid);
}

/** An e-mail address (trimmed, at most 254 characters, RFC 5321 §4.5.3.1.3). */
export function emailField(keys: { required: string; invalid: string }) {
  return z.string(keys.invalid).trim().min(1, keys.required).max(254, keys.invalid).pipe(z.email(keys.invalid));
}

/** Field → first error key, from a failed zod parse. */
export function fieldErrors(error: z.ZodError, fallback: (field: string) => string): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'form');
    if (!errors[field]) errors[field] = /^([a-z-]+:)?[a-z_]+\.[a-z_.]+$/.test(issue.message) ? issue.message : fallback(field);
  }
  return errors;
}
