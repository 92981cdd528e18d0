import type { Knex } from 'knex';

/**
 * A partner as a payment gateway knows them: the gateway's customer id and
 * the payment method kept for renewals charged off-session (a card saved at
 * the first payment of a subscription, or replaced by the partner), with a
 * label to show (`Visa •••• 4242`). One row per (account, gateway).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('gateway_customers', (t) => {
    t.increments('id').primary();
    t.integer('account_id').notNullable().references('id').inTable('accounts');
    t.string('gateway', 16).notNullable();
    t.string('customer_ref', 200).notNullable();
    t.string('payment_method_ref', 200).nullable();
    t.string('payment_method_label', 100).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.unique(['account_id', 'gateway']);
    t.unique(['gateway', 'customer_ref']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('gateway_customers');
}
