import type { Knex } from 'knex';

/**
 * Payment delays staff grant on an unpaid invoice of a subscription (the
 * seed's flow 4, "extend the due date"). A finalised invoice never changes
 * (its printed due date stays as issued), so the new due date lives here: the
 * daily job counts an invoice's dunning steps (J0 … J+30) from its latest
 * row's `due_date`, else from the invoice's own. One row per extension
 * (history), `previous_due_date` the date it replaced; days are YYYY-MM-DD.
 * Written only by SubscriptionsService.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('due_date_extensions', (t) => {
    t.increments('id').primary();
    t.integer('subscription_id').notNullable().references('id').inTable('subscriptions');
    t.integer('invoice_id').notNullable().references('id').inTable('invoices');
    t.integer('account_id').notNullable().references('id').inTable('accounts');
    t.string('due_date', 10).notNullable();
    t.string('previous_due_date', 10).notNullable();
    t.string('reason', 500).notNullable().defaultTo('');
    t.integer('actor_id').nullable().references('id').inTable('accounts');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['invoice_id', 'id']);
    t.index(['subscription_id', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('due_date_extensions');
}
