/**
 * Cache of rendered public pages for anonymous visitors, one entry per
 * (language, route), with a strong ETag so revisits get a 304.
 *
 * A request is served from the cache only when it is a GET/HEAD without a
 * query string and without a session cookie (an anonymous visitor sees the
 * same bytes as any other). Entries are keyed by the path as Express routes
 * it (case and one trailing slash ignored: `/FEATURES/` is `/features`), and
 * a page is stored only when the request's path is exactly its route's (so
 * its links name the canonical path): the number of entries is bounded by
 * the routes that render through the cache, whatever paths visitors send,
 * and variants are cache hits. On top of that the cache is an LRU bounded in entries
 * and bytes (lru-cache). Entries live `ttlSeconds` at most and are dropped
 * when they expire (so several instances behind nginx converge after a
 * change made on another one, and memory returns); `clear()` drops them all
 * at once when content changes here (a release published, edited or
 * removed), and, with REDIS_URL, on every instance (a Redis pub/sub message). Rendering an EJS page walks its template and partials on every
 * request; serving it from here costs a Map lookup.
 *
 * A render races with a change: its handler reads the data, awaits more
 * (plans, a listing), renders, then stores; a change and its clear() in
 * between would put the old page back for up to `ttlSeconds`. So every clear
 * (local or heard from another instance) bumps a generation counter; a miss
 * records the generation when it passes the request on (before any handler
 * reads anything), and a page whose generation changed meanwhile is answered
 * but not stored: the next request renders it afresh.
 */
import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { logRequest } from './request-id.js';

interface Entry {
  body: string;
  etag: string;
}

/** Most entries kept (a few public pages × two languages fit many times over). */
export const PAGE_CACHE_MAX_ENTRIES = 200;
/** Most bytes of page bodies kept (UTF-16 length × 2, as V8 may store them). */
export const PAGE_CACHE_MAX_BYTES = 16 * 1024 * 1024;

export class PageCache {
  private readonly entries: LRUCache<string, Entry> | null;
  /** Bumped by every clear; a render stores its page only if it is unchanged since the request's miss. */
  private generation = 0;
  /** The generation each request missed at (set by serve, read by render). */
  private readonly missedAt = new WeakMap<Request, number>();

  constructor(
    private readonly ttlSeconds: number,
    private readonly sessionCookie: string,
    private readonly logger: Logger,
  ) {
    this.entries = ttlSeconds === 0 ? null : new LRUCache<string, Entry>({
      max: PAGE_CACHE_MAX_ENTRIES,
      maxSize: PAGE_CACHE_MAX_BYTES,
      sizeCalculation: (e) => e.body.length * 2 + e.etag.length * 2,
      ttl: ttlSeconds * 1000,
      ttlAutopurge: true,
    });
  }

  /** Number of pages held now (tests; expired ones are already gone). */
  get size(): number {
    return this.entries?.size ?? 0;
  }

  /** True when this request may be answered from (and stored into) the cache. */
  cacheable(req: Request): boolean {
    if (!this.entries) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (req.url.includes('?')) return false;
    const cookie = req.headers.cookie;
    return !cookie || !cookie.includes(`${this.sessionCookie}=`);
  }

  /**
   * The entry of a request: its language and its path as Express routes it
   * (case ignored, one trailing slash ignored), so `/FEATURES/` is answered
   * from the entry of `/features`, the page Express would render for it.
   */
  private key(req: Request): string {
    const p = req.path.toLowerCase();
    return `${req.locale}:${p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p}`;
  }

  /** Middleware: answer a hit (200 or 304), pass a miss on. */
  serve = (req: Request, res: Response, next: NextFunction): void => {
    if (!this.cacheable(req)) return next();
    const entry = this.entries!.get(this.key(req));
    if (!entry) {
      this.missedAt.set(req, this.generation);
      return next();
    }
    this.logHit(req, res);
    this.send(req, res, entry);
  };

  /** A hit ends before pino-http, so the cache writes the same request line itself (logRequest). */
  private logHit(req: Request, res: Response): void {
    logRequest(this.logger, req, res, { cache: 'hit' });
  }

  /**
   * Render `view` and answer it, storing it first when the request is
   * cacheable, its path is exactly its route's, and no clear happened since
   * {@link serve} passed it on (see the module comment).
   */
  render(req: Request, res: Response, view: string, locals: Record<string, unknown> = {}): void {
    const store = this.cacheable(req) && req.route?.path === req.path;
    res.render(view, locals, (err: Error | null, html: string) => {
      if (err) return req.next?.(err);
      if (!store || this.missedAt.get(req) !== this.generation) {
        res.send(html);
        return;
      }
      const entry: Entry = { body: html, etag: `"${crypto.createHash('sha1').update(html).digest('base64url')}"` };
      this.entries!.set(this.key(req), entry);
      this.send(req, res, entry);
    });
  }

  private send(req: Request, res: Response, entry: Entry): void {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Content-Language', req.locale);
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Vary', 'Accept-Language, Cookie');
    res.setHeader('ETag', entry.etag);
    res.statusCode = 200;
    // Express's conditional GET (the `fresh` package: If-None-Match against the ETag, weak or strong).
    if (req.fresh) {
      res.statusCode = 304;
      res.end();
      return;
    }
    res.setHeader('Content-Length', Buffer.byteLength(entry.body));
    res.end(req.method === 'HEAD' ? undefined : entry.body);
  }

  private broadcast: (() => void) | null = null;

  /**
   * Drop every entry (call after any change to what public pages show); with {@link shareClears}, the other instances
   * drop theirs too.
   */
  clear(): void {
    this.clearLocal();
    this.broadcast?.();
  }

  /** Drop this instance's entries only (another instance's change, heard through Redis); renders under way are not stored. */
  clearLocal(): void {
    this.generation += 1;
    this.entries?.clear();
  }

  /** Tell the other instances of each clear() through `publish` (a Redis channel: src/app.ts). */
  shareClears(publish: () => void): void {
    this.broadcast = publish;
  }
}
