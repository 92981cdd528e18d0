/**
 * The contact form. Errors are i18n keys (`contact.errors.*`), shown beside
 * the field. `website` is a honeypot: hidden from people, filled by bots.
 */
import { z } from 'zod';

export const contactSchema = z.object({
  name: z.string().trim().min(1, 'contact.errors.name_required').max(120, 'contact.errors.name_long'),
  email: z.string().trim().min(1, 'contact.errors.email_required').max(254, 'contact.errors.email_invalid').pipe(z.email('contact.errors.email_invalid')),
  message: z.string().trim().min(10, 'contact.errors.message_short').max(5000, 'contact.errors.message_long'),
  website: z.string().optional(),
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
  const errors: Record<string, string> = {};
  for (const issue of r.error.issues) {
    const field = String(issue.path[0] ?? 'form');
    if (!errors[field]) errors[field] = issue.message.startsWith('contact.') ? issue.message : `contact.errors.${field}_invalid`;
  }
  return { ok: false, errors };
}
