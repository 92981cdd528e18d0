/**
 * Client API keys: `sk_<plan>_<random>`, the seed's form, where `<plan>` is
 * a slug (lower-case letters, digits, inner dashes, 1..32 characters) and
 * `<random>` 22 base62 characters drawn uniformly from crypto.randomBytes
 * (22 × log2(62) ≈ 131 bits). Only the SHA-256 of the whole key (64 hex
 * characters) is ever stored; the clear key goes into the client's package
 * and is shown once to the admin who created it.
 */
import crypto from 'node:crypto';

export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Random characters of a key: 22 base62 characters ≥ 128 bits. */
export const KEY_RANDOM_CHARS = 22;
/** A plan (or client) slug: a-z, 0-9 and inner dashes. */
export const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
/** The shape of a key, as the API reads `Authorization: Bearer …` (anything else is not a client key). */
export const API_KEY = /^sk_([a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?)_([0-9A-Za-z]{22})$/;

/** `count` base62 characters, uniform: bytes ≥ 248 (4 × 62) are drawn again. */
export function randomBase62(count: number): string {
  let out = '';
  while (out.length < count) {
    for (const b of crypto.randomBytes(count * 2)) {
      if (b < 248 && out.length < count) out += BASE62[b % 62];
    }
  }
  return out;
}

/** A new key of plan `plan` (a SLUG; @throws Error otherwise). */
export function newApiKey(plan: string): string {
  if (!SLUG.test(plan)) throw new Error(`not a plan slug: ${plan}`);
  return `sk_${plan}_${randomBase62(KEY_RANDOM_CHARS)}`;
}

/** The stored form of a key: its SHA-256, 64 lower-case hex characters. */
export function hashApiKey(key: string): string {
  return crypto.createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * The client key of an `Authorization` header value: `Bearer sk_…` (scheme
 * in any case) gives the key; no header, another scheme or a bearer token of
 * another kind gives null (the route then works as without a key).
 */
export function bearerApiKey(header: string | undefined): string | null {
  const m = /^Bearer\s+(sk_\S{1,100})$/i.exec(header ?? '');
  return m ? m[1]! : null;
}
