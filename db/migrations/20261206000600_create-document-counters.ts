import type { Knex } from 'knex';

/**
 * The next number of each document series (an invoice or credit-note
 * prefix: FA, AV…) and, in the row `chain`, of the hash chain that links
 * every finalised document. A row is only ever incremented, inside the
 * finalising transaction with the row locked: numbers never reset (the year
 * in a number is a prefix only) and never skip (a rolled-back finalisation
 * rolls its increment back too).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('document_counters', (t) => {
    t.string('series', 16).primary();
    t.bigInteger('next_value').notNullable();
  });
  await knex('document_counters').insert({ series: 'chain', next_value: 1 });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('document_counters');
}
