import type { Knex } from 'knex';

/**
 * The append-only audit log: who did what to what, from where, when.
 * No route updates or deletes a row of it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_log', (t) => {
    t.increments('id').primary();
    t.integer('actor_id').nullable().references('id').inTable('accounts').onDelete('SET NULL');
    t.string('actor_email', 254).nullable();
    t.string('action', 64).notNullable();
    t.string('target_type', 32).nullable();
    t.string('target_id', 64).nullable();
    t.text('summary').notNullable().defaultTo('');
    t.string('ip', 64).nullable();
    t.string('user_agent', 512).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['action', 'created_at']);
    t.index(['target_type', 'target_id']);
    t.index(['actor_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_log');
}
