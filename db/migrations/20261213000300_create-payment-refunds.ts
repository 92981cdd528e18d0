import type { Knex } from 'knex';

/**
 * Money given back on a payment through its gateway: one row per gateway
 * refund (`gateway_refund_id` unique, so the admin's refund and the gateway's
 * notification of it give one row), `amount` in minor units of the payment's
 * currency, the credit note issued for it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('payment_refunds', (t) => {
    t.increments('id').primary();
    t.integer('payment_id').notNullable().references('id').inTable('payments');
    t.string('gateway', 16).notNullable();
    t.string('gateway_refund_id', 200).notNullable();
    t.bigInteger('amount').notNullable();
    t.string('currency', 3).notNullable();
    t.string('reason', 500).notNullable().defaultTo('');
    t.integer('credit_note_id').nullable().references('id').inTable('invoices');
    t.integer('actor_id').nullable().references('id').inTable('accounts');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['gateway', 'gateway_refund_id']);
    t.index(['payment_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('payment_refunds');
}
