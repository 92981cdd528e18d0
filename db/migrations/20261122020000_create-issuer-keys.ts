import type { Knex } from 'knex';

/**
 * Issuer keys known to the portal: only the kid and the public key (the
 * secret stays in subscription/keys/, never in the database). `status`:
 * active (signs; exactly one) | retired (still verifies).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('issuer_keys', (t) => {
    t.increments('id').primary();
    t.string('kid', 16).notNullable().unique();
    t.string('public_key', 64).notNullable();
    t.string('status', 16).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('retired_at', { useTz: true }).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('issuer_keys');
}
