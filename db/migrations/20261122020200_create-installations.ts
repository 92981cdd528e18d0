import type { Knex } from 'knex';

/**
 * End users' installations of artisan_nd, owned by the partner who first
 * recharged them; each has its own serial counter (`last_serial`).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('installations', (t) => {
    t.increments('id').primary();
    t.string('code', 55).notNullable().unique();
    t.integer('partner_id').notNullable().references('id').inTable('accounts');
    t.string('customer', 160).notNullable();
    t.string('contact', 254).notNullable().defaultTo('');
    t.text('note').notNullable().defaultTo('');
    t.integer('last_serial').notNullable().defaultTo(0);
    t.bigInteger('total_units').notNullable().defaultTo(0);
    t.integer('recharge_count').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['partner_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('installations');
}
