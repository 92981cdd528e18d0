import type { Knex } from 'knex';

/**
 * The partners' unit ledger, append-only: a credit or debit of `units`
 * (positive), with the balance after it. The balance is the last row's
 * `balance_after` (= the sum of the entries) and never goes below zero.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('ledger_entries', (t) => {
    t.increments('id').primary();
    t.integer('account_id').notNullable().references('id').inTable('accounts');
    t.string('kind', 8).notNullable();
    t.integer('units').notNullable();
    t.bigInteger('balance_after').notNullable();
    t.string('reason', 500).notNullable();
    t.string('reference', 64).nullable();
    t.integer('actor_id').nullable().references('id').inTable('accounts');
    t.string('actor_label', 254).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['account_id', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('ledger_entries');
}
