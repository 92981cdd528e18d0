import type { Knex } from 'knex';

/**
 * What the subscription life cycle needs beyond the minimal table:
 * `trial_ends_at`; `scheduled_plan_id` (a downgrade waiting for the end of
 * the period); `ended_at` (when it became cancelled or expired, both final).
 * `subscription_events`: one row per transition (from_state → to_state, the
 * event's name, JSON details, who), written in the transition's transaction.
 * `billing_steps`: one row per (subscription, period, step) of the daily job,
 * UNIQUE, written in the step's transaction, so a step runs once whatever the
 * number of runs or instances. `period` is the calendar day (YYYY-MM-DD) the
 * step counts from (the due date of the invoice, the end of the period).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('subscriptions', (t) => {
    t.timestamp('trial_ends_at', { useTz: true }).nullable();
    t.integer('scheduled_plan_id').nullable().references('id').inTable('plans');
    t.timestamp('ended_at', { useTz: true }).nullable();
  });
  await knex.schema.createTable('subscription_events', (t) => {
    t.increments('id').primary();
    t.integer('subscription_id').notNullable().references('id').inTable('subscriptions');
    t.integer('account_id').notNullable().references('id').inTable('accounts');
    t.string('event', 32).notNullable();
    t.string('from_state', 16).nullable();
    t.string('to_state', 16).notNullable();
    t.text('details').notNullable().defaultTo('{}');
    t.integer('actor_id').nullable().references('id').inTable('accounts');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['subscription_id', 'id']);
  });
  await knex.schema.createTable('billing_steps', (t) => {
    t.increments('id').primary();
    t.integer('subscription_id').notNullable().references('id').inTable('subscriptions');
    t.string('period', 10).notNullable();
    t.string('step', 24).notNullable();
    t.integer('invoice_id').nullable().references('id').inTable('invoices');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['subscription_id', 'period', 'step']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('billing_steps');
  await knex.schema.dropTable('subscription_events');
  await knex.schema.alterTable('subscriptions', (t) => {
    t.dropColumn('ended_at');
    t.dropForeign(['scheduled_plan_id']);
    t.dropColumn('scheduled_plan_id');
    t.dropColumn('trial_ends_at');
  });
}
