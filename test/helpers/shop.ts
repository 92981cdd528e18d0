/**
 * The shop's fixtures: EasyFacture listed and published with an annual offer
 * (29,00 € HT a seat, up to 5 seats) and a lifetime one, through the shop's
 * CatalogueService as an admin would.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SYSTEM_ACTOR } from '../../src/audit/index.js';
import { insertedId } from '../../src/platform/db.js';
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

/** Publish release `version` of `product` (the file written where downloads are served from, the row marked latest): its id and bytes. */
export async function publishRelease(ctx: TestContext, product: string, version: string): Promise<{ id: number; bytes: Buffer; filename: string }> {
  const bytes = Buffer.from(`!<arch>\n${product} ${version} `.padEnd(4096, '#'));
  const filename = `${product}_${version}_all.deb`;
  fs.writeFileSync(path.join(ctx.config.paths.downloads, filename), bytes);
  const at = ctx.clock.now().toISOString();
  const id = insertedId(await ctx.db('releases').insert({ product, version, channel: 'stable', filename, size_bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'), changelog: 'Première version', published_at: at, is_latest: true, created_at: at,
    updated_at: at }).returning('id'));
  return { id, bytes, filename };
}
