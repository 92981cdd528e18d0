/**
 * The HTTP server of the app (src/server.ts), with time limits suited to its
 * routes, so slow clients cannot hold sockets (node's defaults let a request
 * take 300 s to arrive):
 *
 * - headers: `headersTimeout` (20 s) to send the request line and headers;
 * - bodies: every request body but an upload's (forms of at most 200 KB,
 *   JSON of at most 16 KB) must have arrived whole within `bodyTimeoutMs`
 *   (30 s) of its headers, or the connection is cut (BodyDeadline);
 * - uploads (POST /admin/releases, POST /subscription/recharge, POST /admin/courses/:id/lessons, support
 *   tickets and their replies: isUploadPath)
 *   get node's `requestTimeout` (1 h: a 500 MB release over a slow line).
 *
 * node checks its two limits every `checkIntervalMs` (its
 * connectionsCheckingInterval), and BodyDeadline sweeps at the same pace;
 * a limit is therefore enforced within one interval of its expiry.
 */
import http, { type IncomingMessage, type RequestListener } from 'node:http';
import { isUploadPath } from './csrf.js';
import { pathOfTarget } from './error-handler.js';

export interface ServerLimits {
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  uploadTimeoutMs: number;
  checkIntervalMs: number;
}

export const SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze({
  headersTimeoutMs: 20_000,
  bodyTimeoutMs: 30_000,
  uploadTimeoutMs: 3_600_000,
  checkIntervalMs: 2_000,
});

/** Whether a request announces a body (RFC 9112 §6.3: a Content-Length above 0 or a Transfer-Encoding). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** A POST to an upload route (path compared as Express routes it: case and one trailing slash ignored). */
function isUpload(req: IncomingMessage): boolean {
  if (req.method !== 'POST') return false;
  const p = pathOfTarget(req.url ?? '').toLowerCase();
  return isUploadPath(p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p);
}

/**
 * Cuts the connection of a request whose body has not arrived whole
 * (`req.complete`, set by node's parser as the bytes come, read or not)
 * within `timeoutMs`. One map and one interval for all requests (running
 * only while some body is awaited): no timer or listener per request.
 */
export class BodyDeadline {
  private readonly pending = new Map<IncomingMessage, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly timeoutMs: number, private readonly intervalMs: number) {}

  /** Watch `req` if it announces a body and is not an upload. */
  watch(req: IncomingMessage): void {
    if (!hasBody(req) || isUpload(req)) return;
    this.pending.set(req, Date.now());
    if (!this.timer) {
      this.timer = setInterval(this.sweep, this.intervalMs);
      this.timer.unref();
    }
  }

  /** Number of bodies awaited (tests). */
  get size(): number {
    return this.pending.size;
  }

  private readonly sweep = (): void => {
    const late = Date.now() - this.timeoutMs;
    for (const [req, since] of this.pending) {
      if (req.complete || req.destroyed) this.pending.delete(req);
      else if (since <= late) {
        this.pending.delete(req);
        req.socket.destroy();
      }
    }
    if (this.pending.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  };

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.pending.clear();
  }
}

/** An http.Server for `listener` with the limits above (tests pass shorter ones). */
export function createHttpServer(listener: RequestListener, limits: ServerLimits = SERVER_LIMITS): http.Server {
  const deadline = new BodyDeadline(limits.bodyTimeoutMs, limits.checkIntervalMs);
  const server = http.createServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.uploadTimeoutMs,
    connectionsCheckingInterval: limits.checkIntervalMs,
  }, (req, res) => {
    deadline.watch(req);
    listener(req, res);
  });
  server.on('close', () => deadline.stop());
  return server;
}
