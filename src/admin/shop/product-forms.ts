/**
 * The listing and offer forms of /admin/shop/products/:id, read into the
 * CatalogueService's shapes. Parsers never throw: typing errors (an amount,
 * a whole number) come back as field → i18n key; the service then checks
 * the rest (ValidationError per field). Prices are typed as decimal amounts
 * in the offer's currency ("29,00") and stored in minor units.
 */
import { CURRENCIES, isCurrency, toDecimalString, type Currency } from '../../billing/index.js';
import type { Listing, ListingFields, Offer, OfferFields } from '../../shop/index.js';
import { PAID_LICENSE_TYPES, type PaidLicenseType } from '../../licenses/index.js';
import { amountField, typed, type Parsed } from '../billing/forms.js';

const E = (k: string): string => `admin-shop:errors.${k}`;

export const LISTING_FIELDS = ['title_fr', 'title_en', 'description_fr', 'description_en', 'category', 'release_product', 'downloads_public', 'published',
  'display_order'] as const;
export const OFFER_FIELDS = ['offer', 'code', 'name_fr', 'name_en', 'license_type', 'duration_days', 'price', 'renewal_price', 'currency', 'seat_based',
  'max_seats', 'is_active', 'display_order'] as const;

export { CURRENCIES, PAID_LICENSE_TYPES };

/** A whole number typed in a form (at most 6 digits), or null. */
function whole(text: string): number | null {
  const t = text.trim();
  return /^\d{1,6}$/.test(t) ? Number(t) : null;
}

const decimal = (minor: number, currency: Currency, locale: string): string => {
  const text = toDecimalString(minor, currency);
  return locale === 'fr' ? text.replace('.', ',') : text;
};

/** The listing form's values of `l` (or of a product not listed yet). */
export function listingValues(l: Listing | null): Record<string, string> {
  if (!l) return { display_order: '10', release_product: '' };
  return {
    title_fr: l.titleFr, title_en: l.titleEn, description_fr: l.descriptionFr, description_en: l.descriptionEn, category: l.category,
    release_product: l.releaseProduct ?? '', downloads_public: l.downloadsPublic ? 'yes' : '', published: l.published ? 'yes' : '',
    display_order: String(l.displayOrder),
  };
}

/** The listing form into ListingFields; the thumbnail is kept as it is (`thumbnail`). */
export function parseListing(body: unknown, thumbnail: string | null): Parsed<ListingFields> {
  const v = typed(body, LISTING_FIELDS);
  const order = whole(v.display_order!);
  if (order === null) return { ok: false, errors: { display_order: E('order') } };
  return {
    ok: true,
    data: {
      titleFr: v.title_fr!.trim(), titleEn: v.title_en!.trim(), descriptionFr: v.description_fr!.trim(), descriptionEn: v.description_en!.trim(),
      category: v.category!.trim(), thumbnail, releaseProduct: v.release_product!.trim() || null, downloadsPublic: v.downloads_public === 'yes',
      published: v.published === 'yes', displayOrder: order,
    },
  };
}

/** The offer form's values of `o` (amounts as decimal text, a decimal comma in French), or of a new offer. */
export function offerValues(o: Offer | null, locale: string, currency: Currency): Record<string, string> {
  if (!o) return { offer: '', license_type: 'annual', duration_days: '365', currency, max_seats: '1', is_active: 'yes', display_order: '10' };
  return {
    offer: String(o.id), code: o.code, name_fr: o.nameFr, name_en: o.nameEn, license_type: o.licenseType,
    duration_days: o.durationDays === null ? '' : String(o.durationDays),
    price: decimal(o.price, o.currency, locale), renewal_price: o.renewalPrice === null ? '' : decimal(o.renewalPrice, o.currency, locale),
    currency: o.currency, seat_based: o.seatBased ? 'yes' : '', max_seats: String(o.maxSeats), is_active: o.isActive ? 'yes' : '',
    display_order: String(o.displayOrder),
  };
}

/** The offer form into OfferFields (the service checks codes, names, ranges); a renewal price left empty: not renewable. */
export function parseOffer(body: unknown): Parsed<OfferFields> {
  const v = typed(body, OFFER_FIELDS);
  const errors: Record<string, string> = {};
  const currency = v.currency!.trim();
  if (!isCurrency(currency)) errors.currency = E('currency');
  const money = (field: 'price' | 'renewal_price'): number | null => {
    if (field === 'renewal_price' && !v[field]!.trim()) return null;
    if (!isCurrency(currency)) return 0;
    const r = amountField(v[field]!, currency, false);
    if ('error' in r) errors[field] = r.error;
    return 'minor' in r ? r.minor : 0;
  };
  const num = (field: string, key: string): number => {
    const n = whole(v[field]!);
    if (n === null) errors[field] = E(key);
    return n ?? 0;
  };
  const type = v.license_type as PaidLicenseType;
  const data: OfferFields = {
    code: v.code!.trim(), nameFr: v.name_fr!.trim(), nameEn: v.name_en!.trim(), licenseType: type,
    durationDays: type === 'lifetime' ? null : num('duration_days', 'duration'), price: money('price') ?? 0, renewalPrice: money('renewal_price'),
    currency: isCurrency(currency) ? currency : 'EUR', seatBased: v.seat_based === 'yes', maxSeats: num('max_seats', 'seats'),
    isActive: v.is_active === 'yes', displayOrder: num('display_order', 'order'),
  };
  if (data.displayOrder > 9999) errors.display_order = E('order');
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, data };
}
