/**
 * /admin/shop/products: every license-server product with its listing state
 * and offers; /admin/shop/products/:id: the listing form, the offers and the
 * add / edit offer form (`?offer=<id>` loads an offer into it). Support reads;
 * admin and superadmin save through CatalogueService (it validates per field,
 * audits and clears the page cache). The thumbnail is not edited here.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Config } from '../../config/index.js';
import { NotFoundError, ValidationError } from '../../errors/index.js';
import { actorOf } from '../../http/actor.js';
import { flash } from '../../http/flash.js';
import { discardUploads, singleFileUpload, uploadErrorOf } from '../../http/upload.js';
import type { Product } from '../../licenses/index.js';
import { THUMBNAIL_MAX_BYTES, type CatalogueEntry } from '../../shop/index.js';
import { isUniqueViolation } from '../../platform/db.js';
import type { AdminDeps } from '../context.js';
import { routeId } from '../shared.js';
import { typed } from '../billing/forms.js';
import { CURRENCIES, LISTING_FIELDS, listingValues, OFFER_FIELDS, offerValues, PAID_LICENSE_TYPES, parseListing, parseOffer } from './product-forms.js';
import { renderShop } from './render.js';
import type { ShopAdminRepository } from './shop.repository.js';

interface FormState {
  listing?: { values: Record<string, string>; errors: Record<string, string> };
  offer?: { values: Record<string, string>; errors: Record<string, string> };
}

/** multer for the thumbnail form: one image, at most THUMBNAIL_MAX_BYTES (the service checks its type by content). */
export function thumbnailUpload(config: Readonly<Config>): RequestHandler {
  return singleFileUpload(config, { field: 'thumbnail', maxBytes: THUMBNAIL_MAX_BYTES,
    errors: { tooBig: 'shop:admin.errors.thumbnail_size', oneFile: 'shop:admin.errors.thumbnail_single', failed: 'shop:admin.errors.thumbnail_failed' } });
}

export function createShopProductsController(deps: AdminDeps, reports: ShopAdminRepository) {
  const { catalogue } = deps.shop;
  const currency = deps.config.billing.currency;

  const load = async (req: Request): Promise<{ product: Product; entry: CatalogueEntry | null }> => {
    const id = routeId(req.params.id);
    const product = id === null ? null : await deps.products.byId(id);
    if (!product) throw new NotFoundError('no such product');
    return { product, entry: await catalogue.entry(product.code, true) };
  };

  const page = async (req: Request, res: Response, product: Product, entry: CatalogueEntry | null, state: FormState = {}, status = 200) => {
    const editing = routeId(req.query.offer);
    const offer = entry?.offers.find((o) => o.id === editing) ?? null;
    renderShop(req, res, 'product', {
      title: req.t('admin-shop:product.title', { code: product.code }), product, entry, releaseProducts: await reports.releaseProducts(),
      listing: state.listing ?? { values: listingValues(entry), errors: {} },
      offer: state.offer ?? { values: offerValues(offer, req.locale, currency), errors: {} },
      types: PAID_LICENSE_TYPES, currencies: CURRENCIES,
    }, status);
  };

  return {
    /** GET /admin/shop/products */
    list: async (req: Request, res: Response): Promise<void> => {
      const [products, entries] = await Promise.all([deps.products.list(), catalogue.list(true)]);
      const byProduct = new Map(entries.map((e) => [e.productId, e]));
      renderShop(req, res, 'products', {
        title: req.t('admin-shop:products.title'), rows: products.map((p) => ({ product: p, entry: byProduct.get(p.id) ?? null })),
      });
    },

    /** GET /admin/shop/products/:id */
    show: async (req: Request, res: Response): Promise<void> => {
      const { product, entry } = await load(req);
      await page(req, res, product, entry);
    },

    /** POST /admin/shop/products/:id: the listing (product_listing.saved). */
    saveListing: async (req: Request, res: Response): Promise<void> => {
      const { product, entry } = await load(req);
      const values = typed(req.body, LISTING_FIELDS);
      const parsed = parseListing(req.body, entry?.thumbnail ?? null);
      if (!parsed.ok) return page(req, res, product, entry, { listing: { values, errors: parsed.errors } }, 422);
      try {
        await catalogue.saveListing(product.id, parsed.data, actorOf(req));
      } catch (err) {
        if (err instanceof ValidationError) return page(req, res, product, entry, { listing: { values, errors: err.fields } }, 422);
        throw err;
      }
      flash(req, 'success', 'admin-shop:flash.listing_saved', { code: product.code });
      res.redirect(303, `/admin/shop/products/${product.id}`);
    },

    /** POST /admin/shop/products/:id/thumbnail (multipart, multer before CSRF): the listing's image (product_listing.thumbnail). */
    thumbnail: async (req: Request, res: Response): Promise<void> => {
      const { product, entry } = await load(req);
      const uploadError = uploadErrorOf(req);
      try {
        if (uploadError) throw new ValidationError({ thumbnail: uploadError });
        if (!entry) throw new ValidationError({ thumbnail: 'admin-shop:errors.list_first' });
        await catalogue.setThumbnail(product.id, req.file?.path ?? null, actorOf(req));
      } catch (err) {
        await discardUploads(req);
        if (err instanceof ValidationError) {
          return page(req, res, product, entry, { listing: { values: listingValues(entry), errors: err.fields } }, 422);
        }
        throw err;
      }
      await discardUploads(req);
      flash(req, 'success', 'admin-shop:flash.thumbnail_saved', { code: product.code });
      res.redirect(303, `/admin/shop/products/${product.id}`);
    },

    /** POST /admin/shop/products/:id/offers: add (`offer` empty) or change an offer of the product (product_offer.saved). */
    saveOffer: async (req: Request, res: Response): Promise<void> => {
      const { product, entry } = await load(req);
      const values = typed(req.body, OFFER_FIELDS);
      const offerId = values.offer ? routeId(values.offer) : null;
      if (values.offer && !entry?.offers.some((o) => o.id === offerId)) throw new NotFoundError('no such offer');
      if (!entry) return page(req, res, product, entry, { offer: { values, errors: { form: 'admin-shop:errors.list_first' } } }, 422);
      const parsed = parseOffer(req.body);
      if (!parsed.ok) return page(req, res, product, entry, { offer: { values, errors: parsed.errors } }, 422);
      const taken = { offer: { values, errors: { code: 'admin-shop:errors.code_taken' } } };
      if (entry.offers.some((o) => o.code === parsed.data.code && o.id !== offerId)) return page(req, res, product, entry, taken, 422);
      try {
        await catalogue.saveOffer(product.id, offerId, parsed.data, actorOf(req));
      } catch (err) {
        if (err instanceof ValidationError) return page(req, res, product, entry, { offer: { values, errors: err.fields } }, 422);
        if (isUniqueViolation(err)) return page(req, res, product, entry, taken, 422);
        throw err;
      }
      flash(req, 'success', 'admin-shop:flash.offer_saved', { code: parsed.data.code });
      res.redirect(303, `/admin/shop/products/${product.id}`);
    },
  };
}
