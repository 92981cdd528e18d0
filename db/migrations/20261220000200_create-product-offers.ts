import type { Knex } from 'knex';

/**
 * The offers a product is sold under (monthly, annual, lifetime, per seat):
 * the price HT of one seat in minor units of `currency`, the license type
 * and duration it gives, the renewal price (null: not renewable), whether the
 * buyer picks a number of seats. Written only by the shop's CatalogueService.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('product_offers', (t) => {
    t.increments('id').primary();
    t.integer('product_id').notNullable().references('id').inTable('products');
    t.string('code', 32).notNullable();
    t.string('name_fr', 120).notNullable();
    t.string('name_en', 120).notNullable();
    t.string('license_type', 16).notNullable();
    t.integer('duration_days').nullable();
    t.bigInteger('price').notNullable();
    t.bigInteger('renewal_price').nullable();
    t.string('currency', 3).notNullable();
    t.boolean('seat_based').notNullable().defaultTo(false);
    t.integer('max_seats').notNullable().defaultTo(1);
    t.boolean('is_active').notNullable().defaultTo(true);
    t.integer('display_order').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.unique(['product_id', 'code']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('product_offers');
}
