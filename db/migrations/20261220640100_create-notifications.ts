import type { Knex } from 'knex';

/**
 * In-app notifications: a copy of every mail the portal sends to an account
 * (title and body in the account's language when it was sent, the in-site
 * path of its action, never a secret), read or not. The header counts the
 * unread ones of the logged-in account on every page: `(account_id,
 * read_at)` answers that count from the index; the list reads newest first
 * by `(account_id, id)`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('notifications', (t) => {
    t.increments('id').primary();
    t.integer('account_id').notNullable().references('id').inTable('accounts');
    t.string('kind', 32).notNullable();
    t.string('title', 200).notNullable();
    t.text('body').notNullable();
    t.string('link', 500).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('read_at', { useTz: true }).nullable();
    t.index(['account_id', 'read_at'], 'notifications_account_read_index');
    t.index(['account_id', 'id'], 'notifications_account_id_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('notifications');
}
