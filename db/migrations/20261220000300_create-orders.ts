import type { Knex } from 'knex';

/**
 * Customers' orders: one offer of one product, `quantity` seats, billed by
 * one invoice (unique). `pending` until the payment that makes the invoice
 * paid turns it `paid` and, in that transaction, creates its activation batch
 * (`batch_id`: the license keys, one per seat); `refunded` once staff gave the
 * money back (its licenses revoked); `cancelled` when abandoned unpaid.
 * `kind = renewal` extends the licenses of `renews_order_id` instead.
 * `idempotency_key` (unique) is chosen when the summary is shown: a double
 * submit orders once. Written only by the shop's OrdersService.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('orders', (t) => {
    t.increments('id').primary();
    t.integer('account_id').notNullable().references('id').inTable('accounts');
    t.integer('product_id').notNullable().references('id').inTable('products');
    t.integer('offer_id').notNullable().references('id').inTable('product_offers');
    t.string('kind', 16).notNullable().defaultTo('purchase');
    t.integer('renews_order_id').nullable().references('id').inTable('orders');
    t.integer('quantity').notNullable();
    t.string('status', 16).notNullable().defaultTo('pending');
    t.integer('invoice_id').notNullable().unique().references('id').inTable('invoices');
    t.integer('batch_id').nullable().references('id').inTable('activation_batches');
    t.string('idempotency_key', 100).notNullable().unique();
    t.timestamp('paid_at', { useTz: true }).nullable();
    t.timestamp('refund_requested_at', { useTz: true }).nullable();
    t.string('refund_reason', 500).nullable();
    t.timestamp('refunded_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['account_id', 'id']);
    t.index(['status', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('orders');
}
