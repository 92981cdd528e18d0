/** The support forms: a new ticket and a reply. Errors are i18n keys (`support:errors.*`). */
import { z } from 'zod';
import { fieldErrors, multiLine, singleLine } from '../http/text-fields.js';

const message = multiLine(2, 10_000, { short: 'support:errors.message_short', long: 'support:errors.message_long', invalid: 'support:errors.message_invalid' });

export const ticketSchema = z.object({
  subject: singleLine(3, 200, { required: 'support:errors.subject_required', long: 'support:errors.subject_long', invalid: 'support:errors.subject_invalid' }),
  message,
  // '' = none; otherwise the id of one of the account's licenses (checked by the service).
  license_id: z.union([z.literal(''), z.string().regex(/^[1-9]\d{0,8}$/, 'support:errors.license')], 'support:errors.license').optional(),
});

export const replySchema = z.object({ message });

export type Parsed<T> = { ok: true; data: T } | { ok: false; errors: Record<string, string> };

function parse<T>(schema: z.ZodType<T>, body: unknown): Parsed<T> {
  const r = schema.safeParse(body ?? {});
  if (r.success) return { ok: true, data: r.data };
  return { ok: false, errors: fieldErrors(r.error, (field) => `support:errors.${field === 'license_id' ? 'license' : 'form'}`) };
}

export const parseTicket = (body: unknown) => parse(ticketSchema, body);
export const parseReply = (body: unknown) => parse(replySchema, body);

/** The typed values, as strings, to put back in a form. */
export function typedValues(body: unknown, fields: readonly string[]): Record<string, string> {
  const b = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(fields.map((f) => [f, typeof b[f] === 'string' ? (b[f] as string) : '']));
}

/** A route or query id: 1 to 9 digits, else null. */
export function idOf(value: unknown): number | null {
  return typeof value === 'string' && /^[1-9]\d{0,8}$/.test(value) ? Number(value) : null;
}
