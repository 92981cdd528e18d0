/**
 * The worker thread of CryptoWorker (crypto-worker.ts): Ed25519 signatures
 * and verifications with node:crypto, a batch of jobs per message.
 *
 * Messages in: `{key: {id, object}}` (a KeyObject, cloned by postMessage, kept
 * by id) or `{jobs}`; out: one list of results per batch, in job order.
 * A job that throws (a malformed key or signature) answers false (verify)
 * or null (sign); the main thread then signs itself.
 */
import crypto, { type KeyObject } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

/** [id, kind (v: verify, s: sign), key id, message, signature (verify) or null]. */
export type CryptoJob = [number, 'v' | 's', string, Uint8Array, Uint8Array | null];
/** [job id, verdict (verify) or signature (sign), or null when signing failed]. */
export type CryptoResult = [number, boolean | Uint8Array | null];
export type CryptoMessage = { key: { id: string; object: KeyObject } } | { jobs: CryptoJob[] };

const keys = new Map<string, KeyObject>();

function run([id, kind, keyId, message, sig]: CryptoJob): CryptoResult {
  const key = keys.get(keyId);
  try {
    if (!key) throw new Error(`unknown key ${keyId}`);
    return kind === 'v' ? [id, crypto.verify(null, message, key, sig!)] : [id, crypto.sign(null, message, key)];
  } catch {
    return [id, kind === 'v' ? false : null];
  }
}

const port = parentPort;
port?.on('message', (m: CryptoMessage) => {
  if ('key' in m) {
    keys.set(m.key.id, m.key.object);
    return;
  }
  port.postMessage(m.jobs.map(run));
});
