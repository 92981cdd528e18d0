/**
 * The built portal as production runs it, for the tests that start it in a child process: a temporary project root laid
 * out as an installation (/opt/artisan-nd): src/, db/, views/, public/, package.json and tsconfig.json are links to the
 * repository's, setup/build.mjs a copy, and node_modules/ holds a link to each installed package but tsx (and no .bin):
 * the built server there cannot load tsx even by mistake. `npm run build` there (the copy of setup/build.mjs) writes
 * its dist/. Data folders (db, files, logs, subscription) are the caller's, by environment.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './context.js';
import { PG_SCHEMA, PG_URL } from './db.js';
import { createDb } from '../../src/platform/db.js';
import { waitFor } from './wait.js';

/** A temporary installation holding a fresh build in dist/ (see the module's comment); remove it with `fs.rm`. */
export async function builtRoot(): Promise<string> {
  const root = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'artisan-built-'));
  for (const entry of ['src', 'db', 'views', 'public', 'package.json', 'tsconfig.json']) {
    await fs.promises.symlink(path.join(REPO_ROOT, entry), path.join(root, entry));
  }
  await fs.promises.mkdir(path.join(root, 'setup'));
  await fs.promises.copyFile(path.join(REPO_ROOT, 'setup', 'build.mjs'), path.join(root, 'setup', 'build.mjs'));
  await fs.promises.mkdir(path.join(root, 'node_modules'));
  for (const pkg of await fs.promises.readdir(path.join(REPO_ROOT, 'node_modules'))) {
    if (pkg === 'tsx' || pkg.startsWith('.')) continue;
    await fs.promises.symlink(path.join(REPO_ROOT, 'node_modules', pkg), path.join(root, 'node_modules', pkg));
  }
  const build = spawnSync(process.execPath, ['setup/build.mjs'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`setup/build.mjs failed:\n${build.stdout}${build.stderr}`);
  return root;
}

/** Every file under `dir` whose text matches `re` (paths relative to `dir`). */
export function filesMatching(dir: string, re: RegExp): string[] {
  return (fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }))
    .filter((f) => fs.statSync(path.join(dir, f)).isFile() && re.test(fs.readFileSync(path.join(dir, f), 'utf8')));
}

/** The database settings of a built server's fresh database: a SQLite file under `dir`, or a PostgreSQL schema of its own. */
export async function freshDatabaseEnv(dir: string, name: string): Promise<Record<string, string>> {
  if (!PG_URL) return { DATABASE_URL: `sqlite:${path.join(dir, 'db', 'portal.sqlite')}` };
  await dropSchema(`${PG_SCHEMA}_${name}`);
  return { DATABASE_URL: PG_URL, DATABASE_SCHEMA: `${PG_SCHEMA}_${name}` };
}

/** Drop a PostgreSQL schema (no-op on SQLite). */
export async function dropSchema(schema: string): Promise<void> {
  if (!PG_URL) return;
  const admin = createDb({ client: 'pg', url: PG_URL, schema: undefined });
  try {
    await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
  } finally {
    await admin.destroy();
  }
}

/** A server started in a child process: its output so far, and its URL once it logs "listening on". */
export interface RunningServer {
  child: ChildProcess;
  output(): string;
  url: string;
}

/** Spawn `node args…` in `cwd` with exactly `env` (and PATH), and wait (45 s at most) until it listens. */
export async function startServer(node: string, args: string[], cwd: string, env: Record<string, string>): Promise<RunningServer> {
  const child = spawn(node, args, { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { out += c.toString(); });
  const url = await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${out}`);
    return /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] ?? null;
  }, { timeout: 45000, interval: 50, what: `the server listening:\n${out}` });
  return { child, output: () => out, url };
}

/** SIGTERM `child` and resolve with its exit code. */
export function stopServer(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}
