import type { Knex } from 'knex';

/**
 * Unit packs bought by partners (a plan of type `custom`, cycle `one-time`):
 * one row per purchase, with the invoice that bills it (unique) and the units
 * it gives, copied from the plan when bought. `credited_at` is set in the
 * transaction of the payment that makes the invoice paid, when the units
 * reach the partner's ledger (reference: the invoice number), so a pack
 * credits once. `idempotency_key` (unique) is chosen when the summary is
 * shown: a double submit buys once. Written only by PacksService.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('pack_purchases', (t) => {
    t.increments('id').primary();
    t.integer('account_id').notNullable().references('id').inTable('accounts');
    t.integer('plan_id').notNullable().references('id').inTable('plans');
    t.integer('invoice_id').notNullable().unique().references('id').inTable('invoices');
    t.integer('units').notNullable();
    t.string('idempotency_key', 100).notNullable().unique();
    t.timestamp('credited_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['account_id', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('pack_purchases');
}
