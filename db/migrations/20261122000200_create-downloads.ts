import type { Knex } from 'knex';

/** One row per download request of a release file (the download log). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('downloads', (t) => {
    t.increments('id').primary();
    t.integer('release_id').nullable().references('id').inTable('releases').onDelete('SET NULL');
    t.string('filename', 255).notNullable();
    t.string('ip', 64).notNullable();
    t.string('user_agent', 512).notNullable().defaultTo('');
    t.string('range_header', 128).nullable();
    t.boolean('counted').notNullable();
    t.integer('http_status').notNullable();
    t.string('outcome', 16).notNullable();
    t.bigInteger('bytes_sent').notNullable().defaultTo(0);
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('finished_at', { useTz: true }).nullable();
    t.index(['ip', 'started_at']);
    t.index(['release_id', 'started_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('downloads');
}
