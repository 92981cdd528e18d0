import type { Knex } from 'knex';

/**
 * Payments of invoices. `status`: pending | processing | succeeded | failed |
 * refunded; `gateway`: manual | stripe | paypal; `method`: bank_transfer |
 * mobile_money | cash | cheque | card | paypal. `amount` in minor units of
 * `currency`. `idempotency_key` is unique: a form or webhook submitted twice
 * records one payment. `received_on` is the day the money arrived (YYYY-MM-DD).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('payments', (t) => {
    t.increments('id').primary();
    t.integer('invoice_id').notNullable().references('id').inTable('invoices');
    t.integer('account_id').notNullable().references('id').inTable('accounts');
    t.string('status', 16).notNullable();
    t.string('gateway', 16).notNullable();
    t.string('gateway_reference', 200).nullable();
    t.string('method', 16).notNullable();
    t.bigInteger('amount').notNullable();
    t.string('currency', 3).notNullable();
    t.string('received_on', 10).nullable();
    t.timestamp('attempted_at', { useTz: true }).nullable();
    t.timestamp('succeeded_at', { useTz: true }).nullable();
    t.timestamp('failed_at', { useTz: true }).nullable();
    t.string('error_code', 64).nullable();
    t.string('error_message', 500).nullable();
    t.string('idempotency_key', 100).notNullable().unique();
    t.integer('actor_id').nullable().references('id').inTable('accounts');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['invoice_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('payments');
}
