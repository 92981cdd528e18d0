/**
 * The page cache (src/http/page-cache.ts) cannot be grown by visitors: case
 * and trailing-slash variants of the public pages (which Express routes to
 * the same page) are answered but never stored, the cache holds one entry per
 * (language, page), and expired entries are dropped. The shop's catalogue
 * (/products) is cached too, until the catalogue changes. A page rendered
 * across a publication (read before, stored after its clear) is never stored.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import request from 'supertest';
import { SYSTEM_ACTOR } from '../../src/audit/index.js';
import { PagesService, type PageContent } from '../../src/cms/index.js';
import { createAccount, loginAgent } from '../helpers/accounts.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { listEasyFacture } from '../helpers/shop.js';
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

  it('serves the anonymous catalogue from the cache until an offer changes, and never to a logged-in visitor', async () => {
    const ctx = await createTestContext();
    try {
      const shop = await listEasyFacture(ctx);
      const first = await request(ctx.app).get('/products').expect(200);
      expect(first.text).to.match(/à partir de 29,00\s€ HT/);
      expect(ctx.handle.pageCache.size).to.equal(1);
      expect((await request(ctx.app).get('/products').expect(200)).headers.etag).to.equal(first.headers.etag);
      await request(ctx.app).get('/products').set('If-None-Match', first.headers.etag as string).expect(304);
      await ctx.handle.shop.catalogue.saveOffer(shop.product, shop.annual, { code: 'annual', nameFr: 'Licence annuelle', nameEn: 'Annual license',
        licenseType: 'annual', durationDays: 365, price: 1900, renewalPrice: 1500, currency: 'EUR', seatBased: true, maxSeats: 5, isActive: true,
        displayOrder: 1 }, SYSTEM_ACTOR);
      expect(ctx.handle.pageCache.size).to.equal(0);
      const changed = await request(ctx.app).get('/products').expect(200);
      expect(changed.text).to.match(/à partir de 19,00\s€ HT/);
      expect(changed.headers.etag).to.not.equal(first.headers.etag);
      expect(ctx.handle.pageCache.size).to.equal(1);
      // A logged-in customer gets the page with their own header, not the anonymous copy.
      await createAccount(ctx, 'jean@client.fr', 'customer');
      const mine = (await (await loginAgent(ctx, 'jean@client.fr')).get('/products').expect(200)).text;
      expect(mine).to.contain('href="/account"').and.match(/à partir de 19,00\s€ HT/);
      expect(changed.text).to.not.contain('href="/account"');
    } finally {
      await ctx.close();
    }
  });

  it('does not store a page whose render started before a publication cleared the cache: the next visitor sees the new content', async () => {
    const ctx = await createTestContext();
    try {
      const title = (fr: string) => (c: PageContent): PageContent => ({
        ...c, sections: c.sections.map((s, i) => (i === 0 && s.type === 'hero' ? { ...s, title: { fr, en: fr } } : s)),
      });
      const publicPlans = ctx.handle.subscriptions.publicPlans.bind(ctx.handle.subscriptions);
      // The /subscription page reads its published content, then awaits the plans: hold the plans until the publication is done.
      const raceOnce = async (clear: () => Promise<void>, before: string, after: string) => {
        let reached = false;
        let release!: () => void;
        const gate = new Promise<void>((r) => { release = r; });
        ctx.handle.subscriptions.publicPlans = async () => {
          reached = true;
          await gate;
          ctx.handle.subscriptions.publicPlans = publicPlans;
          return publicPlans();
        };
        ctx.handle.pageCache.clearLocal();
        const pending = request(ctx.app).get('/subscription').set('Accept-Language', 'fr').then((r) => r);
        await waitFor(() => reached, { what: 'the page to await its plans' });
        await clear();
        release();
        // The request under way answers what it read (the old page)...
        expect((await pending).text).to.include(before);
        // ...but did not store it: the next visitor gets the page as it is now, and that one is stored.
        expect((await request(ctx.app).get('/subscription').set('Accept-Language', 'fr').expect(200)).text).to.include(after).and.not.include(before);
        expect(ctx.handle.pageCache.size).to.equal(1);
      };
      await ctx.handle.pages.editDraft('subscription', title('Publié avant'), SYSTEM_ACTOR);
      await ctx.handle.pages.publish('subscription', SYSTEM_ACTOR);
      await ctx.handle.pages.editDraft('subscription', title('Publié pendant le rendu'), SYSTEM_ACTOR);
      await raceOnce(async () => { await ctx.handle.pages.publish('subscription', SYSTEM_ACTOR); }, 'Publié avant', 'Publié pendant le rendu');
      // The same when another instance publishes: its clear reaches this one through Redis (clearLocal) after its commit.
      const elsewhere = new PagesService({ db: ctx.db, clock: ctx.clock, audit: ctx.handle.audit, tr: () => '' });
      await elsewhere.editDraft('subscription', title('Publié ailleurs'), SYSTEM_ACTOR);
      await raceOnce(async () => {
        await elsewhere.publish('subscription', SYSTEM_ACTOR);
        ctx.handle.pageCache.clearLocal();
      }, 'Publié pendant le rendu', 'Publié ailleurs');
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
