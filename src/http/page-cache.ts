/**
 * Cache of rendered public pages for anonymous visitors, one entry per
 * (language, path), with a strong ETag so revisits get a 304.
 *
 * A request is served from the cache only when it is a GET/HEAD without a
 * query string and without a session cookie (an anonymous visitor sees the
 * same bytes as any other). Entries live `ttlSeconds` at most (so several
 * instances behind nginx converge after a change made on another one) and
 * `clear()` drops them all at once when content changes here (a release
 * published, edited or removed). Rendering a 28 KB EJS page costs ~1 ms;
 * serving it from here costs a Map lookup.
 */
import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { logRequest } from './request-id.js';

interface Entry {
  body: string;
  etag: string;
  expires: number;
}

export class PageCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlSeconds: number,
    private readonly sessionCookie: string,
    private readonly logger: Logger,
  ) {}

  /** True when this request may be answered from (and stored into) the cache. */
  cacheable(req: Request): boolean {
    if (this.ttlSeconds === 0) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (req.url.includes('?')) return false;
    const cookie = req.headers.cookie;
    return !cookie || !cookie.includes(`${this.sessionCookie}=`);
  }

  private key(req: Request): string {
    return `${req.locale}:${req.path}`;
  }

  /** Middleware: answer a hit (200 or 304), pass a miss on. */
  serve = (req: Request, res: Response, next: NextFunction): void => {
    if (!this.cacheable(req)) return next();
    const entry = this.entries.get(this.key(req));
    if (!entry || entry.expires < Date.now()) return next();
    this.logHit(req, res);
    this.send(req, res, entry);
  };

  /** A hit ends before pino-http, so the cache writes the same request line itself (logRequest). */
  private logHit(req: Request, res: Response): void {
    logRequest(this.logger, req, res, { cache: 'hit' });
  }

  /** Render `view` and answer it, storing it first when the request is cacheable. */
  render(req: Request, res: Response, view: string, locals: Record<string, unknown> = {}): void {
    const store = this.cacheable(req);
    res.render(view, locals, (err: Error | null, html: string) => {
      if (err) return req.next?.(err);
      if (!store) {
        res.send(html);
        return;
      }
      const entry: Entry = {
        body: html,
        etag: `"${crypto.createHash('sha1').update(html).digest('base64url')}"`,
        expires: Date.now() + this.ttlSeconds * 1000,
      };
      this.entries.set(this.key(req), entry);
      this.send(req, res, entry);
    });
  }

  private send(req: Request, res: Response, entry: Entry): void {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Content-Language', req.locale);
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Vary', 'Accept-Language, Cookie');
    res.setHeader('ETag', entry.etag);
    const inm = req.headers['if-none-match'];
    if (inm && inm.split(',').some((tag) => tag.trim().replace(/^W\//, '') === entry.etag)) {
      res.statusCode = 304;
      res.end();
      return;
    }
    res.setHeader('Content-Length', Buffer.byteLength(entry.body));
    res.end(req.method === 'HEAD' ? undefined : entry.body);
  }

  /** Drop every entry (call after any change to what public pages show). */
  clear(): void {
    this.entries.clear();
  }
}
