import type { Knex } from 'knex';

/**
 * Products the license server knows, with their policy: trial length (days),
 * grace after expiry for clients that cannot reach the server (days), how many
 * machines one license may be activated on, and the heartbeat interval
 * (seconds; one heartbeat per machine per interval). EasyFacture and
 * artisan_nd exist from the start; admins add others.
 */
/** The products every installation starts with (also put back by the tests after they empty the tables). */
export const DEFAULT_PRODUCTS = [
  { code: 'easyfacture', name: 'EasyFacture', renewal_url: '/subscription' },
  { code: 'artisan_nd', name: 'artisan_nd', renewal_url: '/subscription' },
] as const;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('products', (t) => {
    t.increments('id').primary();
    t.string('code', 32).notNullable().unique();
    t.string('name', 120).notNullable();
    t.integer('trial_days').notNullable().defaultTo(30);
    t.integer('grace_days').notNullable().defaultTo(7);
    t.integer('max_activations').notNullable().defaultTo(1);
    t.integer('heartbeat_interval_seconds').notNullable().defaultTo(86400);
    t.string('renewal_url', 500).notNullable().defaultTo('');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  const now = new Date().toISOString();
  await knex('products').insert(DEFAULT_PRODUCTS.map((p) => ({ ...p, created_at: now, updated_at: now })));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('products');
}
