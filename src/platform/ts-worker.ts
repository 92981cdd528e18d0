/**
 * Worker threads whose code is a TypeScript module of this project,
 * typechecked and linted like any other (no code in a string run with
 * `eval`).
 *
 * Under tsx (`npm run dev`, the tests) the thread starts at
 * ts-worker-entry.mjs, which loads the module through tsx (node 20 starts
 * workers from JavaScript files only, and does not hand the tsx loader to
 * them): loading tsx costs each thread memory and start-up time, once, so
 * start long-lived threads, not one per job.
 * Compiled (`npm start`, setup/build.mjs: every x.ts has its x.js beside it
 * in dist/), the thread starts at the module's own .js file, with no tsx.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Whether this file runs compiled (dist/…/ts-worker.js) rather than under tsx. */
const COMPILED = import.meta.url.endsWith('.js');

/**
 * Start `module` (a `new URL('./x-thread.ts', import.meta.url)`) on a worker thread; `data` is its workerData.data.
 * Compiled, the thread runs the .js file the build wrote for `module` (same folder, same name).
 */
export function startTsWorker(module: URL, data: unknown = null, options: Omit<WorkerOptions, 'workerData' | 'eval'> = {}): Worker {
  if (COMPILED) return new Worker(new URL(module.href.replace(/\.ts$/, '.js')), { ...options, workerData: { data } });
  return new Worker(new URL('./ts-worker-entry.mjs', import.meta.url), { ...options, workerData: { tsModule: module.href, data } });
}
