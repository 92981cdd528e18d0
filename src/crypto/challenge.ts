/**
 * Challenges sealed to an installation, so that it can prove it holds the
 * secret key of its Installation Code without sending it. The portal seals a
 * short message to the code's X25519 public key with a fresh ephemeral key,
 * exactly as a key file's box is made (keyfile-v1.md §Signature and
 * encryption); only the holder of the installation secret opens it, and
 * sends the message back.
 *
 *   sealed = epk (32) || nonce (24) || nacl.box(message, nonce, installation public key, esk)
 *
 * A challenge's message is always CHALLENGE_BYTES long, and `openChallenge`
 * refuses any other length: a client answering challenges cannot be used to
 * open the box of a key file (whose plaintext is longer) for someone else.
 * Pure: bytes in, bytes out.
 */
import { boxKey, ephemeralBoxKey, open, randomBytes, seal } from './primitives.js';

export const CHALLENGE_BYTES = 56;
const EPK = 32;
const NONCE = 24;

/**
 * Seal `message` (CHALLENGE_BYTES) to an installation public key.
 * @throws TypeError for a message of another length or an unusable public key.
 */
export function sealChallenge(message: Uint8Array, installationPublicKey: Uint8Array): Buffer {
  if (message.length !== CHALLENGE_BYTES) throw new TypeError(`a challenge is ${CHALLENGE_BYTES} bytes`);
  const shared = ephemeralBoxKey(installationPublicKey);
  if (!shared) throw new TypeError('not a usable installation public key');
  const nonce = randomBytes(NONCE);
  return Buffer.concat([shared.epk, nonce, seal(message, nonce, shared.key)]);
}

/** The message of a sealed challenge, opened with the installation secret key; null when it does not open or is not a challenge. */
export function openChallenge(sealed: Uint8Array, installationSecret: Uint8Array): Buffer | null {
  if (sealed.length !== EPK + NONCE + 16 + CHALLENGE_BYTES) return null;
  const bytes = Buffer.from(sealed);
  const key = boxKey(bytes.subarray(0, EPK), installationSecret);
  const message = key ? open(bytes.subarray(EPK + NONCE), bytes.subarray(EPK, EPK + NONCE), key) : null;
  return message && message.length === CHALLENGE_BYTES ? Buffer.from(message) : null;
}
