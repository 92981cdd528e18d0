import type { Knex } from 'knex';

/**
 * IP addresses refused by the public download routes (an admin's block list).
 * `ip` is stored canonical (IPv4 dotted, IPv6 lower-case; an IPv4-mapped
 * IPv6 address as its IPv4 form).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('download_blocks', (t) => {
    t.increments('id').primary();
    t.string('ip', 64).notNullable().unique();
    t.string('reason', 500).notNullable();
    t.integer('created_by').nullable().references('id').inTable('accounts').onDelete('SET NULL');
    t.timestamp('created_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('download_blocks');
}
