import type { Knex } from 'knex';

/**
 * Support tickets of customers and partners, their messages and attachments
 * (written only by SupportService, src/support).
 *
 * `support_tickets`: `status` open (waiting for staff) | pending (waiting for
 * the customer) | closed. `license_id`: a license of the account (its e-mail
 * is the license's), null when none. `order_id`: the shop's order, null; no
 * foreign key yet (the orders table comes with the shop). `assignee_id`: the
 * staff member working it, null when unassigned. `last_activity_at`: the
 * last message or state change, what both lists sort on.
 *
 * `support_messages`: one per message of the thread; `from_staff` tells the
 * side (an account's role may change later).
 *
 * `support_attachments`: a file of a message, stored as
 * files/support/<ticket_id>/<stored_name> (random, unique); `original_name`
 * is shown and sent back as the download name only; `mime` is the type
 * detected from the content (PNG, JPEG, GIF, WebP, PDF).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('support_tickets', (t) => {
    t.increments('id').primary();
    t.integer('account_id').notNullable().references('id').inTable('accounts');
    t.string('subject', 200).notNullable();
    t.string('status', 16).notNullable().defaultTo('open');
    t.integer('license_id').nullable().references('id').inTable('licenses');
    t.integer('order_id').nullable();
    t.integer('assignee_id').nullable().references('id').inTable('accounts');
    t.timestamp('last_activity_at', { useTz: true }).notNullable();
    t.timestamp('closed_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['account_id', 'last_activity_at']);
    t.index(['status', 'last_activity_at']);
    t.index(['assignee_id']);
  });
  await knex.schema.createTable('support_messages', (t) => {
    t.increments('id').primary();
    t.integer('ticket_id').notNullable().references('id').inTable('support_tickets');
    t.integer('author_id').notNullable().references('id').inTable('accounts');
    t.boolean('from_staff').notNullable();
    t.text('body').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['ticket_id', 'id']);
  });
  await knex.schema.createTable('support_attachments', (t) => {
    t.increments('id').primary();
    t.integer('ticket_id').notNullable().references('id').inTable('support_tickets');
    t.integer('message_id').notNullable().references('id').inTable('support_messages');
    t.string('stored_name', 64).notNullable().unique();
    t.string('original_name', 200).notNullable();
    t.string('mime', 32).notNullable();
    t.integer('size').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['ticket_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('support_attachments');
  await knex.schema.dropTable('support_messages');
  await knex.schema.dropTable('support_tickets');
}
