import type { Knex } from 'knex';

/**
 * `license_releases`: a machine a customer released from a license ("release
 * this device"). The row is the record that the seat was given back: the
 * released machine may not take a seat of that license again (validate refuses
 * it), and the shop counts a month's releases of an order from these rows.
 * Written only by LicensesService.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('license_releases', (t) => {
    t.increments('id').primary();
    t.integer('license_id').notNullable().references('id').inTable('licenses');
    t.string('machine_id', 32).notNullable();
    t.integer('account_id').nullable().references('id').inTable('accounts');
    t.timestamp('released_at', { useTz: true }).notNullable();
    t.index(['license_id', 'machine_id']);
    t.index(['released_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('license_releases');
}
