import type { Knex } from 'knex';

/**
 * The single-use recovery codes of two-step login: ten per enrolment, shown
 * once to the owner, kept only as SHA-256 hashes (they are long random
 * strings: a slow hash adds nothing). `used_at` marks a spent code.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('account_recovery_codes', (t) => {
    t.increments('id').primary();
    t.integer('account_id').notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.string('code_hash', 64).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true }).nullable();
    t.unique(['account_id', 'code_hash']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('account_recovery_codes');
}
