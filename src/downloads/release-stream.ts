/**
 * Sending a release file over HTTP: validators (strong ETag from the SHA-256,
 * Last-Modified), conditional GET (304), single byte ranges (206, 416,
 * If-Range) per RFC 9110 §13–14, HEAD, and the X-Accel-Redirect offload.
 * Several ranges in one request are answered with the whole file (allowed by
 * RFC 9110 §14.2), as is a malformed Range header.
 */
import fs from 'node:fs';
import type { Request, Response } from 'express';
import parseRange from 'range-parser';
import type { Release } from './releases.repository.js';

/** What to send: the whole file (200), one range (206), or an error status. */
export type Plan =
  | { kind: 'not-modified' }
  | { kind: 'unsatisfiable'; size: number }
  | { kind: 'full'; size: number }
  | { kind: 'partial'; start: number; end: number; size: number; rangeHeader: string };

export function etagOf(release: Release): string {
  return `"sha256-${release.sha256}"`;
}

/**
 * Decide what a GET/HEAD for `release` (of `size` bytes) gets. The
 * validators (setValidators) must be set first: the conditional GET is
 * Express's `req.fresh` (If-None-Match against the ETag, else
 * If-Modified-Since against Last-Modified; RFC 9110 §13.1). Ranges and
 * If-Range are decided here.
 */
export function planResponse(req: Request, release: Release, size: number): Plan {
  if (req.fresh) return { kind: 'not-modified' };
  return planRange(req, size, etagOf(release), release.updatedAt);
}

/**
 * The Range part of {@link planResponse}, for any file of `size` bytes: one
 * satisfiable range is a partial answer, an unsatisfiable one a 416, several
 * or a malformed header the whole file. If-Range is checked against `etag`
 * and `lastModified`; a file without validators (null) sends the whole file
 * whenever If-Range is present (RFC 9110 §13.1.5).
 */
export function planRange(req: Request, size: number, etag: string | null, lastModified: Date | null): Exclude<Plan, { kind: 'not-modified' }> {
  const range = req.get('range');
  if (!range || !rangeStillValid(req.get('if-range'), etag, lastModified)) return { kind: 'full', size };
  const parsed = parseRange(size, range, { combine: true });
  if (parsed === -1) return { kind: 'unsatisfiable', size };
  if (parsed === -2 || parsed.type !== 'bytes' || parsed.length !== 1) return { kind: 'full', size };
  const r = parsed[0]!;
  return { kind: 'partial', start: r.start, end: r.end, size, rangeHeader: range };
}

function rangeStillValid(ifRange: string | undefined, etag: string | null, lastModified: Date | null): boolean {
  if (!ifRange) return true;
  if (ifRange.startsWith('"') || ifRange.startsWith('W/')) return etag !== null && ifRange === etag;
  const date = Date.parse(ifRange);
  return lastModified !== null && !Number.isNaN(date) && Math.floor(lastModified.getTime() / 1000) === Math.floor(date / 1000);
}

/** Headers common to every answer about a release file. */
export function setValidators(res: Response, release: Release): void {
  res.setHeader('ETag', etagOf(release));
  res.setHeader('Last-Modified', release.updatedAt.toUTCString());
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Cache-Control', 'private, no-transform');
}

/** Headers of a 200/206 body answer. */
export function setBodyHeaders(res: Response, release: Release, plan: Extract<Plan, { kind: 'full' | 'partial' }>): number {
  res.attachment(release.filename); // also sets Content-Type: application/x-debian-package
  if (plan.kind === 'partial') {
    res.status(206);
    res.setHeader('Content-Range', `bytes ${plan.start}-${plan.end}/${plan.size}`);
    res.setHeader('Content-Length', String(plan.end - plan.start + 1));
    return plan.end - plan.start + 1;
  }
  res.status(200);
  res.setHeader('Content-Length', String(plan.size));
  return plan.size;
}

const CHUNK = 256 * 1024;

/**
 * `res.write` as a promise of whether the chunk was handed to the socket.
 * It never rejects: a rejection left unobserved while the next chunk is read
 * would end the process (unhandled rejection) when a client goes away. It
 * settles (false) when the response closes first: a write pending on a
 * destroyed socket may never call back, and the file would stay open.
 */
function write(res: Response, chunk: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const closed = (): void => resolve(false);
    res.once('close', closed);
    res.write(chunk, (err) => {
      res.off('close', closed);
      resolve(!err);
    });
  });
}

/**
 * Send bytes `start..end` of `file` through two reused 256 KB buffers: the
 * next chunk is read while the previous one is written, and no buffer is
 * allocated per chunk, so 20 parallel 100 MB downloads cost 10 MB of buffers
 * instead of a stream of short-lived ones. Counts in `progress.sent` the
 * bytes handed to the socket, and returns that count.
 */
async function pump(res: Response, file: string, start: number, end: number, progress: { sent: number }): Promise<number> {
  const fh = await fs.promises.open(file, 'r');
  const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
  try {
    let pos = start;
    let pending: Promise<boolean> = Promise.resolve(true);
    for (let i = 0; pos <= end && !res.destroyed; i ^= 1) {
      const { bytesRead } = await fh.read(buffers[i]!, 0, Math.min(CHUNK, end - pos + 1), pos);
      // the other buffer is free again once its write completed
      if (!(await pending) || bytesRead === 0 || res.destroyed) break;
      const n = bytesRead;
      pending = write(res, buffers[i]!.subarray(0, n)).then((ok) => { if (ok) progress.sent += n; return ok; });
      pos += n;
    }
    await pending;
  } finally {
    await fh.close();
  }
  return progress.sent;
}

/**
 * Stream the planned bytes; `onDone(bytesSent, complete)` is called once when
 * the response closes — also when the client went away early (bytes handed
 * to the socket so far, counted as each write completes).
 */
export function streamFile(
  res: Response, file: string, plan: Extract<Plan, { kind: 'full' | 'partial' }>,
  onDone: (bytes: number, complete: boolean) => void,
): void {
  const [start, end] = plan.kind === 'partial' ? [plan.start, plan.end] : [0, plan.size - 1];
  const expected = end - start + 1;
  const progress = { sent: 0 };
  if (res.destroyed || res.closed) {
    // The client left while the download was being admitted: 'close' was already emitted.
    onDone(0, false);
    return;
  }
  // A client that goes away mid-write makes the socket emit ECONNRESET/EPIPE:
  // without a listener that error would end the process.
  res.on('error', () => res.destroy());
  // 'close' (not 'finish') also fires for aborted transfers: those must be logged too.
  // Complete when every byte was handed to the socket (each write's callback succeeded): a client
  // that read the whole Content-Length may close the connection before res.end() runs, and
  // then 'close' comes with writableFinished still false although nothing is missing.
  res.once('close', () => {
    onDone(progress.sent, progress.sent === expected);
  });
  pump(res, file, start, end, progress).then(
    (n) => {
      if (n === expected) res.end();
      else res.destroy();
    },
    () => res.destroy(),
  );
}
