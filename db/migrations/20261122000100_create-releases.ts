import type { Knex } from 'knex';

/** Releases of a product offered for download (one row per .deb file). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('releases', (t) => {
    t.increments('id').primary();
    t.string('product', 64).notNullable();
    t.string('version', 64).notNullable();
    t.string('channel', 32).notNullable().defaultTo('stable');
    t.string('filename', 255).notNullable().unique();
    t.bigInteger('size_bytes').notNullable();
    t.string('sha256', 64).notNullable();
    t.text('changelog').notNullable().defaultTo('');
    t.timestamp('published_at', { useTz: true }).nullable();
    t.boolean('is_latest').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.unique(['product', 'channel', 'version']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('releases');
}
