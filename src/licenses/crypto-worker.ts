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
 * postMessage clones), once each per thread. The thread starts with the first
 * job and stops after CRYPTO_THREAD_IDLE_SECONDS without one (its memory given
 * back; the next job starts it again). If the worker fails or exits, every
 * pending and later job is done on the main thread instead: slower, never
 * wrong.
 */
import type { Worker } from 'node:worker_threads';
import { ed25519PublicKeyObject, verifySignature, type SigningKey } from '../crypto/index.js';
import { startTsWorker } from '../platform/ts-worker.js';
import { TurnBatch } from '../platform/turn-batch.js';
import type { CryptoJob, CryptoMessage, CryptoResult } from './crypto-thread.js';

type Job = CryptoJob;

/**
 * Seconds without a job after which the thread is stopped (started again by the next job, its keys sent again):
 * a portal whose desktop clients are quiet gives back the thread's memory (about 10 MB) instead of keeping it.
 */
export const CRYPTO_THREAD_IDLE_SECONDS = 15;

interface Pending {
  job: Job;
  resolve(value: boolean | Buffer): void;
}

export class CryptoWorker {
  /**
   * Started by the first job (a portal serving no license request never pays its memory); undefined again once
   * stopped after CRYPTO_THREAD_IDLE_SECONDS without a job; null once failed or closed (jobs run on the main thread).
   */
  private worker: Worker | null | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly pending = new Map<number, Pending>();
  /** The jobs of this turn, sent as one message at its end. */
  private readonly batch = new TurnBatch<Job>((jobs) => this.post({ jobs }));
  private nextId = 1;
  /** Key ids sent to the worker; and what each stands for, for the main-thread fallback. */
  private readonly keys = new Map<string, { verify?: Uint8Array; sign?: SigningKey }>();

  /**
   * `onFailure` is told once when the thread cannot start or stops on its own (the jobs then run on the main thread);
   * `idleSeconds`: how long the thread waits for a job before it is stopped.
   */
  constructor(private readonly onFailure: (err: Error) => void = () => {}, private readonly idleSeconds = CRYPTO_THREAD_IDLE_SECONDS) {}

  /** The worker (crypto-thread.ts), started on first use (again after an idle stop, with every key known so far). */
  private started(): Worker | null {
    if (this.worker === undefined) {
      // Heap limits: the thread holds a few keys and one batch (and, under tsx, tsx itself, which loads its module).
      const limits = { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 4 };
      const worker = startTsWorker(new URL('./crypto-thread.ts', import.meta.url), null, { resourceLimits: limits });
      // Events of a thread stopped when idle (no longer this.worker) are not failures.
      worker.on('message', (results: CryptoResult[]) => {
        if (this.worker !== worker) return;
        for (const [id, value] of results) this.settle(id, value);
        if (this.pending.size === 0) this.armIdleStop();
      });
      worker.on('error', (err: Error) => { if (this.worker === worker) this.failed(err); });
      worker.on('exit', (code) => { if (this.worker === worker) this.failed(new Error(`the crypto thread exited (code ${code})`)); });
      // After the listeners: on Node 20 a 'message' listener added later makes the worker hold the process again.
      worker.unref();
      this.worker = worker;
      for (const [id, key] of this.keys) this.post({ key: { id, object: key.verify ? ed25519PublicKeyObject(key.verify) : key.sign!.keyObject } });
    }
    return this.worker;
  }

  /** (Re)start the idle countdown: with no job for CRYPTO_THREAD_IDLE_SECONDS, the thread is stopped. */
  private armIdleStop(): void {
    if (this.idleTimer) {
      this.idleTimer.refresh();
      return;
    }
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      const worker = this.worker;
      if (!worker || this.pending.size > 0) return;
      this.worker = undefined;
      void worker.terminate();
    }, this.idleSeconds * 1000);
    this.idleTimer.unref();
  }

  /** Whether `signature` is `publicKey`'s Ed25519 signature of `message` (false for malformed input; never rejects). */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    if (publicKey.length !== 32 || signature.length !== 64) return Promise.resolve(false);
    const keyId = `v:${Buffer.from(publicKey).toString('hex')}`;
    if (!this.keys.has(keyId)) {
      this.keys.set(keyId, { verify: publicKey });
      // A thread started later gets every known key when it starts.
      if (this.worker) this.post({ key: { id: keyId, object: ed25519PublicKeyObject(publicKey) } });
    }
    return this.enqueue([0, 'v', keyId, message, signature]) as Promise<boolean>;
  }

  /** `signer`'s Ed25519 signature of `message` (64 bytes), the same bytes as signer.sign(message). */
  sign(signer: SigningKey, message: Uint8Array): Promise<Buffer> {
    const keyId = `s:${signer.kid.toString('hex')}`;
    if (!this.keys.has(keyId)) {
      this.keys.set(keyId, { sign: signer });
      if (this.worker) this.post({ key: { id: keyId, object: signer.keyObject } });
    }
    return this.enqueue([0, 's', keyId, message, null]) as Promise<Buffer>;
  }

  private post(message: CryptoMessage): void {
    this.worker?.postMessage(message);
  }

  /** Whether a worker thread runs now (false before the first job, after an idle stop, and once it failed or was closed). */
  get onThread(): boolean {
    return Boolean(this.worker);
  }

  /** Stop the worker; later jobs run on the main thread. */
  async close(): Promise<void> {
    const worker = this.worker;
    clearTimeout(this.idleTimer);
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
