/**
 * PostgreSQL's own tools, run as child processes: `pg_dump --format=custom`
 * for a backup, `pg_restore --clean` for a restore. The password goes in
 * PGPASSWORD rather than on the command line (where `ps` would show it).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The full path of `tool` found on PATH, or undefined. */
export function findOnPath(tool: string, pathVar = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathVar.split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, tool);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** The tool's path, or an error naming it and what to install. */
export function requireTool(tool: 'pg_dump' | 'pg_restore'): string {
  const found = findOnPath(tool);
  if (!found) {
    throw new Error(`${tool} was not found on PATH: install the PostgreSQL client tools of the server's major version `
      + '(Debian: apt-get install postgresql-client) and try again.');
  }
  return found;
}

/** Connection arguments and environment for a libpq tool, from a postgres:// URL. */
function connection(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { dbname: u.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}

function run(tool: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(tool)} exited with ${code}: ${err.trim().slice(0, 2000)}`))));
  });
}

/** Dump the database (one schema when given) to `file` in pg_dump's custom format. */
export async function pgDump(url: string, schema: string | undefined, file: string): Promise<void> {
  const tool = requireTool('pg_dump');
  const { dbname, env } = connection(url);
  await run(tool, ['--format=custom', '--no-owner', `--file=${file}`, ...(schema ? [`--schema=${schema}`] : []), `--dbname=${dbname}`], env);
}

/** Restore a custom-format dump, dropping the objects it holds first (`--clean --if-exists`). */
export async function pgRestore(url: string, file: string): Promise<void> {
  const tool = requireTool('pg_restore');
  const { dbname, env } = connection(url);
  await run(tool, ['--clean', '--if-exists', '--no-owner', '--exit-on-error', `--dbname=${dbname}`, file], env);
}
