/**
 * Ed25519 verifications and signatures of the validation hot path, done on a
 * worker thread so the main thread (the one every HTTP request waits for)
 * keeps only the hand-over.
 *
 * Why: an Ed25519 verification or signature done on the main thread holds
 * every other request for its whole duration, and the callback form of
 * node:crypto (libuv's pool) still costs the main thread a large share of
 * that per call (job set-up, a thread wake-up and the completion, each a
 * system call). Here, the jobs queued in one turn of the event loop go as
 * ONE message and come back as one, so the main thread's cost per job is a
 * small fraction of doing the job itself. The figures are in the README's
 * bench section.
 *
 * The thread's code is crypto-thread.ts (a TypeScript module started
 * through src/platform/ts-worker.ts). Same answers as verifySignature /
 * SigningKey.sign (node:crypto, byte for byte; the tests compare with tweetnacl). Keys cross as KeyObjects (which
 * postMessage clones), once each. If the worker fails or exits, every
 * pending and later job is done on the main thread instead: slower, never
 * wrong.
 */
import type { Worker } from 'node:worker_threads';
import { ed25519PublicKeyObject, verifySignature, type SigningKey } from '../crypto/index.js';
import { startTsWorker } from '../platform/ts-worker.js';
import { TurnBatch } from '../platform/turn-batch.js';
import type { CryptoJob, CryptoMessage, CryptoResult } from './crypto-thread.js';

type Job = CryptoJob;

interface Pending {
  job: Job;
  resolve(value: boolean | Buffer): void;
}

export class CryptoWorker {
  /** Started by the first job (a portal serving no license request never pays its memory); null once gone. */
  private worker: Worker | null | undefined;
  private readonly pending = new Map<number, Pending>();
  /** The jobs of this turn, sent as one message at its end. */
  private readonly batch = new TurnBatch<Job>((jobs) => this.post({ jobs }));
  private nextId = 1;
  /** Key ids sent to the worker; and what each stands for, for the main-thread fallback. */
  private readonly keys = new Map<string, { verify?: Uint8Array; sign?: SigningKey }>();

  /** `onFailure` is told once when the thread cannot start or stops on its own (the jobs then run on the main thread). */
  constructor(private readonly onFailure: (err: Error) => void = () => {}) {}

  /** The worker (crypto-thread.ts), started on first use. */
  private started(): Worker | null {
    if (this.worker === undefined) {
      // Heap limits: the thread holds a few keys and one batch (and, under tsx, tsx itself, which loads its module).
      const limits = { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 4 };
      const worker = startTsWorker(new URL('./crypto-thread.ts', import.meta.url), null, { resourceLimits: limits });
      worker.on('message', (results: CryptoResult[]) => {
        for (const [id, value] of results) this.settle(id, value);
      });
      worker.on('error', (err: Error) => this.failed(err));
      worker.on('exit', (code) => this.failed(new Error(`the crypto thread exited (code ${code})`)));
      // After the listeners: on Node 20 a 'message' listener added later makes the worker hold the process again.
      worker.unref();
      this.worker = worker;
    }
    return this.worker;
  }

  /** Whether `signature` is `publicKey`'s Ed25519 signature of `message` (false for malformed input; never rejects). */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    if (publicKey.length !== 32 || signature.length !== 64) return Promise.resolve(false);
    const keyId = `v:${Buffer.from(publicKey).toString('hex')}`;
    if (!this.keys.has(keyId)) {
      this.keys.set(keyId, { verify: publicKey });
      if (this.started()) this.post({ key: { id: keyId, object: ed25519PublicKeyObject(publicKey) } });
    }
    return this.enqueue([0, 'v', keyId, message, signature]) as Promise<boolean>;
  }

  /** `signer`'s Ed25519 signature of `message` (64 bytes), the same bytes as signer.sign(message). */
  sign(signer: SigningKey, message: Uint8Array): Promise<Buffer> {
    const keyId = `s:${signer.kid.toString('hex')}`;
    if (!this.keys.has(keyId)) {
      this.keys.set(keyId, { sign: signer });
      if (this.started()) this.post({ key: { id: keyId, object: signer.keyObject } });
    }
    return this.enqueue([0, 's', keyId, message, null]) as Promise<Buffer>;
  }

  private post(message: CryptoMessage): void {
    this.worker?.postMessage(message);
  }

  /** Whether jobs go to the worker thread (false once it failed or was closed: they run on the main thread). */
  get onThread(): boolean {
    return Boolean(this.worker);
  }

  /** Stop the worker; later jobs run on the main thread. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.fallBack();
    await worker?.terminate();
  }

  private enqueue(job: Job): Promise<boolean | Buffer> {
    return new Promise((resolve) => {
      if (!this.started()) return resolve(this.onMainThread(job));
      job[0] = this.nextId++;
      this.pending.set(job[0], { job, resolve });
      this.batch.push(job);
    });
  }

  private settle(id: number, value: boolean | Uint8Array | null): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (p.job[1] === 'v') p.resolve(value === true);
    else p.resolve(value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : this.onMainThread(p.job));
  }

  /** The worker failed or exited while in use (not after close()): say so once, then finish everything here. */
  private failed(err: Error): void {
    if (this.worker) this.onFailure(err);
    this.fallBack();
  }

  /** The worker is gone: finish everything here. */
  private fallBack(): void {
    this.worker = null;
    this.batch.clear();
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.resolve(this.onMainThread(p.job));
    }
  }

  private onMainThread(job: Job): boolean | Buffer {
    const [, kind, keyId, message, sig] = job;
    const key = this.keys.get(keyId)!;
    return kind === 'v' ? verifySignature(key.verify!, message, sig!) : key.sign!.sign(message);
  }
}
