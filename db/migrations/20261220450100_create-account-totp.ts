import type { Knex } from 'knex';

/**
 * Two-step login (TOTP, RFC 6238): one authenticator secret per account,
 * sealed with AES-256-GCM under a key derived from the session secret
 * (src/accounts/totp-secret.ts), never stored in clear. `enabled_at` is null
 * while the owner has not yet confirmed a first code (enrolment under way).
 * `last_used_step` is the 30-second time step of the last code accepted:
 * a code of that step or an earlier one is refused (no replay in its window).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('account_totp', (t) => {
    t.integer('account_id').primary().references('id').inTable('accounts').onDelete('CASCADE');
    t.string('secret', 255).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('enabled_at', { useTz: true }).nullable();
    t.bigInteger('last_used_step').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('account_totp');
}
