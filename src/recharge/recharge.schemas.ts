/**
 * The recharge form and the request file a desktop program can export
 * (`{"v":1,"installation":"<code>","product":"artisan_nd","app_version":"…"}`,
 * at most 4 KB). Errors are i18n keys under `recharge.errors`.
 */
import { z } from 'zod';
import { fieldErrors, singleLine } from '../http/text-fields.js';
import { MAX_UNITS } from '../crypto/index.js';

const E = (k: string) => `recharge.errors.${k}`;

export const REQUEST_FILE_MAX_BYTES = 4096;

export const rechargeSchema = z.object({
  installation_code: z.string(E('code_required')).max(200, E('code_length')).optional().default(''),
  customer: singleLine(1, 160, { required: E('customer_required'), long: E('customer_long'), invalid: E('customer_required') }),
  units: z.coerce.number(E('units_range')).int(E('units_range')).min(1, E('units_range')).max(MAX_UNITS, E('units_range')),
  expires_in_days: z.coerce.number(E('expiry_range')).int(E('expiry_range')).min(1, E('expiry_range')).max(365, E('expiry_range')).default(30),
});

const CONFIRM_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Whether `text` has the shape of a confirmation id (a random UUID, which becomes the recharge's id). */
export function isConfirmId(text: string): boolean {
  return CONFIRM_ID.test(text);
}

const requestFileSchema = z.object({ v: z.literal(1), installation: z.string().max(200), product: z.literal('artisan_nd') });

/** The Installation Code inside a request file. @returns null when the file is not a valid request. */
export function codeFromRequestFile(bytes: Buffer): string | null {
  try {
    const parsed = requestFileSchema.safeParse(JSON.parse(bytes.toString('utf8')));
    return parsed.success ? parsed.data.installation : null;
  } catch {
    return null;
  }
}

export function parseRecharge<T extends z.ZodType>(schema: T, body: unknown): { ok: true; data: z.infer<T> } | { ok: false; errors: Record<string, string> } {
  const r = schema.safeParse(body ?? {});
  if (r.success) return { ok: true, data: r.data };
  return { ok: false, errors: fieldErrors(r.error, (f) => E(`${f}_invalid`)) };
}
