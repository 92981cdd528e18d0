/**
 * The shop's pages: the catalogue (`/products`, `/products/:sku`, anonymous),
 * its JSON (`GET /api/products`, `/api/products/:id`, public), and the checkout
 * of an offer (`/products/:sku/checkout`, customers): the summary HT / VAT /
 * TTC, then the order with its invoice (post/redirect/get to the order page,
 * where it is paid).
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { BILLING_VIEW_HELPERS } from '../billing/index.js';
import { NotFoundError, ValidationError } from '../errors/index.js';
import { actorOf } from '../http/actor.js';
import type { PageCache } from '../http/page-cache.js';
import { boundedInt, INT4_MAX } from '../http/query.js';
import type { CatalogueEntry, CatalogueService } from './catalogue.service.js';
import type { OrdersService } from './orders.service.js';

const localeOf = (req: Request): 'fr' | 'en' => (req.locale === 'en' ? 'en' : 'fr');

/** A catalogue entry as `GET /api/products` answers it (prices: minor units HT of `currency`). */
export function productJson(e: CatalogueEntry) {
  return {
    id: e.productId, sku: e.sku, title: { fr: e.titleFr, en: e.titleEn }, description: { fr: e.descriptionFr, en: e.descriptionEn },
    category: e.category, max_activations: e.maxActivations,
    offers: e.offers.map((o) => ({ id: o.id, code: o.code, name: { fr: o.nameFr, en: o.nameEn }, license_type: o.licenseType,
      duration_days: o.durationDays, price: o.price, renewal_price: o.renewalPrice, currency: o.currency, seat_based: o.seatBased, max_seats: o.maxSeats })),
    release: e.release ? { version: e.release.version, sha256: e.release.sha256, size_bytes: e.release.sizeBytes, changelog: e.release.changelog,
      published_at: e.release.publishedAt?.toISOString() ?? null } : null,
  };
}

/**
 * `pageCache`: the anonymous catalogue (`/products`) is rendered through it, as the site's pages are; a catalogue change
 * (CatalogueService's `changed`) or a release published, edited or removed clears it.
 */
export function createShopController(catalogue: CatalogueService, orders: OrdersService, pageCache: PageCache) {
  const entryOf = async (req: Request): Promise<CatalogueEntry> => {
    const e = await catalogue.entry(String(req.params.sku ?? ''));
    if (!e) throw new NotFoundError('no such product');
    return e;
  };
  const codeOf = (v: unknown): string => (typeof v === 'string' ? v.trim().slice(0, 64) : '');
  const renderCheckout = async (req: Request, res: Response, e: CatalogueEntry, offerId: number, quantity: number, status = 200,
    errors: Record<string, string> = {}, code = codeOf(req.query.code)): Promise<void> => {
    let preview = null;
    try {
      preview = await orders.preview(req.account!.id, offerId, quantity, localeOf(req), code);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      Object.assign(errors, err.fields);
      status = 422;
    }
    res.status(status).render('shop/checkout', { ...BILLING_VIEW_HELPERS, title: req.t('shop:checkout.title'), entry: e, preview, offerId, quantity,
      errors, key: randomUUID(), code });
  };

  return {
    /** GET /products (from the page cache for anonymous visitors) */
    list: async (req: Request, res: Response): Promise<void> => {
      pageCache.render(req, res, 'shop/products', { ...BILLING_VIEW_HELPERS, title: req.t('shop:catalogue.title'), entries: await catalogue.list() });
    },

    /** GET /products/:sku */
    show: async (req: Request, res: Response): Promise<void> => {
      const entry = await entryOf(req);
      res.render('shop/product', { ...BILLING_VIEW_HELPERS, title: localeOf(req) === 'en' ? entry.titleEn : entry.titleFr, entry });
    },

    /** GET /products/:sku/checkout?offer=&quantity= */
    checkout: async (req: Request, res: Response): Promise<void> => {
      const entry = await entryOf(req);
      const offerId = boundedInt(req.query.offer, 1, INT4_MAX) ?? entry.offers[0]?.id ?? 0;
      await renderCheckout(req, res, entry, offerId, boundedInt(req.query.quantity, 1, 1000) ?? 1);
    },

    /** POST /products/:sku/checkout: the order and its invoice, then 303 to the order page. */
    order: async (req: Request, res: Response): Promise<void> => {
      const entry = await entryOf(req);
      const body = req.body as Record<string, unknown>;
      const offerId = boundedInt(body.offer, 1, INT4_MAX) ?? 0;
      const quantity = boundedInt(body.quantity, 1, 1000) ?? 0;
      if (!entry.offers.some((o) => o.id === offerId)) return renderCheckout(req, res, entry, 0, 1, 422, { offer: 'shop:errors.offer_unavailable' });
      const code = codeOf(body.code);
      try {
        const { order } = await orders.place(req.account!.id, offerId, quantity, String(body.key ?? ''), localeOf(req), actorOf(req), code);
        res.redirect(303, `/orders/${order.id}`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        await renderCheckout(req, res, entry, offerId, Math.max(1, quantity), 422, { ...err.fields }, code);
      }
    },

    /** GET /products/:sku/thumbnail: a published product's image (public, cached a day; no other file reachable). */
    thumbnail: async (req: Request, res: Response): Promise<void> => {
      const t = await catalogue.thumbnail(String(req.params.sku ?? ''));
      if (!t) throw new NotFoundError('no thumbnail');
      res.setHeader('Cache-Control', 'public, max-age=86400');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.type(t.type).sendFile(t.file, (err) => { if (err && !res.headersSent) res.status(404).end(); });
    },

    /** GET /api/products */
    apiList: async (_req: Request, res: Response): Promise<void> => {
      res.json({ success: true, data: (await catalogue.list()).map(productJson) });
    },

    /** GET /api/products/:id (a product id or its SKU) */
    apiShow: async (req: Request, res: Response): Promise<void> => {
      const id = String(req.params.id ?? '');
      // A product id, else a SKU: only that product is read (not the whole catalogue).
      const byId = /^\d{1,9}$/.test(id) ? await catalogue.listing(Number(id)) : null;
      const e = (byId ? await catalogue.entry(byId.sku) : null) ?? await catalogue.entry(id);
      if (!e) throw new NotFoundError('no such product');
      res.json({ success: true, data: productJson(e) });
    },
  };
}
