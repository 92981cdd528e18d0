import type { Knex } from 'knex';

/**
 * Notifications received from payment gateways (webhooks), stored once their
 * signature verified, before they are acted on. UNIQUE (gateway, event_id): a
 * delivery repeated by the gateway is recognised and not stored twice.
 * `status`: received | processing | processed | failed | ignored; `attempts`
 * counts the processing runs, `last_error` keeps the last failure, `reason`
 * why an event was ignored, `next_attempt_at` when a failed (or abandoned
 * processing) event is due again. `payload` is the body as the gateway sent it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('inbound_events', (t) => {
    t.increments('id').primary();
    t.string('gateway', 16).notNullable();
    t.string('event_id', 200).notNullable();
    t.string('type', 100).notNullable();
    t.text('payload').notNullable();
    t.string('status', 16).notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('last_error', 500).nullable();
    t.string('reason', 200).nullable();
    t.timestamp('received_at', { useTz: true }).notNullable();
    t.timestamp('processed_at', { useTz: true }).nullable();
    t.timestamp('next_attempt_at', { useTz: true }).nullable();
    t.unique(['gateway', 'event_id']);
    t.index(['status', 'next_attempt_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('inbound_events');
}
