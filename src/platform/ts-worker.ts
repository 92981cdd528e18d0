/**
 * Worker threads whose code is a TypeScript module of this project,
 * typechecked and linted like any other (no code in a string run with
 * `eval`). The thread starts at ts-worker-entry.mjs, which loads the module
 * through tsx (node 20 starts workers from JavaScript files only, and does
 * not hand the tsx loader to them); the module reads `workerData.data`.
 * Loading tsx costs each thread memory and start-up time, once: start
 * long-lived threads, not one per job.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Start `module` (a `new URL('./x-thread.ts', import.meta.url)`) on a worker thread; `data` is its workerData.data. */
export function startTsWorker(module: URL, data: unknown = null, options: Omit<WorkerOptions, 'workerData' | 'eval'> = {}): Worker {
  return new Worker(new URL('./ts-worker-entry.mjs', import.meta.url), { ...options, workerData: { tsModule: module.href, data } });
}
