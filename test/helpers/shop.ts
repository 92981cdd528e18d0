/**
 * The shop's fixtures: EasyFacture listed and published with an annual offer
 * (29,00 € HT a seat, up to 5 seats) and a lifetime one, through the shop's
 * CatalogueService as an admin would.
 */
import { SYSTEM_ACTOR } from '../../src/audit/index.js';
import type { TestContext } from './context.js';
import { productId } from './licenses.js';

export interface ShopFixture {
  product: number;
  annual: number;
  lifetime: number;
}

/** List EasyFacture (published unless `published: false`) with its two offers. */
export async function listEasyFacture(ctx: TestContext, { published = true } = {}): Promise<ShopFixture> {
  const product = await productId(ctx, 'easyfacture');
  const { catalogue } = ctx.handle.shop;
  await catalogue.saveListing(product, { titleFr: 'EasyFacture', titleEn: 'EasyFacture', descriptionFr: 'La facturation simple pour les artisans.',
    descriptionEn: 'Simple invoicing for craftspeople.', category: 'Facturation', thumbnail: null, releaseProduct: 'easyfacture', downloadsPublic: false,
    published, displayOrder: 1 }, SYSTEM_ACTOR);
  const annual = await catalogue.saveOffer(product, null, { code: 'annual', nameFr: 'Licence annuelle', nameEn: 'Annual license', licenseType: 'annual',
    durationDays: 365, price: 2900, renewalPrice: 2500, currency: 'EUR', seatBased: true, maxSeats: 5, isActive: true, displayOrder: 1 }, SYSTEM_ACTOR);
  const lifetime = await catalogue.saveOffer(product, null, { code: 'lifetime', nameFr: 'Licence à vie', nameEn: 'Lifetime license',
    licenseType: 'lifetime', durationDays: null, price: 9900, renewalPrice: null, currency: 'EUR', seatBased: false, maxSeats: 1, isActive: true,
    displayOrder: 2 }, SYSTEM_ACTOR);
  return { product, annual, lifetime };
}
