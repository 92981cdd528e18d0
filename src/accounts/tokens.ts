/**
 * Secret tokens mailed or shown once (verification and reset links, API
 * bearer tokens): 32 random bytes (256 bits, above ASVS 5.0's 128-bit
 * minimum) in base64url; only their SHA-256 (64 hex) is stored, so a
 * database leak reveals no usable token.
 */
import crypto from 'node:crypto';

/** A new random token, base64url, 43 characters (plus `prefix`). */
export function newToken(prefix = ''): string {
  return prefix + crypto.randomBytes(32).toString('base64url');
}

/** The stored form of a token: SHA-256, 64 lower-case hex. */
export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Whether `token` could be one of ours (cheap check before any query). */
export function looksLikeToken(token: unknown, prefix = ''): token is string {
  return typeof token === 'string' && token.length === prefix.length + 43 && token.startsWith(prefix) && /^[A-Za-z0-9_-]+$/.test(token.slice(prefix.length));
}
