import type { Knex } from 'knex';

/**
 * What the shop's catalogue shows of a product (`products` stays the license
 * server's row): descriptions in French and English, a category, the
 * thumbnail's file name under files/shop/thumbnails/, which releases belong
 * to it (`releases.product` = `release_product`), whether its downloads are
 * public or for license holders only, and whether it is published. One row
 * per product at most; written only by the shop's CatalogueService.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('product_listings', (t) => {
    t.integer('product_id').primary().references('id').inTable('products');
    t.string('title_fr', 120).notNullable();
    t.string('title_en', 120).notNullable();
    t.text('description_fr').notNullable().defaultTo('');
    t.text('description_en').notNullable().defaultTo('');
    t.string('category', 60).notNullable().defaultTo('');
    t.string('thumbnail', 100).nullable();
    t.string('release_product', 64).nullable();
    t.boolean('downloads_public').notNullable().defaultTo(false);
    t.boolean('published').notNullable().defaultTo(false);
    t.integer('display_order').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('product_listings');
}
