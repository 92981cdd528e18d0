/**
 * Recharge key files (`.bin`), subscription/keyfile-v1.md §Recharge key file.
 *
 *   sig       = Ed25519(issuer, "ARTISAN-ND/KEYFILE/v1\0" || kid || payload)
 *   box       = nacl.box(sig || payload, nonce, installation public key, ephemeral secret)
 *   file      = "ANDK" 01 00 || kid (8) || epk (32) || nonce (24) || box     (≤ 4096 bytes)
 *
 * `openKeyFile` verifies in the spec's order and throws KeyFileError with the
 * first failing step's reason. Pure: the time and the applied serials are
 * given by the caller.
 */
import { KeyFileError } from './errors.js';
import { boxKey, ephemeralBoxKey, open, randomBytes, seal, verifySignature, x25519PublicKey, type SigningKey } from './primitives.js';

export const MAGIC = Buffer.from('ANDK', 'ascii');
export const VERSION = 0x01;
export const MAX_FILE_BYTES = 4096;
export const HEADER_BYTES = 70;
const CONTEXT = Buffer.from('ARTISAN-ND/KEYFILE/v1\0', 'ascii');
export const MAX_UNITS = 1_000_000;

/** The signed payload (spec §Payload). Timestamps are RFC 3339 UTC strings. */
export interface RechargePayload {
  v: 1;
  typ: 'recharge';
  product: string;
  installation: string;
  serial: number;
  units: number;
  issued_at: string;
  expires_at: string | null;
  partner: string;
  id: string;
}

/** RFC 3339 UTC without milliseconds: 2026-11-22T10:00:00Z. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The payload bytes, members in the spec's order (any order verifies; this one is stable). */
export function encodePayload(p: RechargePayload): Buffer {
  const ordered: RechargePayload = {
    v: 1, typ: 'recharge', product: p.product, installation: p.installation, serial: p.serial, units: p.units,
    issued_at: p.issued_at, expires_at: p.expires_at, partner: p.partner, id: p.id,
  };
  return Buffer.from(JSON.stringify(ordered), 'utf8');
}

export interface SealOptions {
  payload: Uint8Array;
  issuer: SigningKey;
  installationPublicKey: Uint8Array;
  /** For test vectors only: the ephemeral X25519 secret (default: 32 random bytes). */
  ephemeralSecret?: Uint8Array;
  /** For test vectors only: the nonce (default: 24 random bytes). */
  nonce?: Uint8Array;
}

/**
 * Build a key file.
 * @throws RangeError when the file would exceed 4096 bytes; TypeError for a key of the wrong size.
 */
export function sealKeyFile(o: SealOptions): Buffer {
  const nonce = o.nonce ?? randomBytes(24);
  const kid = o.issuer.kid;
  const sig = o.issuer.sign(Buffer.concat([CONTEXT, kid, o.payload]));
  const shared = o.ephemeralSecret
    ? { epk: x25519PublicKey(o.ephemeralSecret), key: boxKey(o.installationPublicKey, o.ephemeralSecret) }
    : ephemeralBoxKey(o.installationPublicKey);
  if (!shared?.key) throw new TypeError('not a usable installation public key');
  const box = seal(Buffer.concat([sig, o.payload]), nonce, shared.key);
  const file = Buffer.concat([MAGIC, Buffer.from([VERSION, 0x00]), kid, shared.epk, nonce, box]);
  if (file.length > MAX_FILE_BYTES) throw new RangeError(`a key file is at most ${MAX_FILE_BYTES} bytes`);
  return file;
}

export interface OpenOptions {
  /** The installation's X25519 secret key (32 bytes). */
  installationSecret: Uint8Array;
  /** This installation's compact code (55 characters, no dashes). */
  installationCode: string;
  /** The trusted issuer public key for a kid (16 hex), or null. */
  trustedKey(kidHex: string): Uint8Array | null;
  now: Date;
  /** Whether a serial was already applied on this installation. */
  applied(serial: number): boolean;
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** Steps 1–8 of the spec's verification. @throws KeyFileError with the first failing step's reason. */
export function openKeyFile(file: Uint8Array, o: OpenOptions): { payload: RechargePayload; kid: string } {
  const f = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  // 1. size, magic, version, flags (the box holds at least its tag and a signature)
  if (f.length > MAX_FILE_BYTES || f.length < HEADER_BYTES + 16 + 64) throw new KeyFileError('FORMAT', 'size');
  if (!f.subarray(0, 4).equals(MAGIC) || f[4] !== VERSION || f[5] !== 0x00) throw new KeyFileError('FORMAT', 'header');
  const kid = f.subarray(6, 14);
  const epk = f.subarray(14, 46);
  const nonce = f.subarray(46, 70);
  // 2. open the box
  const key = boxKey(epk, o.installationSecret);
  const plain = key ? open(f.subarray(70), nonce, key) : null;
  if (!plain || plain.length < 64) throw new KeyFileError('NOT_FOR_THIS_INSTALLATION', 'box');
  // 3. trusted kid
  const kidHex = kid.toString('hex');
  const issuer = o.trustedKey(kidHex);
  if (!issuer) throw new KeyFileError('UNKNOWN_ISSUER_KEY');
  // 4. signature
  const sig = plain.subarray(0, 64);
  const payloadBytes = plain.subarray(64);
  if (!verifySignature(issuer, Buffer.concat([CONTEXT, kid, payloadBytes]), sig)) throw new KeyFileError('BAD_SIGNATURE');
  // 5. payload shape
  let p: Record<string, unknown>;
  try {
    p = JSON.parse(Buffer.from(payloadBytes).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new KeyFileError('FORMAT', 'payload is not JSON');
  }
  if (!p || typeof p !== 'object' || p.v !== 1 || p.typ !== 'recharge' || !isInt(p.units, 1, MAX_UNITS) || !isInt(p.serial, 1, Number.MAX_SAFE_INTEGER)) {
    throw new KeyFileError('FORMAT', 'payload');
  }
  // 6. for this installation
  if (p.installation !== o.installationCode) throw new KeyFileError('NOT_FOR_THIS_INSTALLATION', 'installation');
  // 7. not expired
  if (p.expires_at !== null) {
    const expires = typeof p.expires_at === 'string' ? Date.parse(p.expires_at) : NaN;
    if (Number.isNaN(expires)) throw new KeyFileError('FORMAT', 'expires_at');
    if (o.now.getTime() >= expires) throw new KeyFileError('EXPIRED');
  }
  // 8. never applied
  if (o.applied(p.serial as number)) throw new KeyFileError('ALREADY_APPLIED');
  return { payload: p as unknown as RechargePayload, kid: kidHex };
}
