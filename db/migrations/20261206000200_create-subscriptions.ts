import type { Knex } from 'knex';

/**
 * A partner's subscription to a plan, with the plan's terms copied when it
 * starts (`price`, `currency`, `billing_cycle`, `limits` JSON): a later
 * change of the plan does not reach it. `state`: pending | trialing | active
 * | past_due | suspended | paused | cancelled | expired; cancelled and
 * expired are final, a new subscription links its predecessor.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('subscriptions', (t) => {
    t.increments('id').primary();
    t.integer('account_id').notNullable().references('id').inTable('accounts');
    t.integer('plan_id').notNullable().references('id').inTable('plans');
    t.string('state', 16).notNullable();
    t.bigInteger('price').notNullable();
    t.string('currency', 3).notNullable();
    t.string('billing_cycle', 16).notNullable();
    t.text('limits').notNullable().defaultTo('{}');
    t.timestamp('current_period_start', { useTz: true }).nullable();
    t.timestamp('current_period_end', { useTz: true }).nullable();
    t.boolean('cancel_at_period_end').notNullable().defaultTo(false);
    t.integer('previous_subscription_id').nullable().references('id').inTable('subscriptions');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['account_id', 'state']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('subscriptions');
}
