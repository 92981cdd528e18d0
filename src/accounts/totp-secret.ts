/**
 * TOTP secrets at rest: AES-256-GCM under a key derived from the session
 * secret (HKDF-SHA256, info `account-totp`: a key of its own, as the media
 * links of src/courses/media-token.ts), the account id bound as associated
 * data so a sealed secret copied onto another account does not open.
 * Stored as `v1.<iv>.<ciphertext>.<tag>` (base64url). Recovery codes are
 * random strings hashed with SHA-256. Pure: no I/O, no clock.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, randomInt } from 'node:crypto';

/** The sealing key derived from `secret` (SESSION_SECRET). */
export function totpKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), Buffer.from('account-totp'), 32));
}

export function sealSecret(key: Buffer, accountId: number, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(`account:${accountId}`));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv, body, cipher.getAuthTag()].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

/** The secret sealed by `sealSecret` for `accountId`. @throws Error when altered, or sealed under another key or account. */
export function openSecret(key: Buffer, accountId: number, sealed: string): string {
  const [version, iv, body, tag] = sealed.split('.');
  if (version !== 'v1' || !iv || !body || !tag) throw new Error('not a sealed TOTP secret');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(`account:${accountId}`));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}

/** Recovery codes: `xxxxx-xxxxx`, lower-case letters and digits without look-alikes (about 50 bits each). */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

export function newRecoveryCode(): string {
  const chars = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]!);
  return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`;
}

/** What a typed recovery code is compared as: lower case, without spaces or dashes. */
export function normaliseRecoveryCode(typed: string): string {
  return typed.toLowerCase().replace(/[\s-]/g, '');
}

export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(normaliseRecoveryCode(code)).digest('hex');
}
