/**
 * Running servers leave a mark: each server process writes
 * `<DB_DIR>/server-<pid>.pid` once it listens and removes it when it stops.
 * A restore refuses while a marked process is still alive. The mark, not a
 * SQLite lock, because an idle server holds no lock on its database (WAL
 * readers and an idle pool take none); a mark left by a crash names a dead
 * pid and is ignored.
 */
import fs from 'node:fs';
import path from 'node:path';
import { processAlive } from '../platform/process-alive.js';

const MARK = /^server-(\d+)\.pid$/;

/** Write this process's mark in `dbDir`; returns a function that removes it. */
export function markServer(dbDir: string, pid = process.pid): () => void {
  fs.mkdirSync(dbDir, { recursive: true });
  const file = path.join(dbDir, `server-${pid}.pid`);
  fs.writeFileSync(file, `${pid}\n`);
  return () => fs.rmSync(file, { force: true });
}

/** The pids of the live server processes marked in `dbDir`. */
export function runningServers(dbDir: string): number[] {
  if (!fs.existsSync(dbDir)) return [];
  return fs.readdirSync(dbDir).map((f) => MARK.exec(f)?.[1]).filter((p): p is string => p !== undefined).map(Number).filter((pid) => processAlive(pid));
}
