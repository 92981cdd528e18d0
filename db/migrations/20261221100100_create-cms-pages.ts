import type { Knex } from 'knex';

/**
 * Editable public pages (src/cms).
 *
 * `cms_pages`: one row per page (`slug`: home | features | subscription),
 * created the first time an admin saves it (until then the page shows its
 * shipped default content, built from the locale strings). `draft` is the
 * content being edited (JSON, validated by src/cms/content.ts), `draft_base_version_id`
 * the version it started from (the parent of the next publication);
 * `published_version_id` the version the public sees (null: the shipped
 * default); `archived_at` set: the page is withdrawn and the public sees the
 * shipped default until it is published again.
 *
 * `cms_page_versions`: each publication, append-only: `number` 1..n per
 * page, `parent_version_id` (the version the draft was based on, or null),
 * `content` (JSON), `author_id` and `author_email` (the account then; no foreign key:
 * the record outlives an account; null for the shipped default),
 * `created_at`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('cms_pages', (t) => {
    t.increments('id').primary();
    t.string('slug', 32).notNullable().unique();
    t.text('draft').notNullable();
    t.integer('draft_base_version_id').nullable();
    t.integer('published_version_id').nullable();
    t.timestamp('archived_at', { useTz: true }).nullable();
    t.integer('updated_by').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('cms_page_versions', (t) => {
    t.increments('id').primary();
    t.integer('page_id').notNullable().references('id').inTable('cms_pages');
    t.integer('number').notNullable();
    t.integer('parent_version_id').nullable().references('id').inTable('cms_page_versions');
    t.text('content').notNullable();
    t.integer('author_id').nullable();
    t.string('author_email', 254).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['page_id', 'number']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('cms_page_versions');
  await knex.schema.dropTable('cms_pages');
}
