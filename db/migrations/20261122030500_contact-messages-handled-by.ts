import type { Knex } from 'knex';

/**
 * Who marked a contact message handled (/admin/messages). Null while the
 * message waits, or when it was handled before this column existed.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('contact_messages', (t) => {
    t.integer('handled_by').nullable().references('id').inTable('accounts').onDelete('SET NULL');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('contact_messages', (t) => {
    t.dropForeign(['handled_by']);
    t.dropColumn('handled_by');
  });
}
