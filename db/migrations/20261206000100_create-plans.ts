import type { Knex } from 'knex';

/**
 * Plans a partner subscribes to. Prices are integer minor units of
 * `currency` (bigint on PostgreSQL: XOF amounts are large); `features` is a
 * JSON array of {name_fr, name_en, value}, `limits` a JSON object
 * (`units_per_period`, `max_installations`). A subscription copies price,
 * currency, cycle and limits, so changing a plan never changes one running.
 * The `legacy` plan (custom, not public, free) holds the partners who were
 * there before billing: what they did before keeps working.
 */
export const LEGACY_PLAN = {
  slug: 'legacy', name_fr: 'Historique', name_en: 'Legacy', description_fr: 'Partenaires inscrits avant la facturation',
  description_en: 'Partners registered before billing', type: 'custom', price: 0, currency: 'EUR', billing_cycle: 'month', trial_days: 0,
  setup_fee: 0, features: '[]', limits: '{"units_per_period":0,"max_installations":null}', is_active: true, is_public: false, display_order: 1000,
  highlighted: false,
};

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('plans', (t) => {
    t.increments('id').primary();
    t.string('slug', 64).notNullable().unique();
    t.string('name_fr', 120).notNullable();
    t.string('name_en', 120).notNullable();
    t.text('description_fr').notNullable().defaultTo('');
    t.text('description_en').notNullable().defaultTo('');
    t.string('type', 16).notNullable();
    t.bigInteger('price').notNullable();
    t.string('currency', 3).notNullable().defaultTo('EUR');
    t.string('billing_cycle', 16).notNullable();
    t.integer('trial_days').notNullable().defaultTo(0);
    t.bigInteger('setup_fee').notNullable().defaultTo(0);
    t.text('features').notNullable().defaultTo('[]');
    t.text('limits').notNullable().defaultTo('{}');
    t.boolean('is_active').notNullable().defaultTo(true);
    t.boolean('is_public').notNullable().defaultTo(false);
    t.integer('display_order').notNullable().defaultTo(0);
    t.boolean('highlighted').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  const now = new Date().toISOString();
  await knex('plans').insert({ ...LEGACY_PLAN, created_at: now, updated_at: now });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('plans');
}
