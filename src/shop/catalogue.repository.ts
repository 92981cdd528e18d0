/**
 * The `product_listings` and `product_offers` tables (written only through
 * CatalogueService), read with their product (`products`) and the product's
 * current release (`releases`, the listing's `release_product`).
 */
import { insertedId, type Db } from '../platform/db.js';
import { toDate, toDateOrNull } from '../platform/time.js';
import type { Currency } from '../billing/index.js';
import type { PaidLicenseType } from '../licenses/index.js';

/** A product as the shop shows it. */
export interface Listing {
  productId: number;
  /** The product's code: the catalogue's SKU (`/products/<sku>`). */
  sku: string;
  titleFr: string;
  titleEn: string;
  descriptionFr: string;
  descriptionEn: string;
  category: string;
  thumbnail: string | null;
  releaseProduct: string | null;
  downloadsPublic: boolean;
  published: boolean;
  displayOrder: number;
  /** The product's max activations per license key (the license server's policy). */
  maxActivations: number;
  graceDays: number;
}

/** One way a product is sold: price HT of one seat in minor units of `currency`, the license it gives. */
export interface Offer {
  id: number;
  productId: number;
  code: string;
  nameFr: string;
  nameEn: string;
  licenseType: PaidLicenseType;
  /** Days a license lasts from activation; null for lifetime. */
  durationDays: number | null;
  price: number;
  /** Price HT of renewing one seat; null: not renewable. */
  renewalPrice: number | null;
  currency: Currency;
  seatBased: boolean;
  maxSeats: number;
  isActive: boolean;
  displayOrder: number;
}

/** The product's current release (the newest published, latest first). */
export interface CurrentRelease {
  id: number;
  version: string;
  filename: string;
  sizeBytes: number;
  sha256: string;
  changelog: string;
  publishedAt: Date | null;
}

export type ListingFields = Omit<Listing, 'productId' | 'sku' | 'maxActivations' | 'graceDays'>;
export type OfferFields = Omit<Offer, 'id' | 'productId'>;

type Row = Record<string, unknown>;

const LISTING_COLUMNS = ['l.*', 'p.code as sku', 'p.max_activations', 'p.grace_days'];

function listing(r: Row): Listing {
  return {
    productId: Number(r.product_id), sku: String(r.sku), titleFr: String(r.title_fr), titleEn: String(r.title_en),
    descriptionFr: String(r.description_fr ?? ''), descriptionEn: String(r.description_en ?? ''), category: String(r.category ?? ''),
    thumbnail: (r.thumbnail as string | null) ?? null, releaseProduct: (r.release_product as string | null) ?? null,
    downloadsPublic: Boolean(r.downloads_public), published: Boolean(r.published), displayOrder: Number(r.display_order),
    maxActivations: Number(r.max_activations), graceDays: Number(r.grace_days),
  };
}

function offer(r: Row): Offer {
  return {
    id: Number(r.id), productId: Number(r.product_id), code: String(r.code), nameFr: String(r.name_fr), nameEn: String(r.name_en),
    licenseType: r.license_type as PaidLicenseType, durationDays: r.duration_days === null ? null : Number(r.duration_days), price: Number(r.price),
    renewalPrice: r.renewal_price === null || r.renewal_price === undefined ? null : Number(r.renewal_price), currency: r.currency as Currency,
    seatBased: Boolean(r.seat_based), maxSeats: Number(r.max_seats), isActive: Boolean(r.is_active), displayOrder: Number(r.display_order),
  };
}

export class CatalogueRepository {
  constructor(private readonly db: Db) {}

  with(trx: Db): CatalogueRepository {
    return new CatalogueRepository(trx);
  }

  private listings() {
    return this.db('product_listings as l').join('products as p', 'p.id', 'l.product_id');
  }

  /** Listings (published only unless `all`), in display order. */
  async list(all: boolean): Promise<Listing[]> {
    const q = this.listings().select(LISTING_COLUMNS).orderBy([{ column: 'l.display_order' }, { column: 'l.product_id' }]);
    if (!all) q.where('l.published', true);
    return ((await q) as Row[]).map(listing);
  }

  async bySku(sku: string): Promise<Listing | null> {
    const r = (await this.listings().where('p.code', sku).first(LISTING_COLUMNS)) as Row | undefined;
    return r ? listing(r) : null;
  }

  async byProduct(productId: number): Promise<Listing | null> {
    const r = (await this.listings().where('l.product_id', productId).first(LISTING_COLUMNS)) as Row | undefined;
    return r ? listing(r) : null;
  }

  /** Whether a listing restricts the releases of `releaseProduct` to license holders. */
  async restricted(releaseProduct: string): Promise<boolean> {
    return Boolean(await this.db('product_listings').where({ release_product: releaseProduct, downloads_public: false }).first('product_id'));
  }

  /** The products without a listing yet: id, code, name. */
  async unlisted(): Promise<{ id: number; code: string; name: string }[]> {
    const rows = (await this.db('products as p').leftJoin('product_listings as l', 'l.product_id', 'p.id').whereNull('l.product_id')
      .orderBy('p.id').select('p.id', 'p.code', 'p.name')) as Row[];
    return rows.map((r) => ({ id: Number(r.id), code: String(r.code), name: String(r.name) }));
  }

  /** The offers of products `productIds` (active only unless `all`), in display order. */
  async offers(productIds: readonly number[], all: boolean): Promise<Offer[]> {
    if (productIds.length === 0) return [];
    const q = this.db('product_offers').whereIn('product_id', productIds).orderBy([{ column: 'display_order' }, { column: 'id' }]);
    if (!all) q.where('is_active', true);
    return ((await q) as Row[]).map(offer);
  }

  async offer(id: number): Promise<Offer | null> {
    const r = (await this.db('product_offers').where({ id }).first()) as Row | undefined;
    return r ? offer(r) : null;
  }

  /** The current release of `releaseProduct`: the one marked latest, else the newest published. */
  async currentRelease(releaseProduct: string): Promise<CurrentRelease | null> {
    return (await this.currentReleases([releaseProduct])).get(releaseProduct) ?? null;
  }

  /**
   * The current release of each of `releaseProducts` (the latest flagged, else the last published), by product; one
   * query (a window function, SQLite ≥ 3.25 and PostgreSQL). A product without a published release is absent.
   */
  async currentReleases(releaseProducts: readonly string[]): Promise<Map<string, CurrentRelease>> {
    if (releaseProducts.length === 0) return new Map();
    const ranked = this.db('releases').whereNotNull('published_at').whereIn('product', [...new Set(releaseProducts)])
      .select('id', 'product', 'version', 'filename', 'size_bytes', 'sha256', 'changelog', 'published_at',
        this.db.raw('row_number() over (partition by product order by is_latest desc, published_at desc, id desc) as rn'));
    const rows = (await this.db.select('*').from(ranked.as('r')).where('rn', 1)) as Row[];
    return new Map(rows.map((r) => [String(r.product), {
      id: Number(r.id), version: String(r.version), filename: String(r.filename), sizeBytes: Number(r.size_bytes), sha256: String(r.sha256),
      changelog: String(r.changelog ?? ''), publishedAt: toDateOrNull(r.published_at),
    }]));
  }

  async upsertListing(productId: number, f: ListingFields, now: Date): Promise<void> {
    const row = {
      title_fr: f.titleFr, title_en: f.titleEn, description_fr: f.descriptionFr, description_en: f.descriptionEn, category: f.category,
      thumbnail: f.thumbnail, release_product: f.releaseProduct, downloads_public: f.downloadsPublic, published: f.published,
      display_order: f.displayOrder, updated_at: now.toISOString(),
    };
    await this.db('product_listings').insert({ product_id: productId, ...row, created_at: now.toISOString() }).onConflict('product_id').merge(row);
  }

  async setThumbnail(productId: number, name: string, now: Date): Promise<void> {
    await this.db('product_listings').where({ product_id: productId }).update({ thumbnail: name, updated_at: now.toISOString() });
  }

  async insertOffer(productId: number, f: OfferFields, now: Date): Promise<number> {
    return insertedId(await this.db('product_offers').insert({ product_id: productId, ...offerRow(f), created_at: now.toISOString(),
      updated_at: now.toISOString() }).returning('id'));
  }

  async updateOffer(id: number, f: OfferFields, now: Date): Promise<void> {
    await this.db('product_offers').where({ id }).update({ ...offerRow(f), updated_at: now.toISOString() });
  }

  /** When the listing was created (null: none). */
  async listedAt(productId: number): Promise<Date | null> {
    const r = (await this.db('product_listings').where({ product_id: productId }).first('created_at')) as Row | undefined;
    return r ? toDate(r.created_at) : null;
  }
}

function offerRow(f: OfferFields) {
  return {
    code: f.code, name_fr: f.nameFr, name_en: f.nameEn, license_type: f.licenseType, duration_days: f.durationDays, price: f.price,
    renewal_price: f.renewalPrice, currency: f.currency, seat_based: f.seatBased, max_seats: f.maxSeats, is_active: f.isActive,
    display_order: f.displayOrder,
  };
}
