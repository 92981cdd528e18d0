/**
 * The shop's catalogue: the only writer of `product_listings` and
 * `product_offers` (admin pages), and what the public pages and
 * `GET /api/products` read: published products with their active offers and
 * current release. A change clears the page cache (the anonymous catalogue is
 * cached). Prices are integer minor units HT of the offer's currency.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Actor, AuditService } from '../audit/index.js';
import { isCurrency } from '../billing/index.js';
import { NotFoundError, ValidationError } from '../errors/index.js';
import { PAID_LICENSE_TYPES, type PaidLicenseType, type ProductsService } from '../licenses/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import { sniffFileType } from '../platform/file-type.js';
import { CatalogueRepository, type CurrentRelease, type Listing, type ListingFields, type Offer, type OfferFields } from './catalogue.repository.js';

/** Where the license API sends an expired client of a product sold in the shop (made absolute on BASE_URL). */
export const RENEWAL_PATH = '/licenses';

/** A listing with its offers and current release, as the pages and the API show it. */
export interface CatalogueEntry extends Listing {
  offers: Offer[];
  release: CurrentRelease | null;
}

export class CatalogueService {
  readonly repo: CatalogueRepository;

  constructor(private readonly deps: { db: Db; clock: Clock; audit: AuditService; changed?: () => void;
    /** The license server's products: a published listing points its product's renewal_url at the customer's licenses page. */
    products?: Pick<ProductsService, 'pointRenewalAt'>;
    /** Where thumbnails live (files/shop/thumbnails): outside public/, served by GET /products/:sku/thumbnail. */
    thumbnailsDir?: string }) {
    this.repo = new CatalogueRepository(deps.db);
  }

  /** Published products (all of them for staff with `all`), each with its active offers (all with `all`). */
  async list(all = false): Promise<CatalogueEntry[]> {
    const listings = await this.repo.list(all);
    const [offers, releases] = await Promise.all([this.repo.offers(listings.map((l) => l.productId), all),
      this.repo.currentReleases(listings.flatMap((l) => (l.releaseProduct ? [l.releaseProduct] : [])))]);
    return listings.map((l) => ({ ...l, offers: offers.filter((o) => o.productId === l.productId),
      release: (l.releaseProduct ? releases.get(l.releaseProduct) : undefined) ?? null }));
  }

  /** A published product by SKU (any with `all`), or null. */
  async entry(sku: string, all = false): Promise<CatalogueEntry | null> {
    const l = /^[a-z0-9_-]{1,32}$/i.test(sku) ? await this.repo.bySku(sku) : null;
    if (!l || (!l.published && !all)) return null;
    return { ...l, offers: await this.repo.offers([l.productId], all), release: l.releaseProduct ? await this.repo.currentRelease(l.releaseProduct) : null };
  }

  /** The listing of product `productId` (published or not), or null. */
  listing(productId: number): Promise<Listing | null> {
    return this.repo.byProduct(productId);
  }

  /** Offer `id` (active or not), or null. */
  offer(id: number): Promise<Offer | null> {
    return this.repo.offer(id);
  }

  /** The current release of a listing's `releaseProduct`, or null. */
  currentRelease(releaseProduct: string): Promise<CurrentRelease | null> {
    return this.repo.currentRelease(releaseProduct);
  }

  /**
   * Replace the thumbnail of listed product `productId` with the uploaded file at `upload` (a temporary file the caller
   * discards): PNG, JPEG or WebP by content, at most THUMBNAIL_MAX_BYTES; moved under thumbnailsDir with a random name,
   * the listing updated and audited (`product_listing.thumbnail`), the old file removed after commit.
   * @throws ValidationError {thumbnail: shop:admin.errors.thumbnail_*}; NotFoundError when the product is not listed.
   */
  async setThumbnail(productId: number, upload: string | null, actor: Actor): Promise<void> {
    const dir = this.deps.thumbnailsDir;
    if (!dir) throw new Error('no thumbnails directory configured');
    const listing = await this.repo.byProduct(productId);
    if (!listing) throw new NotFoundError('not listed');
    const stat = upload ? await fs.promises.stat(upload).catch(() => null) : null;
    if (!upload || !stat) throw new ValidationError({ thumbnail: 'shop:admin.errors.thumbnail_required' });
    if (stat.size === 0 || stat.size > THUMBNAIL_MAX_BYTES) throw new ValidationError({ thumbnail: 'shop:admin.errors.thumbnail_size' });
    const head = Buffer.alloc(12);
    const fh = await fs.promises.open(upload, 'r');
    try { await fh.read(head, 0, 12, 0); } finally { await fh.close(); }
    const ext = imageType(head);
    if (!ext) throw new ValidationError({ thumbnail: 'shop:admin.errors.thumbnail_type' });
    await fs.promises.mkdir(dir, { recursive: true });
    const name = `${productId}-${randomBytes(8).toString('hex')}.${ext}`;
    await fs.promises.copyFile(upload, path.join(dir, name));
    await this.deps.db.transaction(async (trx) => {
      await this.repo.with(trx).setThumbnail(productId, name, this.deps.clock.now());
      await this.deps.audit.record(trx, actor, 'product_listing.thumbnail', { type: 'product', id: productId }, { file: name });
    });
    if (listing.thumbnail) await fs.promises.rm(path.join(dir, listing.thumbnail), { force: true });
    this.deps.changed?.();
  }

  /** The thumbnail file of a published product `sku` and its content type, or null. */
  async thumbnail(sku: string): Promise<{ file: string; type: string } | null> {
    const l = /^[a-z0-9_-]{1,32}$/i.test(sku) ? await this.repo.bySku(sku) : null;
    if (!l?.published || !l.thumbnail || !this.deps.thumbnailsDir || !/^\d+-[0-9a-f]{16}\.(png|jpg|webp)$/.test(l.thumbnail)) return null;
    const ext = l.thumbnail.split('.').pop()!;
    return { file: path.join(this.deps.thumbnailsDir, l.thumbnail), type: ext === 'jpg' ? 'image/jpeg' : `image/${ext}` };
  }

  /** Whether the releases of `releaseProduct` are for license holders only (a listing says so): then only signed links serve them. */
  async restricted(releaseProduct: string): Promise<boolean> {
    return this.repo.restricted(releaseProduct);
  }

  /** Products with no listing yet (the admin's "list a product" choice). */
  unlisted(): Promise<{ id: number; code: string; name: string }[]> {
    return this.repo.unlisted();
  }

  /** Create or change the listing of `productId` (audit `product_listing.saved`). @throws ValidationError per field. */
  async saveListing(productId: number, f: ListingFields, actor: Actor): Promise<void> {
    const errors: Record<string, string> = {};
    if (!f.titleFr.trim() || f.titleFr.length > 120) errors.title_fr = 'shop:admin.errors.title';
    if (!f.titleEn.trim() || f.titleEn.length > 120) errors.title_en = 'shop:admin.errors.title';
    if (f.descriptionFr.length > 5000) errors.description_fr = 'shop:admin.errors.description';
    if (f.descriptionEn.length > 5000) errors.description_en = 'shop:admin.errors.description';
    if (f.category.length > 60) errors.category = 'shop:admin.errors.category';
    if (f.releaseProduct !== null && !/^[a-z0-9_.-]{1,64}$/i.test(f.releaseProduct)) errors.release_product = 'shop:admin.errors.release_product';
    if (!Number.isSafeInteger(f.displayOrder) || f.displayOrder < 0 || f.displayOrder > 9999) errors.display_order = 'shop:admin.errors.order';
    if (Object.keys(errors).length) throw new ValidationError(errors);
    await this.deps.db.transaction(async (trx) => {
      await this.repo.with(trx).upsertListing(productId, f, this.deps.clock.now());
      await this.deps.audit.record(trx, actor, 'product_listing.saved', { type: 'product', id: productId }, { published: f.published ? 'yes' : 'no' });
    });
    // Expired clients are sent to renew in the shop (/licenses, then the order's renewal); the validate path reads
    // products from memory, so this costs it nothing (a per-license order lookup would be a query per answer).
    if (f.published) await this.deps.products?.pointRenewalAt(productId, RENEWAL_PATH, actor);
    this.deps.changed?.();
  }

  /** Add (no `id`) or change offer `id` of `productId` (audit `product_offer.saved`). @throws ValidationError per field. */
  async saveOffer(productId: number, id: number | null, f: OfferFields, actor: Actor): Promise<number> {
    checkOffer(f);
    const offerId = await this.deps.db.transaction(async (trx) => {
      const repo = this.repo.with(trx);
      const now = this.deps.clock.now();
      let saved = id;
      if (saved === null) saved = await repo.insertOffer(productId, f, now);
      else await repo.updateOffer(saved, f, now);
      await this.deps.audit.record(trx, actor, 'product_offer.saved', { type: 'product', id: productId }, { offer: f.code, price: f.price });
      return saved;
    });
    this.deps.changed?.();
    return offerId;
  }
}

/** Largest thumbnail accepted (bytes). */
export const THUMBNAIL_MAX_BYTES = 2 * 1024 * 1024;

/** The extension of a PNG, JPEG or WebP image by its first bytes (src/platform/file-type.ts), or null. */
function imageType(head: Buffer): 'png' | 'jpg' | 'webp' | null {
  const ext = sniffFileType(head)?.ext;
  return ext === 'png' || ext === 'jpg' || ext === 'webp' ? ext : null;
}

function checkOffer(f: OfferFields): void {
  const errors: Record<string, string> = {};
  if (!/^[a-z0-9-]{1,32}$/.test(f.code)) errors.code = 'shop:admin.errors.code';
  if (!f.nameFr.trim() || f.nameFr.length > 120) errors.name_fr = 'shop:admin.errors.title';
  if (!f.nameEn.trim() || f.nameEn.length > 120) errors.name_en = 'shop:admin.errors.title';
  if (!(PAID_LICENSE_TYPES as readonly string[]).includes(f.licenseType)) errors.license_type = 'shop:admin.errors.license_type';
  const lifetime = (f.licenseType as PaidLicenseType) === 'lifetime';
  if (!lifetime && (!Number.isSafeInteger(f.durationDays) || f.durationDays! < 1 || f.durationDays! > 3660)) {
    errors.duration_days = 'shop:admin.errors.duration';
  }
  if (!Number.isSafeInteger(f.price) || f.price < 1 || f.price > 1e11) errors.price = 'shop:admin.errors.price';
  if (f.renewalPrice !== null && (!Number.isSafeInteger(f.renewalPrice) || f.renewalPrice < 1 || f.renewalPrice > 1e11)) {
    errors.renewal_price = 'shop:admin.errors.price';
  }
  if (!isCurrency(f.currency)) errors.currency = 'shop:admin.errors.currency';
  if (!Number.isSafeInteger(f.maxSeats) || f.maxSeats < 1 || f.maxSeats > 1000) errors.max_seats = 'shop:admin.errors.seats';
  if (Object.keys(errors).length) throw new ValidationError(errors);
}
