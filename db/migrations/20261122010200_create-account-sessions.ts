import type { Knex } from 'knex';

/**
 * The server-side record of every logged-in session (`sid` is the
 * express-session id): lets an owner list and end their sessions, and lets
 * logout, password change, suspension and closure end them for good.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('account_sessions', (t) => {
    t.string('sid', 128).primary();
    t.integer('account_id').notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.string('ip', 64).notNullable();
    t.string('user_agent', 512).notNullable().defaultTo('');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('last_seen_at', { useTz: true }).notNullable();
    t.timestamp('ended_at', { useTz: true }).nullable();
    t.string('end_reason', 32).nullable();
    t.index(['account_id', 'ended_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('account_sessions');
}
