import type { Knex } from 'knex';

/**
 * Accounts of partners (resellers) and staff (support, admin, superadmin).
 * `state`: pending_verification | active | suspended | closed.
 * `public_ref`: the partner's public reference (PTN-0001), written in key files.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('accounts', (t) => {
    t.increments('id').primary();
    t.string('email', 254).notNullable().unique();
    t.string('password_hash', 255).notNullable();
    t.string('role', 16).notNullable();
    t.string('state', 24).notNullable();
    t.string('public_ref', 16).nullable().unique();
    t.string('company', 160).notNullable().defaultTo('');
    t.string('name', 120).notNullable().defaultTo('');
    t.string('phone', 40).notNullable().defaultTo('');
    t.string('country', 2).notNullable().defaultTo('');
    t.string('locale', 8).notNullable().defaultTo('fr');
    t.string('state_reason', 500).nullable();
    t.integer('failed_logins').notNullable().defaultTo(0);
    t.integer('lockouts').notNullable().defaultTo(0);
    t.timestamp('locked_until', { useTz: true }).nullable();
    t.timestamp('terms_accepted_at', { useTz: true }).nullable();
    t.timestamp('verified_at', { useTz: true }).nullable();
    t.timestamp('last_login_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['role', 'state']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('accounts');
}
