import type { Knex } from 'knex';

/**
 * Activation codes, sold in batches: each batch gives one product's paid
 * license type (`monthly` | `annual` | `lifetime`) for `duration_days`
 * (null for lifetime), optionally until `expires_at` (codes not used by then
 * are refused). A code (`XXXX-XXXX-XXXX-XXXX`, stored as typed with dashes,
 * upper case) is used once: `used_at`, by `license_id` on `machine_id`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('activation_batches', (t) => {
    t.increments('id').primary();
    t.integer('product_id').notNullable().references('id').inTable('products');
    t.string('license_type', 16).notNullable();
    t.integer('duration_days').nullable();
    t.integer('size').notNullable();
    t.timestamp('expires_at', { useTz: true }).nullable();
    t.string('note', 500).notNullable().defaultTo('');
    t.integer('created_by').nullable().references('id').inTable('accounts').onDelete('SET NULL');
    t.timestamp('created_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('activation_codes', (t) => {
    t.increments('id').primary();
    t.integer('batch_id').notNullable().references('id').inTable('activation_batches');
    t.string('code', 19).notNullable().unique();
    t.timestamp('used_at', { useTz: true }).nullable();
    t.integer('license_id').nullable();
    t.string('machine_id', 32).nullable();
    t.index(['batch_id', 'used_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('activation_codes');
  await knex.schema.dropTable('activation_batches');
}
