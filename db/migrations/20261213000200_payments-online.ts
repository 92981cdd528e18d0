import type { Knex } from 'knex';

/**
 * What online payments add to `payments`: `attempts` (the n of the gateway
 * idempotency key `payment-<id>-attempt-<n>`), `checkout_session` (the hosted
 * payment page's id, before the gateway names the payment itself), and
 * `refunded_amount` (minor units given back so far). A gateway's reference is
 * unique per gateway (a notification delivered twice finds the payment it
 * recorded); manual references (transfer labels) may repeat.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('payments', (t) => {
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('checkout_session', 200).nullable();
    t.bigInteger('refunded_amount').notNullable().defaultTo(0);
  });
  await knex.raw(`CREATE UNIQUE INDEX payments_gateway_reference_unique ON payments (gateway, gateway_reference)
    WHERE gateway <> 'manual' AND gateway_reference IS NOT NULL`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX payments_gateway_reference_unique');
  // Plain ALTER TABLE on both: knex would rebuild the SQLite table and lose what is attached to it.
  await knex.raw('ALTER TABLE payments DROP COLUMN refunded_amount');
  await knex.raw('ALTER TABLE payments DROP COLUMN checkout_session');
  await knex.raw('ALTER TABLE payments DROP COLUMN attempts');
}
