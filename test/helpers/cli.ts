/** Run one of the project's CLI scripts (src/cli/<script>) as `npm run` would, with `env` only and `stdin` piped in. */
import { spawn } from 'node:child_process';
import { REPO_ROOT } from './context.js';

export function cli(script: string, args: string[], env: Record<string, string>, stdin: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `src/cli/${script}`, ...args], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    child.on('exit', (code) => resolve({ code, out, err }));
    child.stdin.end(stdin);
  });
}
