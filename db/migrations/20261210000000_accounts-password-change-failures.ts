import type { Knex } from 'knex';

/**
 * Wrong current passwords typed in the account's password-change form since
 * the last login, password change or reset: a stolen session is ended after
 * 5 (AuthService), however many sessions the attempts come from.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('accounts', (t) => {
    t.integer('password_change_failures').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  // Plain ALTER TABLE on both: knex would rebuild the SQLite table, which other tables reference.
  await knex.raw('ALTER TABLE accounts DROP COLUMN password_change_failures');
}
