import type { Knex } from 'knex';

/**
 * Invoices and credit notes (`kind` invoice | credit_note) and their lines.
 * A draft has no number; finalising gives it the next number of its
 * `series`, its snapshots (seller, buyer, mentions: JSON text), its totals,
 * its PDF with the PDF's SHA-256, and its place in the hash chain
 * (`chain_seq`, `prev_hash`, `hash`). Amounts are integer minor units of
 * `currency` (bigint on PostgreSQL); dates (`issue_date`, `due_date`) are
 * calendar days, YYYY-MM-DD. `status`: draft | open | paid | overdue |
 * cancelled | refunded | uncollectible; `type`: one-time | recurring | manual.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('invoices', (t) => {
    t.increments('id').primary();
    t.string('kind', 16).notNullable();
    t.string('series', 8).notNullable();
    t.string('number', 32).nullable().unique();
    t.string('status', 16).notNullable();
    t.string('type', 16).notNullable();
    t.integer('account_id').notNullable().references('id').inTable('accounts');
    t.integer('subscription_id').nullable().references('id').inTable('subscriptions');
    t.integer('credited_invoice_id').nullable().references('id').inTable('invoices');
    t.string('reason', 500).nullable();
    t.string('issue_date', 10).nullable();
    t.string('due_date', 10).nullable();
    t.timestamp('paid_at', { useTz: true }).nullable();
    t.string('currency', 3).notNullable();
    t.bigInteger('total_ht').notNullable().defaultTo(0);
    t.bigInteger('total_vat').notNullable().defaultTo(0);
    t.bigInteger('total_ttc').notNullable().defaultTo(0);
    t.text('vat_breakdown').notNullable().defaultTo('[]');
    t.bigInteger('credit_applied').notNullable().defaultTo(0);
    t.bigInteger('amount_due').notNullable().defaultTo(0);
    t.bigInteger('amount_paid').notNullable().defaultTo(0);
    t.text('seller').nullable();
    t.text('buyer').nullable();
    t.text('mentions').nullable();
    t.string('locale', 8).notNullable();
    t.binary('pdf').nullable();
    t.string('pdf_sha256', 64).nullable();
    t.string('prev_hash', 64).nullable();
    t.string('hash', 64).nullable();
    t.bigInteger('chain_seq').nullable().unique();
    t.timestamp('finalised_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['account_id', 'id']);
    t.index(['status', 'due_date']);
  });
  await knex.schema.createTable('invoice_lines', (t) => {
    t.increments('id').primary();
    t.integer('invoice_id').notNullable().references('id').inTable('invoices');
    t.integer('position').notNullable();
    t.string('description', 500).notNullable();
    t.bigInteger('quantity').notNullable();
    t.bigInteger('unit_price').notNullable();
    t.integer('vat_rate_bp').notNullable();
    t.bigInteger('discount').notNullable().defaultTo(0);
    t.bigInteger('total_ht').notNullable();
    t.unique(['invoice_id', 'position']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('invoice_lines');
  await knex.schema.dropTable('invoices');
}
