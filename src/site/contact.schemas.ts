/**
 * The contact form. Errors are i18n keys (`contact.errors.*`), shown beside
 * the field. `website` is a honeypot: hidden from people, filled by bots.
 */
import { z } from 'zod';
import { emailField, fieldErrors, multiLine, singleLine } from '../http/text-fields.js';

export const contactSchema = z.object({
  name: singleLine(1, 120, { required: 'contact.errors.name_required', long: 'contact.errors.name_long', invalid: 'contact.errors.name_invalid' }),
  email: emailField({ required: 'contact.errors.email_required', invalid: 'contact.errors.email_invalid' }),
  message: multiLine(10, 5000, { short: 'contact.errors.message_short', long: 'contact.errors.message_long', invalid: 'contact.errors.message_invalid' }),
  website: z.unknown().optional(),
});

export type ContactInput = z.infer<typeof contactSchema>;

/** The typed values, as strings, to put back in the form. */
export function contactValues(body: unknown): { name: string; email: string; message: string } {
  const b = (body ?? {}) as Record<string, unknown>;
  const s = (v: unknown) => (typeof v === 'string' ? v : '');
  return { name: s(b.name), email: s(b.email), message: s(b.message) };
}

/** Parse a posted form: the data, or field → i18n key errors. */
export function parseContact(body: unknown): { ok: true; data: ContactInput } | { ok: false; errors: Record<string, string> } {
  const r = contactSchema.safeParse(body ?? {});
  if (r.success) return { ok: true, data: r.data };
  return { ok: false, errors: fieldErrors(r.error, (field) => `contact.errors.${field}_invalid`) };
}
