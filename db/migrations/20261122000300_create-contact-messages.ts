import type { Knex } from 'knex';

/** Messages sent through the public contact form. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('contact_messages', (t) => {
    t.increments('id').primary();
    t.string('name', 120).notNullable();
    t.string('email', 254).notNullable();
    t.text('message').notNullable();
    t.string('locale', 8).notNullable();
    t.string('ip', 64).notNullable();
    t.string('user_agent', 512).notNullable().defaultTo('');
    t.string('mail_status', 16).notNullable().defaultTo('pending');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('handled_at', { useTz: true }).nullable();
    t.index(['created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('contact_messages');
}
