import type { Knex } from 'knex';

/**
 * Courses (video and PDF lessons) sold or given to accounts.
 *
 * `courses`: `slug` unique ([a-z0-9-]); `access` free | product | paid;
 * `product_id` (products) only for `product`: owning an active license of
 * that product opens the course; `price` (integer minor units of
 * `currency`) only for `paid`: a `course_grants` row opens it. Only
 * `published` courses are listed to customers; `display_order` ascending.
 *
 * `course_lessons`: `position` 1..n inside the course (unique per course);
 * `kind` video | pdf; `file_name` is the file under
 * files/courses/<course id>/ (a name the server chose, never the uploaded
 * one); `size_bytes`, `mime` (video/mp4, video/webm, application/pdf) and
 * `duration_seconds` (videos, typed by staff; null when unknown).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('courses', (t) => {
    t.increments('id').primary();
    t.string('slug', 64).notNullable().unique();
    t.string('title_fr', 160).notNullable();
    t.string('title_en', 160).notNullable();
    t.text('description_fr').notNullable().defaultTo('');
    t.text('description_en').notNullable().defaultTo('');
    t.string('access', 16).notNullable();
    t.integer('product_id').nullable().references('id').inTable('products');
    t.bigInteger('price').nullable();
    t.string('currency', 3).nullable();
    t.boolean('published').notNullable().defaultTo(false);
    t.integer('display_order').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['published', 'display_order']);
  });
  await knex.schema.createTable('course_lessons', (t) => {
    t.increments('id').primary();
    t.integer('course_id').notNullable().references('id').inTable('courses');
    t.integer('position').notNullable();
    t.string('title_fr', 160).notNullable();
    t.string('title_en', 160).notNullable();
    t.string('kind', 8).notNullable();
    t.string('file_name', 80).notNullable();
    t.bigInteger('size_bytes').notNullable();
    t.string('mime', 40).notNullable();
    t.integer('duration_seconds').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.unique(['course_id', 'position']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('course_lessons');
  await knex.schema.dropTable('courses');
}
