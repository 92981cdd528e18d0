import type { Knex } from 'knex';

/**
 * The expiry reminders mailed to customers (J-30, J-7, J-1 before a license
 * of one of their orders expires): one row per license, kind and expiry, so
 * the daily job sends each once even when run twice, and a renewal (a new
 * expiry) gets its own reminders. Written only by the shop's RemindersService.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('license_reminders', (t) => {
    t.increments('id').primary();
    t.integer('license_id').notNullable().references('id').inTable('licenses');
    t.string('kind', 16).notNullable();
    t.string('expires_at', 40).notNullable();
    t.timestamp('sent_at', { useTz: true }).notNullable();
    t.unique(['license_id', 'kind', 'expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('license_reminders');
}
