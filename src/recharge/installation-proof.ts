/**
 * Proof that a caller of the key-file API holds an installation's secret key.
 *
 * `POST /api/v1/installations/:code/challenge` answers a challenge sealed to
 * the Installation Code's public key (src/crypto/challenge.ts); the
 * installation opens it and sends the 56-byte message back, base64, in
 * `X-Installation-Proof`. The message is
 *
 *   expires (8, Unix seconds, big-endian) || random (16) || HMAC-SHA256(key, code || expires || random)
 *
 * so the portal keeps nothing between the two requests and any instance
 * sharing the secret can check it. `key` is derived from the server secret
 * (SESSION_SECRET, which instances behind one load balancer share). A proof
 * is good for one installation until it expires (PROOF_TTL_SECONDS);
 * whoever holds it can only read that installation's files, encrypted to it.
 */
import crypto from 'node:crypto';
import { CHALLENGE_BYTES, parseInstallationCode, sealChallenge } from '../crypto/index.js';

export const PROOF_TTL_SECONDS = 300;
const CONTEXT = 'ARTISAN-ND/INSTALLATION-PROOF/v1';

export class InstallationProofs {
  private readonly key: Buffer;

  /** `secret`: the server secret (at least 32 characters); only a key derived from it is kept. */
  constructor(secret: string) {
    this.key = crypto.createHmac('sha256', secret).update(CONTEXT).digest();
  }

  private mac(code: string, head: Buffer): Buffer {
    return crypto.createHmac('sha256', this.key).update(code).update(head).digest();
  }

  /** A challenge for the installation of compact `code`, and until when its proof is good. */
  issue(code: string, now: Date): { challenge: Buffer; expiresAt: Date } {
    const expires = Math.floor(now.getTime() / 1000) + PROOF_TTL_SECONDS;
    const head = Buffer.alloc(24);
    head.writeBigUInt64BE(BigInt(expires), 0);
    crypto.randomFillSync(head, 8, 16);
    const message = Buffer.concat([head, this.mac(code, head)]);
    return { challenge: sealChallenge(message, parseInstallationCode(code).publicKey), expiresAt: new Date(expires * 1000) };
  }

  /** Whether `proof` is the message of a challenge issued for `code` that has not expired at `now`. */
  verify(code: string, proof: Buffer, now: Date): boolean {
    if (proof.length !== CHALLENGE_BYTES) return false;
    const head = proof.subarray(0, 24);
    if (!crypto.timingSafeEqual(proof.subarray(24), this.mac(code, head))) return false;
    return Number(head.readBigUInt64BE(0)) * 1000 > now.getTime();
  }
}
