/**
 * Signed answers of validate and heartbeat (v1 and compatibility routes):
 *
 *   X-Signature-Date: <RFC 3339 UTC, no fraction>
 *   X-Signature: ed25519;kid=<16 hex>;sig=<base64 of 64 bytes>
 *   sig = Ed25519(issuer secret, "ARTISAN-ND/RESPONSE/v1" || 0x00 || date || "\n" || body bytes)
 *
 * Signed through node:crypto (the issuer SigningKey), not tweetnacl, and on
 * the thread pool: this is the validate hot path. `body` is the exact text sent: Express's res.json
 * sends JSON.stringify(body) (no "json spaces"/"json replacer" set in this app).
 */
import type { Response } from 'express';
import { rfc3339, type SigningKey } from '../crypto/index.js';

const CONTEXT = Buffer.from('ARTISAN-ND/RESPONSE/v1\0', 'ascii');
const NEWLINE = Buffer.from('\n', 'ascii');

/** The bytes that are signed for (date, body). */
export function responseSignedBytes(date: string, body: string | Uint8Array): Buffer {
  return Buffer.concat([CONTEXT, Buffer.from(date, 'ascii'), NEWLINE, typeof body === 'string' ? Buffer.from(body, 'utf8') : body]);
}

/** The X-Signature header value for (date, body), signed by `signer`. */
export function signResponse(signer: SigningKey, date: string, body: string | Uint8Array): string {
  return `ed25519;kid=${signer.kid.toString('hex')};sig=${signer.sign(responseSignedBytes(date, body)).toString('base64')}`;
}

/**
 * Send `body` as JSON with X-Signature-Date (from `now`) and X-Signature.
 * The signature is computed on the thread pool (SigningKey.signAsync); the
 * bytes signed are the bytes sent.
 */
export async function sendSigned(res: Response, signer: SigningKey, now: Date, body: unknown): Promise<void> {
  const date = rfc3339(now);
  const text = JSON.stringify(body);
  const sig = await signer.signAsync(responseSignedBytes(date, text));
  res.setHeader('X-Signature-Date', date);
  res.setHeader('X-Signature', `ed25519;kid=${signer.kid.toString('hex')};sig=${sig.toString('base64')}`);
  res.setHeader('Cache-Control', 'no-store');
  res.json(body);
}
