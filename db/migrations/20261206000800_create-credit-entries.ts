import type { Knex } from 'knex';

/**
 * A partner's credit balance (money, apart from units), append-only. A
 * positive row (`kind` refund | manual | promotion | adjustment) is a lot,
 * usable until `expires_at` (null: no end); a negative row of kind `applied`
 * takes money from the lot `lot_id` for the invoice `invoice_id`. A lot's
 * remainder is its amount plus its `applied` rows; the service takes lots
 * earliest expiry first, under the account's lock, so no lot goes below zero.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('credit_entries', (t) => {
    t.increments('id').primary();
    t.integer('account_id').notNullable().references('id').inTable('accounts');
    t.string('kind', 16).notNullable();
    t.bigInteger('amount').notNullable();
    t.string('currency', 3).notNullable();
    t.timestamp('expires_at', { useTz: true }).nullable();
    t.string('reference', 64).nullable();
    t.string('reason', 500).notNullable().defaultTo('');
    t.integer('lot_id').nullable().references('id').inTable('credit_entries');
    t.integer('invoice_id').nullable().references('id').inTable('invoices');
    t.integer('actor_id').nullable().references('id').inTable('accounts');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['account_id', 'currency']);
    t.index(['lot_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('credit_entries');
}
