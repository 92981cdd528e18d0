import type { Knex } from 'knex';

/**
 * A plan's new price reaching running subscriptions, when the admin says so
 * (issue 12, "Plans"): `next_price` (minor units, the subscription's
 * currency) applies from the first period starting on or after
 * `next_price_from` (a calendar day, stored as its midnight UTC, at least the
 * notice period after the mail that announced it). Both null: no change.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('subscriptions', (t) => {
    t.bigInteger('next_price').nullable();
    t.timestamp('next_price_from', { useTz: true }).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  // Plain ALTER TABLE on both: knex would rebuild the SQLite table, which other tables reference.
  await knex.raw('ALTER TABLE subscriptions DROP COLUMN next_price');
  await knex.raw('ALTER TABLE subscriptions DROP COLUMN next_price_from');
}
