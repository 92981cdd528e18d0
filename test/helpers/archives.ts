/**
 * Backup archives seen from outside the portal's code: a `.tar.gz` read and
 * written with tar-stream and node's zlib, a `.tar.gz.age` opened with the age
 * library's whole-buffer API (test-size archives only); keytool and a server
 * started as processes, as an operator runs them.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { Decrypter } from 'age-encryption';
import tar from 'tar-stream';
import { REPO_ROOT } from './context.js';
import { waitFor } from './wait.js';

/** Every entry of the archive `file` (decrypted with the AGE-SECRET-KEY-1… `identity` when given), name → bytes, in order. */
export async function tarEntries(file: string, identity?: string): Promise<Map<string, Buffer>> {
  let bytes: Uint8Array = fs.readFileSync(file);
  if (identity) {
    const d = new Decrypter();
    d.addIdentity(identity);
    bytes = await d.decrypt(bytes);
  }
  const extract = tar.extract();
  const out = new Map<string, Buffer>();
  const reading = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      out.set(entry.header.name, Buffer.concat(chunks));
    }
  })();
  extract.end(zlib.gunzipSync(bytes));
  await reading;
  return out;
}

/** Write `entries` (name → bytes, mode 0644; a name ending in `/` is a folder) as a `.tar.gz` at `file`. */
export async function writeTarGz(file: string, entries: Map<string, Buffer>): Promise<void> {
  const pack = tar.pack();
  for (const [name, body] of entries) {
    if (name.endsWith('/')) pack.entry({ name, type: 'directory', mode: 0o755 });
    else pack.entry({ name, mode: 0o644 }, body);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  fs.writeFileSync(file, zlib.gzipSync(Buffer.concat(chunks)));
}

export interface Run { code: number | null; out: string; err: string }

/** Run keytool (src/keytool/keytool.ts) as a desktop installation would, with PATH only. */
export function keytool(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/keytool/keytool.ts', ...args], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

/** Start `src/server.ts` with `env` on a free port; resolves with its address and a stop function once it listens. */
export async function startServer(env: Record<string, string>): Promise<{ base: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', ...env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    const base = await waitFor(() => {
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${out}`);
      return /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] ?? null;
    }, { timeout: 60000, what: `the server listening:\n${out}` });
    return { base, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
