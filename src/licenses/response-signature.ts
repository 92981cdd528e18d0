/**
 * Signed answers of validate and heartbeat (v1 and compatibility routes):
 *
 *   X-Signature-Date: <RFC 3339 UTC, no fraction>
 *   X-Signature: ed25519;kid=<16 hex>;sig=<base64 of 64 bytes>
 *   sig = Ed25519(issuer secret, "ARTISAN-ND/RESPONSE/v1" || 0x00 || date || "\n" || body bytes)
 *
 * Signed through node:crypto (the issuer SigningKey), not tweetnacl, on the
 * license service's worker thread: this is the validate hot path. The signed body is the
 * exact text sent (sendSigned writes it itself, without res.json).
 */
import type { ServerResponse } from 'node:http';
import { rfc3339, type SigningKey } from '../crypto/index.js';

const CONTEXT = Buffer.from('ARTISAN-ND/RESPONSE/v1\0', 'ascii');
const NEWLINE = Buffer.from('\n', 'ascii');

/** The bytes that are signed for (date, body). */
export function responseSignedBytes(date: string, body: string | Uint8Array): Buffer {
  return Buffer.concat([CONTEXT, Buffer.from(date, 'ascii'), NEWLINE, typeof body === 'string' ? Buffer.from(body, 'utf8') : body]);
}

/** The X-Signature header value for a signature `sig` by the issuer key `kid`. */
function signatureHeader(kid: Buffer, sig: Buffer): string {
  return `ed25519;kid=${kid.toString('hex')};sig=${sig.toString('base64')}`;
}

/** The X-Signature header value for (date, body), signed by `signer` here. */
export function signResponse(signer: SigningKey, date: string, body: string | Uint8Array): string {
  return signatureHeader(signer.kid, signer.sign(responseSignedBytes(date, body)));
}

/** Signs bytes with a SigningKey elsewhere (CryptoWorker.sign, through LicensesService.signer). */
export type AsyncSigner = (signer: SigningKey, message: Uint8Array) => Promise<Buffer>;

/**
 * Send `body` as JSON (status as already set, 200 by default) with
 * X-Signature-Date (from `now`) and X-Signature, signed by `signer` through
 * `sign` (the license service passes its CryptoWorker). The bytes signed are
 * the bytes sent, written as they are (no ETag: these answers are `no-store`).
 */
export async function sendSigned(res: ServerResponse, signer: SigningKey, now: Date, body: unknown, sign: AsyncSigner): Promise<void> {
  const date = rfc3339(now);
  const text = JSON.stringify(body);
  const sig = await sign(signer, responseSignedBytes(date, text));
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.setHeader('X-Signature-Date', date);
  res.setHeader('X-Signature', signatureHeader(signer.kid, sig));
  res.setHeader('Cache-Control', 'no-store');
  res.end(text);
}
