/**
 * NaCl primitives as subscription/keyfile-v1.md §Primitives names them,
 * byte-identical to tweetnacl and libsodium:
 *
 * - Ed25519 and X25519 through node:crypto (OpenSSL), native code, far
 *   faster than tweetnacl's pure-JS curve code; keys are raw 32-byte seeds and
 *   public keys, wrapped in their fixed DER prefixes (RFC 8410);
 * - XSalsa20-Poly1305 through tweetnacl: `box` = `secretbox` under the
 *   HSalsa20 of the X25519 shared secret, which is exactly what
 *   `nacl.box.before` + `nacl.box.after` do (crypto_box_beforenm);
 * - SHA-512 through node:crypto.
 * Pure: bytes in, bytes out; no I/O, no clock.
 */
import crypto from 'node:crypto';
import nacl from 'tweetnacl';

const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');
const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SIGMA = new TextEncoder().encode('expand 32-byte k');

function expectLength(bytes: Uint8Array, n: number, what: string): void {
  if (bytes.length !== n) throw new TypeError(`${what} must be ${n} bytes, got ${bytes.length}`);
}

export function sha512(data: Uint8Array): Buffer {
  return crypto.createHash('sha512').update(data).digest();
}

/** An Ed25519 signing key from its 32-byte seed (the "secret key" of the spec). */
export interface SigningKey {
  publicKey: Buffer;
  kid: Buffer;
  sign(message: Uint8Array): Buffer;
  /** The private key as a node:crypto KeyObject (postMessage can hand it to a worker thread). */
  keyObject: crypto.KeyObject;
}

/** `kid` = the first 8 bytes of SHA-512(public key) (spec §Keys). */
export function kidOf(publicKey: Uint8Array): Buffer {
  expectLength(publicKey, 32, 'Ed25519 public key');
  return sha512(publicKey).subarray(0, 8);
}

export function signingKey(seed: Uint8Array): SigningKey {
  expectLength(seed, 32, 'Ed25519 seed');
  const key = crypto.createPrivateKey({ key: Buffer.concat([ED25519_PKCS8, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = crypto.createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(-32);
  return {
    publicKey,
    kid: kidOf(publicKey),
    sign: (message) => crypto.sign(null, message, key),
    keyObject: key,
  };
}

const verifyKeys = new Map<string, crypto.KeyObject>();

/** The KeyObject of a raw 32-byte Ed25519 public key (RFC 8410 SPKI; the first 64 distinct keys are kept). */
export function ed25519PublicKeyObject(publicKey: Uint8Array): crypto.KeyObject {
  const id = Buffer.from(publicKey).toString('hex');
  let key = verifyKeys.get(id);
  if (!key) {
    key = crypto.createPublicKey({ key: Buffer.concat([ED25519_SPKI, publicKey]), format: 'der', type: 'spki' });
    if (verifyKeys.size < 64) verifyKeys.set(id, key);
  }
  return key;
}

/** Verify an Ed25519 signature; false (never a throw) for malformed input. */
export function verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    return crypto.verify(null, message, ed25519PublicKeyObject(publicKey), signature);
  } catch {
    return false;
  }
}

/** The X25519 public key of a 32-byte secret (clamped as NaCl does). */
export function x25519PublicKey(secret: Uint8Array): Buffer {
  expectLength(secret, 32, 'X25519 secret key');
  const key = crypto.createPrivateKey({ key: Buffer.concat([X25519_PKCS8, secret]), format: 'der', type: 'pkcs8' });
  return crypto.createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(-32);
}

// Raw X25519 public keys are imported as JWK: OpenSSL parses that much faster than DER.
function x25519PublicObject(raw: Uint8Array): crypto.KeyObject {
  return crypto.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

/** HSalsa20 of an X25519 shared secret, or null when OpenSSL refuses the pair (all-zero secret, small-order point). */
function beforenm(privateKey: crypto.KeyObject, theirPublic: Uint8Array): Uint8Array | null {
  let shared: Buffer;
  try {
    shared = crypto.diffieHellman({ privateKey, publicKey: x25519PublicObject(theirPublic) });
  } catch {
    return null;
  }
  return hsalsa20(shared);
}

/** crypto_box_beforenm: HSalsa20(X25519(secret, public), 0) — the box key. Null for a low-order public key. */
export function boxKey(theirPublic: Uint8Array, mySecret: Uint8Array): Uint8Array | null {
  expectLength(theirPublic, 32, 'X25519 public key');
  expectLength(mySecret, 32, 'X25519 secret key');
  return beforenm(crypto.createPrivateKey({ key: Buffer.concat([X25519_PKCS8, mySecret]), format: 'der', type: 'pkcs8' }), theirPublic);
}

/**
 * A fresh ephemeral X25519 key pair and the box key it shares with
 * `theirPublic` (the hot path of sealing: no DER parsing). Null for a low-order public key.
 */
export function ephemeralBoxKey(theirPublic: Uint8Array): { epk: Buffer; key: Uint8Array } | null {
  expectLength(theirPublic, 32, 'X25519 public key');
  const pair = crypto.generateKeyPairSync('x25519');
  const key = beforenm(pair.privateKey, theirPublic);
  if (!key) return null;
  return { epk: Buffer.from(pair.publicKey.export({ format: 'jwk' }).x!, 'base64url'), key };
}

function hsalsa20(shared: Uint8Array): Uint8Array {
  const key = new Uint8Array(32);
  (nacl as unknown as { lowlevel: { crypto_core_hsalsa20(o: Uint8Array, i: Uint8Array, k: Uint8Array, c: Uint8Array): void } })
    .lowlevel.crypto_core_hsalsa20(key, new Uint8Array(16), shared, SIGMA);
  return key;
}

/** nacl.box with a precomputed key: XSalsa20-Poly1305, output 16 + message bytes. */
export function seal(message: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  expectLength(nonce, 24, 'nonce');
  return nacl.secretbox(message, nonce, key);
}

/** nacl.box.open with a precomputed key; null when the box does not open. */
export function open(box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | null {
  if (nonce.length !== 24 || box.length < 16) return null;
  return nacl.secretbox.open(box, nonce, key);
}

export function randomBytes(n: number): Buffer {
  return crypto.randomBytes(n);
}
