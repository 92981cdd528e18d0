import type { Knex } from 'knex';

/**
 * Recharges: one key file each. The database row holds the file's bytes
 * (the record); subscription/encrypted_keys/<id>.bin is a copy.
 * `state`: issued | revoked.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('recharges', (t) => {
    t.string('id', 36).primary();
    t.integer('partner_id').notNullable().references('id').inTable('accounts');
    t.integer('installation_id').notNullable().references('id').inTable('installations');
    t.integer('serial').notNullable();
    t.integer('units').notNullable();
    t.string('kid', 16).notNullable();
    t.binary('file').notNullable();
    t.string('sha256', 64).notNullable();
    t.string('state', 16).notNullable().defaultTo('issued');
    t.timestamp('issued_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).nullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.unique(['installation_id', 'serial']);
    t.index(['partner_id', 'issued_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('recharges');
}
