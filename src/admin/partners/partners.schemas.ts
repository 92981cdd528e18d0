/**
 * The action forms of /admin/partners/:id. Error messages are i18n keys
 * (`admin:errors.*` for the reason, `admin-partners:errors.*` otherwise).
 */
import { z } from 'zod';
import { ROLES } from '../../accounts/index.js';
import { fieldErrors, singleLine } from '../../http/text-fields.js';

/** Largest credit or debit in one go, in units (LedgerService's limit too). */
export const MAX_UNITS = 10_000_000;

const E = (k: string) => `admin-partners:errors.${k}`;
const reason = singleLine(1, 500, { required: 'admin:errors.reason_required', long: 'admin:errors.reason_long', invalid: 'admin:errors.reason_invalid' });

/** suspend: `reason` (1..500 characters, one line). */
export const suspendSchema = z.object({ reason });

/** close: `reason`, and `anonymise=yes` to blank the personal data. */
export const closeSchema = z.object({ reason, anonymise: z.literal('yes', E('anonymise_invalid')).optional() });

/** A random (v4) UUID, as crypto.randomUUID() makes them. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The ledger reference of an admin balance form: `adm:` + its one-time confirm_id (never a recharge id). */
export const balanceReference = (confirmId: string): string => `adm:${confirmId}`;

/**
 * balance: `kind` credit|debit, `units` 1..10,000,000 (digits only), `reason`,
 * and `confirm_id`, the one-time UUID rendered with the form (a second post
 * of the same form is not recorded again).
 */
export const balanceSchema = z.object({
  kind: z.enum(['credit', 'debit'], E('kind_invalid')),
  units: z.string(E('units_invalid')).trim().regex(/^\d{1,8}$/, E('units_invalid')).transform(Number)
    .refine((n) => n >= 1 && n <= MAX_UNITS, E('units_invalid')),
  reason,
  confirm_id: z.string(E('confirm_invalid')).regex(UUID, E('confirm_invalid')),
});

/** role: one of partner, support, admin, superadmin. */
export const roleSchema = z.object({ role: z.enum(ROLES, E('role_invalid')) });

/** Parse a posted form: the data, or field → i18n key errors. */
export function parseAction<T>(schema: z.ZodType<T>, body: unknown): { ok: true; data: T } | { ok: false; errors: Record<string, string> } {
  const r = schema.safeParse(body ?? {});
  return r.success ? { ok: true, data: r.data } : { ok: false, errors: fieldErrors(r.error, () => E('form_invalid')) };
}

/** The string fields of a posted form, to put back in it. */
export function typed(body: unknown, fields: readonly string[]): Record<string, string> {
  const b = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(fields.map((f) => [f, typeof b[f] === 'string' ? (b[f] as string) : '']));
}
