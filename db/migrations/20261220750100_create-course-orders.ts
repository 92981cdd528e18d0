import type { Knex } from 'knex';

/**
 * Courses sold alone (a course of access `paid`): one row per purchase, with
 * the one-time invoice that bills it (unique). `pending` until the payment
 * that makes the invoice paid grants the course (course_grants, in that
 * transaction) and marks it `paid`. `idempotency_key` (unique) is chosen
 * when the summary is shown: a double submit buys once. Written only by the
 * shop's CourseOrdersService.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('course_orders', (t) => {
    t.increments('id').primary();
    t.integer('account_id').notNullable().references('id').inTable('accounts');
    t.integer('course_id').notNullable().references('id').inTable('courses');
    t.integer('invoice_id').notNullable().unique().references('id').inTable('invoices');
    t.string('status', 16).notNullable().defaultTo('pending');
    t.string('idempotency_key', 100).notNullable().unique();
    t.timestamp('paid_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['account_id', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('course_orders');
}
