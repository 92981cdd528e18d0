import type { Knex } from 'knex';

/**
 * The session table of connect-pg-simple (its own table.sql), PostgreSQL only:
 * on SQLite, sessions live in their own file (db/sessions.sqlite, connect-sqlite3).
 */
export async function up(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'pg') return;
  await knex.schema.createTable('session', (t) => {
    t.string('sid').notNullable().primary();
    t.json('sess').notNullable();
    t.timestamp('expire', { precision: 6 }).notNullable().index('IDX_session_expire');
  });
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'pg') return;
  await knex.schema.dropTable('session');
}
