/**
 * License tokens (subscription/keyfile-v1.md §License token):
 *
 *   "ANDL1." b64url(kid) "." b64url(payload) "." b64url(sig)
 *   sig = Ed25519(issuer, "ARTISAN-ND/LICENSE/v1\0" || kid || payload)
 *
 * b64url is RFC 4648 §5 without padding. Verification order: FORMAT,
 * UNKNOWN_ISSUER_KEY, BAD_SIGNATURE, FORMAT (payload), then EXPIRED
 * (only when a time is given; `graceSeconds` extends `expires_at`).
 */
import { LicenseTokenError } from './errors.js';
import { verifySignature, type SigningKey } from './primitives.js';

const PREFIX = 'ANDL1';
const CONTEXT = Buffer.from('ARTISAN-ND/LICENSE/v1\0', 'ascii');
const B64URL = /^[A-Za-z0-9_-]*$/;

export type LicenseType = 'trial' | 'monthly' | 'annual' | 'lifetime';

export interface LicensePayload {
  v: 1;
  typ: 'license';
  product: string;
  license_id: string;
  machine_id: string;
  license_type: LicenseType;
  email: string;
  issued_at: string;
  expires_at: string | null;
}

/** Sign `payload` bytes into a token. */
export function signLicenseToken(payload: Uint8Array, issuer: SigningKey): string {
  const sig = issuer.sign(Buffer.concat([CONTEXT, issuer.kid, payload]));
  return [PREFIX, issuer.kid.toString('base64url'), Buffer.from(payload).toString('base64url'), sig.toString('base64url')].join('.');
}

/** The payload bytes in the spec's member order. */
export function encodeLicensePayload(p: Omit<LicensePayload, 'v' | 'typ'>): Buffer {
  return Buffer.from(
    JSON.stringify({
      v: 1, typ: 'license', product: p.product, license_id: p.license_id, machine_id: p.machine_id, license_type: p.license_type,
      email: p.email, issued_at: p.issued_at, expires_at: p.expires_at,
    }),
    'utf8',
  );
}

export interface VerifyLicenseOptions {
  trustedKey(kidHex: string): Uint8Array | null;
  /** Check expiry at this time (omit to skip). */
  now?: Date;
  graceSeconds?: number;
}

/** The parts of a well-formed token, before its signature is checked. */
interface TokenParts {
  kid: Buffer;
  payload: Buffer;
  sig: Buffer;
  /** The public key of `kid`. */
  issuer: Uint8Array;
  /** What the signature covers: CONTEXT || kid || payload. */
  signed: Buffer;
}

/** FORMAT and UNKNOWN_ISSUER_KEY checks. @throws LicenseTokenError */
function tokenParts(token: string, o: VerifyLicenseOptions): TokenParts {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 4 || parts[0] !== PREFIX || !parts.slice(1).every((p) => B64URL.test(p))) throw new LicenseTokenError('FORMAT');
  const kid = Buffer.from(parts[1]!, 'base64url');
  const payload = Buffer.from(parts[2]!, 'base64url');
  const sig = Buffer.from(parts[3]!, 'base64url');
  if (kid.length !== 8 || sig.length !== 64) throw new LicenseTokenError('FORMAT');
  const issuer = o.trustedKey(kid.toString('hex'));
  if (!issuer) throw new LicenseTokenError('UNKNOWN_ISSUER_KEY');
  return { kid, payload, sig, issuer, signed: Buffer.concat([CONTEXT, kid, payload]) };
}

/** The payload checks that follow a good signature (FORMAT, then EXPIRED). @throws LicenseTokenError */
function checkedPayload(t: TokenParts, o: VerifyLicenseOptions): { payload: LicensePayload; kid: string } {
  let p: LicensePayload;
  try {
    p = JSON.parse(t.payload.toString('utf8')) as LicensePayload;
  } catch {
    throw new LicenseTokenError('FORMAT', 'payload is not JSON');
  }
  if (!p || p.v !== 1 || p.typ !== 'license') throw new LicenseTokenError('FORMAT', 'payload');
  if (o.now && p.expires_at !== null) {
    const expires = Date.parse(String(p.expires_at));
    if (Number.isNaN(expires)) throw new LicenseTokenError('FORMAT', 'expires_at');
    if (o.now.getTime() >= expires + (o.graceSeconds ?? 0) * 1000) throw new LicenseTokenError('EXPIRED');
  }
  return { payload: p, kid: t.kid.toString('hex') };
}

/** Verify a license token in the spec's order (above). @throws LicenseTokenError */
export function verifyLicenseToken(token: string, o: VerifyLicenseOptions): { payload: LicensePayload; kid: string } {
  const t = tokenParts(token, o);
  if (!verifySignature(t.issuer, t.signed, t.sig)) throw new LicenseTokenError('BAD_SIGNATURE');
  return checkedPayload(t, o);
}

/** An Ed25519 verification done elsewhere (libuv's pool, a worker thread): resolves true when the signature holds. */
export type AsyncVerifier = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => Promise<boolean>;

/**
 * verifyLicenseToken with the signature checked by `verify` (the license
 * service's worker thread): same answers and errors, for the validation hot
 * path. @throws (rejects with) LicenseTokenError
 */
export async function verifyLicenseTokenAsync(
  token: string, o: VerifyLicenseOptions, verify: AsyncVerifier,
): Promise<{ payload: LicensePayload; kid: string }> {
  const t = tokenParts(token, o);
  if (!(await verify(t.issuer, t.signed, t.sig))) throw new LicenseTokenError('BAD_SIGNATURE');
  return checkedPayload(t, o);
}
