/**
 * Entry of a worker thread whose code is a TypeScript module (startTsWorker,
 * ts-worker.ts): node 20 cannot start a worker from a .ts file, and a
 * worker does not get the tsx loader of the thread that starts it, so this
 * entry loads the module through tsx's API. Nothing else belongs here.
 */
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.tsModule, import.meta.url);
