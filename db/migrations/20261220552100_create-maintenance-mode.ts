import type { Knex } from 'knex';

/**
 * Maintenance mode, one row (id 1): on or off, the message shown to visitors, when and by whom it was last set. In the
 * database so that every instance of the portal sees the same switch (each reads it through a cache of a few seconds).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('maintenance_mode', (t) => {
    t.integer('id').primary();
    t.boolean('enabled').notNullable().defaultTo(false);
    t.string('message', 500).nullable();
    t.timestamp('set_at', { useTz: true }).notNullable();
    t.string('set_by', 254).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('maintenance_mode');
}
