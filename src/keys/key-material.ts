/** Re-exports from src/crypto used by the keys component, and the random source for new seeds. */
import crypto from 'node:crypto';
export { kidOf, signingKey, type SigningKey } from '../crypto/index.js';

/** `n` random bytes from the OS CSPRNG (a new Ed25519 seed). */
export function randomBytesForKeys(n: number): Buffer {
  return crypto.randomBytes(n);
}
