/**
 * The page cache (src/http/page-cache.ts) cannot be grown by visitors: case
 * and trailing-slash variants of the public pages (which Express routes to
 * the same page) are answered but never stored, the cache holds one entry per
 * (language, page), and expired entries are dropped.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import request from 'supertest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { waitFor } from '../helpers/wait.js';

const PAGES = ['/', '/features', '/subscription', '/download'];

/** `path` with its letters' case set by the bits of `n`, and a trailing slash when `n` is odd (Express routes them all to the page). */
function variant(path: string, n: number): string {
  let out = '';
  for (let i = 0; i < path.length; i++) out += (n >> (i % 12)) & 2 ? path[i]!.toUpperCase() : path[i]!;
  return path === '/' ? out : out + (n % 2 ? '/' : '');
}

async function listen(ctx: TestContext): Promise<{ server: Server; base: string }> {
  const server = createServer(ctx.app).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('page cache', function () {
  this.timeout(120000);

  it('keeps at most one entry per page and language after 5,000 case and slash variants', async () => {
    const ctx = await createTestContext();
    const { server, base } = await listen(ctx);
    try {
      for (const p of PAGES) for (const lang of ['fr', 'en']) await request(ctx.app).get(p).set('Accept-Language', lang).expect(200);
      const statuses = new Map<number, number>();
      for (let batch = 0; batch < 100; batch++) {
        await Promise.all(Array.from({ length: 50 }, async (_, i) => {
          const n = batch * 50 + i;
          const res = await fetch(
            base + variant(PAGES[n % PAGES.length]!, n),
            { headers: { 'Accept-Language': (n >> 2) % 2 ? 'en' : 'fr' }, redirect: 'manual' },
          );
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }));
      }
      expect(Object.fromEntries(statuses)).to.deep.equal({ 200: 5000 });
      expect(ctx.handle.pageCache.size).to.be.at.most(PAGES.length * 2);
    } finally {
      await new Promise((r) => server.close(r));
      await ctx.close();
    }
  });

  it('serves the canonical path from the cache, with its ETag and a 304 on revalidation', async () => {
    const ctx = await createTestContext();
    try {
      const first = await request(ctx.app).get('/features').expect(200);
      expect(ctx.handle.pageCache.size).to.equal(1);
      const again = await request(ctx.app).get('/features').expect(200);
      expect(again.headers.etag).to.equal(first.headers.etag);
      await request(ctx.app).get('/features').set('If-None-Match', `W/${first.headers.etag as string}`).expect(304);
      // A variant is answered from the page's entry (the page Express would render for it).
      const upper = await request(ctx.app).get('/FEATURES/').expect(200);
      expect(upper.headers.etag).to.equal(first.headers.etag);
      expect(ctx.handle.pageCache.size).to.equal(1);
      // Before the page is stored, a variant is rendered but not stored.
      ctx.handle.pageCache.clear();
      await request(ctx.app).get('/Features').expect(200);
      expect(ctx.handle.pageCache.size).to.equal(0);
    } finally {
      await ctx.close();
    }
  });

  it('drops entries once PAGE_CACHE_TTL has passed', async () => {
    const ctx = await createTestContext({ env: { PAGE_CACHE_TTL: '1' } });
    try {
      await request(ctx.app).get('/').expect(200);
      await request(ctx.app).get('/download').expect(200);
      expect(ctx.handle.pageCache.size).to.equal(2);
      await waitFor(() => ctx.handle.pageCache.size === 0, { what: 'the cache entries to expire' });
    } finally {
      await ctx.close();
    }
  });
});
