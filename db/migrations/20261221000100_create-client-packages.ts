import type { Knex } from 'knex';

/**
 * `client_packages`: the ready packages sent to clients (src/packages), one
 * row per API key issued. The key itself is never stored: `key_hash` is the
 * SHA-256 (hex) of `sk_<plan>_<random>`, `key_hint` its last 4 characters for
 * staff to tell keys apart. A key is refused from `revoked_at` on (a future
 * instant: the grace period of a regeneration). The zip lives on disk
 * (files/packages/<id>/<zip_name>) until the daily cleanup removes it
 * (`zip_removed_at`); the row and the key stay. Written only by PackagesService.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('client_packages', (t) => {
    t.increments('id').primary();
    t.string('client_slug', 64).notNullable();
    t.string('plan', 32).notNullable();
    t.string('email', 254).notNullable();
    t.string('product_code', 32).notNullable();
    t.string('key_hash', 64).notNullable().unique();
    t.string('key_hint', 8).notNullable();
    t.string('release_version', 100).notNullable();
    t.string('release_filename', 255).notNullable();
    t.string('zip_name', 200).notNullable();
    t.bigInteger('zip_bytes').notNullable();
    t.string('zip_sha256', 64).notNullable();
    t.timestamp('download_until', { useTz: true }).notNullable();
    t.timestamp('zip_removed_at', { useTz: true }).nullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.integer('replaces_id').nullable().references('id').inTable('client_packages');
    t.integer('created_by_id').nullable().references('id').inTable('accounts');
    t.string('created_by_email', 254).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['client_slug', 'product_code']);
    t.index(['created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('client_packages');
}
