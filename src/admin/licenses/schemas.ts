/**
 * The forms of the license admin pages. Error messages are i18n keys
 * (`admin:errors.*` for the reason, `admin-licenses:errors.*` otherwise).
 * Every parser answers `{ ok: true, data }` or `{ ok: false, errors }`
 * (field → key), never throws.
 */
import { z } from 'zod';
import { parseDay } from '../../http/query.js';
import { fieldErrors, singleLine } from '../../http/text-fields.js';
import { PAID_LICENSE_TYPES, type ExpiryChange, type PaidLicenseType, type ProductPolicy } from '../../licenses/index.js';

const E = (k: string) => `admin-licenses:errors.${k}`;

export type Parsed<T> = { ok: true; data: T } | { ok: false; errors: Record<string, string> };

export const reasonField = singleLine(
  1, 500, { required: 'admin:errors.reason_required', long: 'admin:errors.reason_long', invalid: 'admin:errors.reason_invalid' },
);

function parse<T>(schema: z.ZodType<T>, body: unknown): Parsed<T> {
  const r = schema.safeParse(body ?? {});
  return r.success ? { ok: true, data: r.data } : { ok: false, errors: fieldErrors(r.error, () => E('form_invalid')) };
}

/** An integer typed in a form, `min`..`max`, with error key `key`. */
function int(min: number, max: number, key: string) {
  return z.string(E(key)).trim().regex(/^\d{1,9}$/, E(key)).transform(Number).refine((n) => n >= min && n <= max, E(key));
}

/**
 * `YYYY-MM-DD` (a real calendar day between MIN_DAY and MAX_DAY, as `parseDay` reads it) → that day's
 * last second, UTC; null when not such a day.
 */
export function endOfDay(text: string): Date | null {
  const day = parseDay(text);
  return day ? new Date(day.getTime() + 86_399_000) : null;
}

/** revoke, suspend: `reason` (1..500 characters, one line). */
export function parseReason(body: unknown): Parsed<{ reason: string }> {
  return parse(z.object({ reason: reasonField }), body);
}

/**
 * extend: `reason` and either `days` (1..3650, added by LicensesService.extend
 * to the later of the current expiry and now) or `until` (`YYYY-MM-DD`, the
 * license then expires at that day's 23:59:59 UTC, which must be after `now`).
 */
export function parseExtend(body: unknown, now: Date): Parsed<{ change: ExpiryChange; reason: string }> {
  const b = (body ?? {}) as Record<string, unknown>;
  const days = typeof b.days === 'string' ? b.days.trim() : '';
  const until = typeof b.until === 'string' ? b.until.trim() : '';
  const errors: Record<string, string> = {};
  const reason = reasonField.safeParse(b.reason ?? '');
  if (!reason.success) errors.reason = reason.error.issues[0]?.message ?? 'admin:errors.reason_invalid';
  let change: ExpiryChange | null = null;
  if (days && until) errors.days = E('extend_both');
  else if (days) {
    const n = /^\d{1,4}$/.test(days) ? Number(days) : 0;
    if (n < 1 || n > 3650) errors.days = E('extend_days');
    else change = { days: n };
  } else if (until) {
    const d = endOfDay(until);
    if (!d) errors.until = E('extend_until');
    else if (d.getTime() <= now.getTime()) errors.until = E('extend_until_past');
    else change = { until: d };
  } else errors.days = E('extend_missing');
  if (Object.keys(errors).length > 0 || !change || !reason.success) return { ok: false, errors };
  return { ok: true, data: { change, reason: reason.data } };
}

/** The policy fields of the product forms. */
const policy = {
  name: singleLine(1, 120, { required: E('name_required'), long: E('name_long'), invalid: E('name_invalid') }),
  trial_days: int(1, 365, 'trial_days'),
  grace_days: int(0, 90, 'grace_days'),
  max_activations: int(1, 100, 'max_activations'),
  heartbeat_interval_seconds: int(60, 604_800, 'heartbeat_interval'),
  renewal_url: z.string(E('renewal_url')).trim().max(500, E('renewal_url'))
    .refine((v) => v === '' || /^\/(?!\/)\S*$/.test(v) || (/^https?:\/\/\S+$/i.test(v) && URL.canParse(v)), E('renewal_url')),
};

const toPolicy = (d: {
  name: string; trial_days: number; grace_days: number; max_activations: number; heartbeat_interval_seconds: number;
  renewal_url: string;
}): ProductPolicy => ({
  name: d.name, trialDays: d.trial_days, graceDays: d.grace_days, maxActivations: d.max_activations,
  heartbeatIntervalSeconds: d.heartbeat_interval_seconds, renewalUrl: d.renewal_url,
});

/** edit a product: its policy (the code never changes). */
export function parsePolicy(body: unknown): Parsed<ProductPolicy> {
  const r = parse(z.object(policy), body);
  return r.ok ? { ok: true, data: toPolicy(r.data) } : r;
}

/** add a product: `code` ([a-z0-9_]{2,32}) and its policy. */
export function parseNewProduct(body: unknown): Parsed<{ code: string; policy: ProductPolicy }> {
  const r = parse(z.object({ code: z.string(E('code_invalid')).trim().regex(/^[a-z0-9_]{2,32}$/, E('code_invalid')), ...policy }), body);
  return r.ok ? { ok: true, data: { code: r.data.code, policy: toPolicy(r.data) } } : r;
}

export interface BatchForm {
  product: string;
  type: PaidLicenseType;
  /** null for lifetime. */
  durationDays: number | null;
  count: number;
  expiresAt: Date | null;
  note: string;
}

/** Default duration (days) when the field is left empty. */
export const DEFAULT_DURATION: Record<Exclude<PaidLicenseType, 'lifetime'>, number> = { monthly: 30, annual: 365 };

/**
 * generate codes: `product` (a code; checked against the table by the
 * caller), `type` monthly|annual|lifetime, `duration_days` (1..3650; empty =
 * 30 for monthly, 365 for annual; ignored for lifetime), `count` 1..10 000,
 * `expires_at` optional `YYYY-MM-DD` after `now` (codes refused after that
 * day), `note` 0..500 characters.
 */
export function parseBatch(body: unknown, now: Date): Parsed<BatchForm> {
  const r = parse(z.object({
    product: z.string(E('product_invalid')).trim().min(1, E('product_invalid')).max(32, E('product_invalid')),
    type: z.enum(PAID_LICENSE_TYPES, E('type_invalid')),
    duration_days: z.string(E('duration_invalid')).trim().optional(),
    count: int(1, 10_000, 'count_invalid'),
    expires_at: z.string(E('expires_invalid')).trim().optional(),
    note: singleLine(0, 500, { required: E('note_invalid'), long: E('note_long'), invalid: E('note_invalid') }).optional(),
  }), body);
  if (!r.ok) return r;
  const d = r.data;
  const errors: Record<string, string> = {};
  let durationDays: number | null = null;
  if (d.type !== 'lifetime') {
    const text = d.duration_days ?? '';
    durationDays = text === '' ? DEFAULT_DURATION[d.type] : (/^\d{1,4}$/.test(text) ? Number(text) : 0);
    if (durationDays < 1 || durationDays > 3650) errors.duration_days = E('duration_invalid');
  }
  let expiresAt: Date | null = null;
  if (d.expires_at) {
    expiresAt = endOfDay(d.expires_at);
    if (!expiresAt) errors.expires_at = E('expires_invalid');
    else if (expiresAt.getTime() <= now.getTime()) errors.expires_at = E('expires_past');
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, data: { product: d.product, type: d.type, durationDays, count: d.count, expiresAt, note: d.note ?? '' } };
}

/** create an API token: `label` 1..120 characters, one line. */
export function parseTokenLabel(body: unknown): Parsed<{ label: string }> {
  return parse(z.object({ label: singleLine(1, 120, { required: E('label_required'), long: E('label_long'), invalid: E('label_invalid') }) }), body);
}

/** The string fields of a posted form, to put back in it. */
export function typed(body: unknown, fields: readonly string[]): Record<string, string> {
  const b = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(fields.map((f) => [f, typeof b[f] === 'string' ? (b[f] as string) : '']));
}
