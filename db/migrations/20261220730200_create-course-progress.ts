import type { Knex } from 'knex';

/**
 * What accounts did with courses.
 *
 * `lesson_completions`: a lesson an account marked as completed (one row per
 * account and lesson, UNIQUE pair; marking again changes nothing).
 * `course_grants`: a `paid` course given to an account, UNIQUE pair;
 * `source` says by what (`order` when the shop settles an order, `staff`…)
 * and `reference` which one (an order number), written in the caller's
 * transaction (CoursesService.grant).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('lesson_completions', (t) => {
    t.increments('id').primary();
    t.integer('account_id').notNullable().references('id').inTable('accounts');
    t.integer('lesson_id').notNullable().references('id').inTable('course_lessons');
    t.timestamp('completed_at', { useTz: true }).notNullable();
    t.unique(['account_id', 'lesson_id']);
    t.index(['lesson_id']);
  });
  await knex.schema.createTable('course_grants', (t) => {
    t.increments('id').primary();
    t.integer('account_id').notNullable().references('id').inTable('accounts');
    t.integer('course_id').notNullable().references('id').inTable('courses');
    t.string('source', 32).notNullable();
    t.string('reference', 120).notNullable().defaultTo('');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['account_id', 'course_id']);
    t.index(['course_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('course_grants');
  await knex.schema.dropTable('lesson_completions');
}
