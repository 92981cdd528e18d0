/**
 * The forms of the account pages. Unknown fields (a posted `role`, `state`,
 * `id`…) are dropped by zod, so mass assignment is impossible. Errors are
 * i18n keys under `accounts.errors`.
 */
import { z } from 'zod';
import { emailField, fieldErrors, multiLine, singleLine } from '../http/text-fields.js';
import { PASSWORD_MAX, passwordProblem } from './passwords.js';

/** ISO 3166-1 alpha-2 codes offered in the country select (names from Intl.DisplayNames). */
export const COUNTRIES = [
  'FR', 'BE', 'CH', 'LU', 'MC', 'CA', 'MA', 'DZ', 'TN', 'SN', 'CI', 'CM', 'ML', 'BF', 'NE',
  'TG', 'BJ', 'GA', 'CG', 'CD', 'MG', 'MU', 'RE', 'GP', 'MQ', 'GF', 'YT', 'NC', 'PF', 'HT',
  'DE', 'ES', 'IT', 'PT', 'NL', 'GB', 'IE', 'AT', 'PL', 'US',
] as const;

const E = (k: string) => `accounts.errors.${k}`;
const email = emailField({ required: E('email_required'), invalid: E('email_invalid') });
const text = (field: string, min: number, max: number) =>
  singleLine(min, max, { required: E(`${field}_required`), long: E(`${field}_long`), invalid: E(`${field}_invalid`) });
const phone = z.string(E('phone_invalid')).trim().min(1, E('phone_required')).max(40, E('phone_invalid')).regex(/^\+?[0-9 ().-]{6,40}$/, E('phone_invalid'));
const country = z.enum(COUNTRIES, E('country_invalid'));
const anyPassword = z.string(E('password_required')).min(1, E('password_required')).max(PASSWORD_MAX * 4, E('password_long'));
const newPassword = z.string(E('password_required')).superRefine((p, ctx) => {
  const problem = passwordProblem(p);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const passwordConfirm = z.string(E('password_mismatch'));

const profileFields = {
  company: text('company', 1, 160),
  name: text('name', 1, 120),
  phone,
  country,
};

function confirmMatches<T extends { password: string; password_confirm: string }>(v: T, ctx: z.RefinementCtx): void {
  if (v.password !== v.password_confirm) ctx.addIssue({ code: 'custom', path: ['password_confirm'], message: E('password_mismatch') });
}

export const registerSchema = z.object({
  ...profileFields,
  email,
  password: newPassword,
  password_confirm: passwordConfirm,
  terms: z.literal('on', E('terms_required')),
}).superRefine(confirmMatches);

/** A customer's registration (the shop's buyers): as a partner's, company and phone optional. */
export const customerRegisterSchema = z.object({
  ...profileFields,
  company: z.union([z.literal(''), text('company', 1, 160)]).default(''),
  phone: z.union([z.literal(''), phone]).default(''),
  email,
  password: newPassword,
  password_confirm: passwordConfirm,
  terms: z.literal('on', E('terms_required')),
}).superRefine(confirmMatches);

export const loginSchema = z.object({ email, password: anyPassword });
export const emailSchema = z.object({ email });
export const resetSchema = z.object({ token: z.string().max(200), password: newPassword, password_confirm: passwordConfirm }).superRefine(confirmMatches);
/**
 * An intra-EU VAT number as printed on invoices: the country prefix (2 letters; Greece is EL) and 2 to 13 letters or
 * digits (Council Regulation 904/2010 VIES formats, checked here for shape only). Spaces, dots and dashes typed by
 * people are removed; letters are upper-cased; empty means none.
 */
const vatNumber = z.string(E('vat_number_invalid')).max(40, E('vat_number_invalid'))
  .transform((s) => s.replace(/[\s.-]/g, '').toUpperCase())
  .refine((s) => s === '' || /^[A-Z]{2}[0-9A-Z]{2,13}$/.test(s), E('vat_number_invalid'));

/** The account page's profile: the registration fields, the language, and the invoice identity (address, VAT number; optional). */
export const profileSchema = z.object({
  ...profileFields,
  locale: z.enum(['fr', 'en'], E('locale_invalid')),
  address: multiLine(0, 500, { short: E('address_invalid'), long: E('address_long'), invalid: E('address_invalid') }).optional(),
  vat_number: vatNumber.optional(),
}).transform(({ address, vat_number, ...rest }) => ({ ...rest, address: address || null, vatNumber: vat_number || null }));
export const passwordChangeSchema = z.object({ current_password: anyPassword, password: newPassword, password_confirm: passwordConfirm })
  .superRefine(confirmMatches);

export type Parsed<T> = { ok: true; data: T } | { ok: false; errors: Record<string, string> };

/** Parse a posted form with `schema`: the data, or field → i18n key errors. */
export function parseForm<T>(schema: z.ZodType<T>, body: unknown): Parsed<T> {
  const r = schema.safeParse(body ?? {});
  if (r.success) return { ok: true, data: r.data };
  return { ok: false, errors: fieldErrors(r.error, (field) => E(`${field}_invalid`)) };
}

/** What the visitor typed, as strings, to put back in a form; passwords are never echoed. */
export function typedValues(body: unknown, fields: readonly string[]): Record<string, string> {
  const b = (body ?? {}) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const f of fields) {
    const v = Object.prototype.hasOwnProperty.call(b, f) ? b[f] : undefined;
    out[f] = typeof v === 'string' && !f.includes('password') ? v : '';
  }
  return out;
}
