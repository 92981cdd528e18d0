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
  await knex.schema.alterTable('accounts', (t) => {
    t.dropColumn('password_change_failures');
  });
}
