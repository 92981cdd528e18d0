/**
 * Shared machinery of the benches (test/bench/run.ts, test/bench/licenses.ts):
 * child processes started with the start script's V8 flags, under tsx
 * (`--import tsx src/server.ts`) or built (dist/server.js), readiness polling, RSS (VmRSS) and CPU
 * time read from /proc, autocannon load with the server's and the other
 * processes' CPU time, the reference/app/app/reference comparison, and the
 * report table. Linux only (/proc). Not part of the application.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BENCH_DIR = path.join(ROOT, 'test', 'bench');
export const HOST = '127.0.0.1';
export const MB = 1024 * 1024;
export const RSS_SAMPLE_MS = 100;

// ---------------------------------------------------------------- processes

export interface Child {
  name: string;
  proc: ChildProcess;
  /** Last lines written by the child (stdout and stderr), for error reports. */
  output: string[];
  exited: boolean;
  stopping: boolean;
}

const children = new Set<Child>();

/**
 * The V8 flags `npm start` gives node before dist/server.js (the start script's last command), so the app is measured
 * with them, built or under tsx.
 */
export const START_FLAGS: string[] = ((JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } })
  .scripts.start.split('&&').pop() ?? '').match(/--[a-z-]+(=\S+)?(?=.*dist\/server\.js)/g) ?? [];

/** Start `node [flags] --import tsx <script>` from the repository root. */
export function startNode(name: string, script: string, env: Record<string, string>, flags: string[] = []): Child {
  return startChild(name, [...flags, '--import', 'tsx', script], env);
}

/** Start `node [flags] <script>` (a built file: dist/server.js) from the repository root, with no tsx. */
export function startBuilt(name: string, script: string, env: Record<string, string>, flags: string[] = []): Child {
  return startChild(name, [...flags, script], env);
}

let built = false;

/**
 * Start the app as `npm start` runs it: dist/ built first when stale (setup/build.mjs --if-stale, once per bench),
 * then `node [the start script's flags] [extra] dist/server.js`.
 */
export function startApp(name: string, env: Record<string, string>, extraFlags: string[] = []): Child {
  if (!built) {
    execFileSync(process.execPath, ['setup/build.mjs', '--if-stale'], { cwd: ROOT, stdio: 'inherit' });
    built = true;
  }
  return startBuilt(name, 'dist/server.js', env, [...START_FLAGS, ...extraFlags]);
}

function startChild(name: string, args: string[], env: Record<string, string>): Child {
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const child: Child = { name, proc, output: [], exited: false, stopping: false };
  const keep = (chunk: Buffer) => {
    child.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (child.output.length > 40) child.output.splice(0, child.output.length - 40);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  proc.on('exit', (code, signal) => {
    child.exited = true;
    children.delete(child);
    if (!child.stopping) child.output.push(`[exited unexpectedly: code ${code}, signal ${signal}]`);
  });
  children.add(child);
  return child;
}

/**
 * The environment of an app started by a bench: production mode, warnings
 * only, every folder under `tmp` (db, logs, files, subscription), the
 * embedded SQLite, a fresh session secret, no proxy, no shutdown grace;
 * `extra` adds or overrides keys.
 */
export function benchAppEnv(tmp: string, port: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    PORT: String(port),
    HOST,
    BASE_URL: `http://${HOST}:${port}`,
    DB_DIR: path.join(tmp, 'db'),
    LOGS_DIR: path.join(tmp, 'logs'),
    FILES_DIR: path.join(tmp, 'files'),
    SUBSCRIPTION_DIR: path.join(tmp, 'subscription'),
    DATABASE_URL: '',
    SESSION_SECRET: crypto.randomBytes(32).toString('base64url'),
    TRUST_PROXY: '0',
    SHUTDOWN_GRACE_SECONDS: '0',
    // The benches' staff log in with a password only (production requires two-step login by default).
    STAFF_2FA_REQUIRED: '0',
    ...extra,
  };
}

export function assertAlive(child: Child): void {
  if (child.exited || child.proc.pid === undefined) {
    throw new Error(`${child.name} is not running:\n  ${child.output.join('\n  ')}`);
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child is gone. */
export async function stop(child: Child, graceMs = 5000): Promise<void> {
  if (child.exited) return;
  child.stopping = true;
  const gone = new Promise<void>((resolve) => child.proc.once('exit', () => resolve()));
  child.proc.kill('SIGTERM');
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

export function killAllNow(): void {
  for (const child of children) {
    child.stopping = true;
    child.proc.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------- helpers

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One GET; resolves with the status. Large bodies are not read (the socket is dropped). */
export function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      const status = res.statusCode ?? 0;
      if (Number(res.headers['content-length'] ?? 0) > MB) {
        res.destroy();
        resolve(status);
        return;
      }
      res.resume();
      res.on('end', () => resolve(status));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${url}: no answer in 10 s`)));
  });
}

/** Poll GET `url` until it answers 200 (the child must stay alive). */
export async function waitReady(child: Child, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    assertAlive(child);
    try {
      const status = await get(url);
      if (status === 200) return;
      last = `HTTP ${status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`${child.name} not ready after ${timeoutMs / 1000} s (${last}):\n  ${child.output.join('\n  ')}`);
}

/** VmRSS of a process, in MB. */
export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
}

/** Sample `pid`'s RSS every RSS_SAMPLE_MS until stopped; `stop()` (idempotent) returns the maximum seen. */
export function sampleRss(pid: number): { stop(): number } {
  let max = rssMb(pid);
  const timer = setInterval(() => {
    try {
      max = Math.max(max, rssMb(pid));
    } catch {
      // the process is gone: the caller's assertAlive reports it
    }
  }, RSS_SAMPLE_MS);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return max;
    },
  };
}

export async function writeRandomFile(file: string, size: number): Promise<void> {
  const out = fs.createWriteStream(file);
  for (let written = 0; written < size; written += MB) {
    const chunk = crypto.randomBytes(Math.min(MB, size - written));
    if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', () => resolve(undefined)));
  }
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(resolve);
  });
}

// ---------------------------------------------------------------- load

export interface LoadResult {
  seconds: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Bytes received on the sockets (headers included), complete responses or not. */
  bytes: number;
  /** CPU time (user + system) the server process used meanwhile. */
  serverCpuSeconds: number;
  /**
   * CPU time used meanwhile by every process other than this bench and the
   * server (machine-wide busy time minus both): when it is not near zero,
   * something else on the machine was competing and the figures are noisy.
   */
  otherCpuSeconds: number;
  reqPerSec: number;
  mbPerSec: number;
}

/** A server under test: its process and the URL to load. */
export interface Target {
  child: Child;
  url: string;
  /** autocannon's `requests` (method, headers, body, setupRequest...); default: GET `url`. */
  requests?: autocannon.Request[];
  /**
   * Called during measured runs only (not warm-ups): with the status and
   * response time (ms) of every response, and with autocannon's result.
   */
  observe?: {
    response?(statusCode: number, responseTimeMs: number): void;
    result?(result: autocannon.Result): void;
  };
}

/** The parts of autocannon's client that setupClient adjusts (autocannon 9, lib/pipelinedRequestsQueue.js). */
interface ClientInternals {
  pipelinedRequests?: { addBody(data: Buffer): void; addByteCount(count: number): void };
}

/** CPU seconds (utime + stime, USER_HZ = 100) used so far by `pid`. */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "pid (comm) ": state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Machine-wide CPU seconds spent in processes so far, plus steal (first line of /proc/stat; USER_HZ = 100). */
export function machineBusySeconds(): number {
  const [cpuLine = ''] = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1);
  // user nice system idle iowait irq softirq steal: interrupt time is left
  // out (loopback traffic is mostly softirq work, charged to no process).
  const [user = 0, nice = 0, system = 0, , , , , steal = 0] = cpuLine.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + steal) / 100;
}

/** CPU seconds used so far by this process (all its threads). */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/**
 * Run autocannon against `target` and measure the server's CPU time
 * (`warmup`: the run is discarded, `target.observe` is not called). Two
 * adjustments in setupClient:
 * - autocannon keeps each response body as a string (`body += chunk`):
 *   for 100 MB binary responses this would make the client, not the server,
 *   the bottleneck and take gigabytes, so the body is not kept (no
 *   verifyBody/expectBody is used here);
 * - autocannon counts bytes only for completed responses; with a fixed
 *   duration a 100 MB response cut at the end would be lost, so every byte
 *   received is counted here instead.
 */
export async function load(target: Target, connections: number, seconds: number, timeoutSeconds = 10, warmup = false): Promise<LoadResult> {
  assertAlive(target.child);
  const pid = target.child.proc.pid!;
  const observe = warmup ? undefined : target.observe;
  let bytes = 0;
  const cpuBefore = cpuSeconds(pid);
  const ownBefore = ownCpuSeconds();
  const machineBefore = machineBusySeconds();
  // Without a callback autocannon 9 returns its tracker (an EventEmitter) made thenable (lib/init.js).
  const instance = autocannon({
    url: target.url,
    connections,
    duration: seconds,
    pipelining: 1,
    timeout: timeoutSeconds,
    ...(target.requests ? { requests: target.requests } : {}),
    setupClient: (client) => {
      const queue = (client as unknown as ClientInternals).pipelinedRequests;
      if (typeof queue?.addBody !== 'function' || typeof queue.addByteCount !== 'function') {
        throw new Error('autocannon internals changed: pipelinedRequests.addBody/addByteCount not found');
      }
      const addByteCount = queue.addByteCount.bind(queue);
      queue.addBody = () => {};
      queue.addByteCount = (count: number) => {
        bytes += count;
        addByteCount(count);
      };
    },
  }) as Promise<autocannon.Result> & Pick<autocannon.Instance, 'on'>;
  const onResponse = observe?.response;
  if (onResponse) instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => onResponse(statusCode, responseTime));
  const result = await instance;
  observe?.result?.(result);
  assertAlive(target.child);
  const machine = machineBusySeconds() - machineBefore;
  const own = ownCpuSeconds() - ownBefore;
  const server = cpuSeconds(pid) - cpuBefore;
  const r = {
    seconds: result.duration,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    bytes,
    serverCpuSeconds: server,
    otherCpuSeconds: Math.max(0, machine - own - server),
    reqPerSec: 0,
    mbPerSec: 0,
  };
  // Requests not answered 2xx make a figure meaningless: stop the bench.
  // (A short run may complete no 100 MB download at all: then bytes tell.
  // Error answers are short, so they would be complete and counted.)
  if ((r.ok2xx === 0 && r.bytes === 0) || r.non2xx > 0 || r.errors > 0) {
    throw new Error(`${target.child.name} ${target.url}: ${r.ok2xx} 2xx, ${r.non2xx} non-2xx, ${r.errors} errors (${r.timeouts} timeouts)`);
  }
  return withRates(r);
}

export function withRates(r: LoadResult): LoadResult {
  return { ...r, reqPerSec: r.ok2xx / r.seconds, mbPerSec: r.bytes / MB / r.seconds };
}

/** Sum of several runs against one target. */
export function combine(runs: LoadResult[]): LoadResult {
  const sum = (k: keyof LoadResult) => runs.reduce((acc, r) => acc + r[k], 0);
  return withRates({
    seconds: sum('seconds'),
    ok2xx: sum('ok2xx'),
    non2xx: sum('non2xx'),
    errors: sum('errors'),
    timeouts: sum('timeouts'),
    bytes: sum('bytes'),
    serverCpuSeconds: sum('serverCpuSeconds'),
    otherCpuSeconds: sum('otherCpuSeconds'),
    reqPerSec: 0,
    mbPerSec: 0,
  });
}

export interface CompareOptions {
  connections: number;
  /** Measured seconds per target, split in two halves. */
  seconds: number;
  warmupSeconds: number;
  timeoutSeconds: number;
}

/**
 * Measure a reference server and the app in the order reference, app, app,
 * reference (half the time each): on a machine whose load drifts during the
 * bench, both get the same share of good and bad moments.
 */
export async function compare(reference: Target, app: Target, o: CompareOptions): Promise<{ reference: LoadResult; app: LoadResult }> {
  if (o.warmupSeconds > 0) {
    await load(reference, o.connections, o.warmupSeconds, o.timeoutSeconds, true);
    await load(app, o.connections, o.warmupSeconds, o.timeoutSeconds, true);
  }
  const half = o.seconds / 2;
  const r1 = await load(reference, o.connections, half, o.timeoutSeconds);
  const a1 = await load(app, o.connections, half, o.timeoutSeconds);
  const a2 = await load(app, o.connections, half, o.timeoutSeconds);
  const r2 = await load(reference, o.connections, half, o.timeoutSeconds);
  return { reference: combine([r1, r2]), app: combine([a1, a2]) };
}

/** Start a helper server from test/bench/, run `fn` against it, stop it. */
export async function withHelper<T>(name: string, script: string, env: Record<string, string>, fn: (child: Child, base: string) => Promise<T>): Promise<T> {
  const port = await freePort();
  const child = startNode(name, path.join(BENCH_DIR, script), { ...env, PORT: String(port) });
  try {
    const base = `http://${HOST}:${port}`;
    await waitReady(child, `${base}/`);
    return await fn(child, base);
  } finally {
    await stop(child);
  }
}

// ---------------------------------------------------------------- report

export interface Row {
  measure: string;
  value: string;
  goal: string;
  verdict: string;
  cpu: string;
}

export function printTable(rows: Row[]): void {
  const headers: Row = { measure: 'Measure', value: 'Value', goal: 'Goal', verdict: 'Result', cpu: 'Server CPU' };
  const keys = ['measure', 'value', 'goal', 'verdict', 'cpu'] as const;
  const width = Object.fromEntries(keys.map((k) => [k, Math.max(...[headers, ...rows].map((r) => r[k].length))])) as Record<(typeof keys)[number], number>;
  const line = (r: Row) => `| ${keys.map((k) => (k === 'value' || k === 'cpu' ? r[k].padStart(width[k]) : r[k].padEnd(width[k]))).join(' | ')} |`;
  const rule = `|${keys.map((k) => '-'.repeat(width[k] + 2)).join('|')}|`;
  console.log([line(headers), rule, ...rows.map(line)].join('\n'));
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
export const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

/**
 * Print how much CPU other processes used during `runs` (machine-wide busy
 * time minus the bench and the server), flagging the figures as noisy beyond
 * 10% of one CPU in any run; returns the average and worst, in cores.
 */
export function reportOtherCpu(runs: LoadResult[], what: string): { averageCores: number; worstCores: number } {
  const averageCores = runs.reduce((acc, r) => acc + r.otherCpuSeconds, 0) / runs.reduce((acc, r) => acc + r.seconds, 0);
  const worstCores = Math.max(...runs.map((r) => r.otherCpuSeconds / r.seconds));
  console.log(
    `\nOther processes used ${fmt(averageCores * 100)}% of one CPU on average during the measurements ` +
      `(${fmt(worstCores * 100)}% at worst, in one measurement).` +
      (worstCores > 0.1 ? ` Something else was competing for the CPU: ${what} are noisy; run again on a quiet machine.` : ''),
  );
  return { averageCores, worstCores };
}

/**
 * Run a bench's `main`: on Ctrl-C or SIGTERM, or when `main` throws, kill
 * every child process and remove the directory `scratch()` names (if any),
 * then exit (130 on a signal, 1 on an error: whatever an aborted measurement
 * left open, sockets or timers, must not keep the bench alive).
 */
export async function runBench(label: string, main: () => Promise<void>, scratch: () => string | null | undefined): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      killAllNow();
      const dir = scratch();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
      process.exit(130);
    });
  }
  try {
    await main();
  } catch (err) {
    console.error(`${label} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    killAllNow();
    process.exit(1);
  }
}
