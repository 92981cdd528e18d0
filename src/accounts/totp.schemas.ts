/** The forms of two-step login. Errors are i18n keys under `totp:errors`. */
import { z } from 'zod';
import { fieldErrors } from '../http/text-fields.js';
import { PASSWORD_MAX } from './passwords.js';

const E = (k: string) => `totp:errors.${k}`;
/** A 6-digit code (spaces typed between digit groups are dropped). */
const totpCode = z.string(E('code_required')).transform((v) => v.replace(/\s/g, '')).pipe(z.string().regex(/^\d{6}$/, E('code_digits')));
/** A 6-digit code or a recovery code (`xxxxx-xxxxx`). */
const anyCode = z.string(E('code_required')).trim().min(1, E('code_required')).max(40, E('code_invalid'))
  .transform((v) => (/^[\d\s]+$/.test(v) ? v.replace(/\s/g, '') : v));

export const confirmSchema = z.object({ code: totpCode });
export const loginCodeSchema = z.object({ code: anyCode });
export const disableSchema = z.object({
  password: z.string(E('password_required')).min(1, E('password_required')).max(PASSWORD_MAX * 4, E('password_required')),
  code: anyCode,
});

export function parseTotpForm<T>(schema: z.ZodType<T>, body: unknown): { ok: true; data: T } | { ok: false; errors: Record<string, string> } {
  const r = schema.safeParse(body ?? {});
  return r.success ? { ok: true, data: r.data } : { ok: false, errors: fieldErrors(r.error, (f) => E(`${f}_invalid`)) };
}
