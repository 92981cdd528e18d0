import type { Knex } from 'knex';

/**
 * Indexes the billing reads need once the tables are large (the billing
 * bench: 10,000 subscriptions, 100,000 invoices with their PDFs):
 * - `invoices (subscription_id, kind, status)`: the daily job asks, for every
 *   subscription it looks at, for its unpaid invoices and its last paid one;
 *   without it each question read the whole table (PDFs included);
 * - `invoices (issue_date, kind, currency, status, total_ht,
 *   subscription_id, credited_invoice_id)`: the billing dashboard's revenue
 *   per month, currency and plan read from the index alone;
 * - `subscriptions (previous_subscription_id)`: whether a trial's successor
 *   was paid (dashboard), the subscription a new one replaces.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('invoices', (t) => {
    t.index(['subscription_id', 'kind', 'status'], 'invoices_subscription_kind_status_index');
    t.index(['issue_date', 'kind', 'currency', 'status', 'total_ht', 'subscription_id', 'credited_invoice_id'], 'invoices_revenue_index');
  });
  await knex.schema.alterTable('subscriptions', (t) => {
    t.index(['previous_subscription_id'], 'subscriptions_previous_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('subscriptions', (t) => {
    t.dropIndex(['previous_subscription_id'], 'subscriptions_previous_index');
  });
  await knex.schema.alterTable('invoices', (t) => {
    t.dropIndex(['issue_date', 'kind', 'currency', 'status', 'total_ht', 'subscription_id', 'credited_invoice_id'], 'invoices_revenue_index');
    t.dropIndex(['subscription_id', 'kind', 'status'], 'invoices_subscription_kind_status_index');
  });
}
