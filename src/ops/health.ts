/**
 * GET /healthz and GET /readyz: for a load balancer, systemd or a monitor.
 * No authentication and nothing secret: a status and, when not ready, one
 * short reason; never cached.
 *
 *   /healthz  the process answers (no I/O): 200 {"status":"ok"}
 *   /readyz   the database answers a trivial query (within READY_TIMEOUT_MS), every migration of
 *             db/migrations is applied, the file systems of the data folders (db/, files/) have at least
 *             READY_MIN_FREE_MB free: 200 {"status":"ready"}, else 503 {"status":"not_ready","reason":"database|migrations|disk"}
 */
import fs from 'node:fs';
import { Router, type Response } from 'express';
import { FolderMigrationSource, type Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';

export type NotReadyReason = 'database' | 'migrations' | 'disk';

/** How long /readyz waits for the database (ms): a monitor must get an answer even when the pool is stuck. */
export const READY_TIMEOUT_MS = 3000;

export interface HealthDeps {
  db: Db;
  logger: Logger;
  /** db/migrations: the migrations this code expects applied. */
  migrationsDir: string;
  /** Folders whose file system must have room (the SQLite file, uploads, key files). */
  dataDirs: string[];
  minFreeMb: number;
}

function send(res: Response, status: number, body: object): void {
  res.setHeader('Cache-Control', 'no-store');
  res.status(status).json(body);
}

/** Rejects after `ms`; the timer does not keep the process alive. */
function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Names of the migration files not recorded in knex_migrations (names without extension, as migrate() records them). */
async function pendingMigrations(db: Db, dir: string): Promise<string[]> {
  const source = new FolderMigrationSource(dir);
  const files = (await source.getMigrations()).map((f) => source.getMigrationName(f));
  const applied = new Set((await db('knex_migrations').pluck('name') as string[]).map((n) => n.replace(/\.(ts|js)$/, '')));
  return files.filter((f) => !applied.has(f));
}

/** Free space (MB) of the emptiest file system among `dirs` (a missing folder is skipped). */
async function freeMb(dirs: string[]): Promise<number> {
  let least = Infinity;
  for (const dir of dirs) {
    const stats = await fs.promises.statfs(dir).catch(() => null);
    if (stats) least = Math.min(least, (Number(stats.bavail) * Number(stats.bsize)) / (1024 * 1024));
  }
  return least;
}

/** Why the instance is not ready, or null when it is (the module comment's checks, in that order). */
export async function notReadyReason(deps: HealthDeps): Promise<NotReadyReason | null> {
  try {
    await within(READY_TIMEOUT_MS, deps.db.raw('select 1'));
  } catch (err) {
    deps.logger.warn({ err }, 'readiness: the database does not answer');
    return 'database';
  }
  try {
    const pending = await within(READY_TIMEOUT_MS, pendingMigrations(deps.db, deps.migrationsDir));
    if (pending.length) {
      deps.logger.warn({ pending }, 'readiness: migrations pending');
      return 'migrations';
    }
  } catch (err) {
    deps.logger.warn({ err }, 'readiness: the migrations could not be listed');
    return 'migrations';
  }
  if ((await freeMb(deps.dataDirs)) < deps.minFreeMb) return 'disk';
  return null;
}

export function createHealthRouter(deps: HealthDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => send(res, 200, { status: 'ok' }));
  router.get('/readyz', async (_req, res) => {
    const reason = await notReadyReason(deps);
    if (reason) send(res, 503, { status: 'not_ready', reason });
    else send(res, 200, { status: 'ready' });
  });
  return router;
}
