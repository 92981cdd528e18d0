import type { Knex } from 'knex';

/**
 * Promotion codes and their uses.
 *
 * `promotions`: `code` is stored upper-case ([A-Z0-9_-]{3,32}; the service
 * upper-cases what is typed), so the UNIQUE index makes codes unique whatever
 * the case. `kind` percentage | fixed; `value` is, for a percentage, basis
 * points of the HT (10 % = 1000, 12.5 % = 1250, 1..10000), for a fixed
 * amount, integer minor units of `currency` (bigint: XOF amounts are large).
 * `currency` is required for a fixed amount or a minimum amount and then
 * limits the code to plans in that currency; null for a percentage without
 * minimum (any currency). `max_uses` and `max_uses_per_customer`: null = no
 * limit, counted on the redemptions made at checkout (renewals do not count).
 * `applies_to` first | renewals | both. `starts_on`/`ends_on`: calendar
 * days (YYYY-MM-DD) in the billing time zone, both inclusive, null = open
 * (the billing calendar counts days, as invoice due dates do).
 * `min_amount`: the HT before discount must reach it (minor units of
 * `currency`, 0 = none).
 *
 * `promotion_plans`: the plans a code is limited to (none: every plan).
 *
 * `promotion_redemptions`: one row per invoice that used a code (UNIQUE
 * invoice_id), written in the transaction that finalises the invoice; `kind`
 * first (the checkout: counts as a use) | renewal; `discount` is the HT taken
 * off, in minor units of `currency` (the invoice's).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('promotions', (t) => {
    t.increments('id').primary();
    t.string('code', 32).notNullable().unique();
    t.string('name', 120).notNullable();
    t.string('kind', 16).notNullable();
    t.bigInteger('value').notNullable();
    t.string('currency', 3).nullable();
    t.integer('max_uses').nullable();
    t.integer('max_uses_per_customer').nullable();
    t.string('applies_to', 16).notNullable().defaultTo('first');
    t.string('starts_on', 10).nullable();
    t.string('ends_on', 10).nullable();
    t.boolean('is_active').notNullable().defaultTo(true);
    t.boolean('auto_apply').notNullable().defaultTo(false);
    t.boolean('new_customers_only').notNullable().defaultTo(false);
    t.bigInteger('min_amount').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['auto_apply', 'is_active']);
  });
  await knex.schema.createTable('promotion_plans', (t) => {
    t.integer('promotion_id').notNullable().references('id').inTable('promotions');
    t.integer('plan_id').notNullable().references('id').inTable('plans');
    t.primary(['promotion_id', 'plan_id']);
  });
  await knex.schema.createTable('promotion_redemptions', (t) => {
    t.increments('id').primary();
    t.integer('promotion_id').notNullable().references('id').inTable('promotions');
    t.integer('account_id').notNullable().references('id').inTable('accounts');
    t.integer('invoice_id').notNullable().unique().references('id').inTable('invoices');
    t.integer('subscription_id').nullable().references('id').inTable('subscriptions');
    t.string('kind', 16).notNullable();
    t.bigInteger('discount').notNullable();
    t.string('currency', 3).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['promotion_id', 'kind', 'account_id']);
    t.index(['subscription_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('promotion_redemptions');
  await knex.schema.dropTable('promotion_plans');
  await knex.schema.dropTable('promotions');
}
