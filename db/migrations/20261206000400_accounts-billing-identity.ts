import type { Knex } from 'knex';

/**
 * What an invoice needs of its buyer besides company, name and country:
 * the postal address (free text, several lines) and the intra-EU VAT
 * number (reverse charge for an EU business outside France). Both nullable:
 * accounts made before stay valid.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('accounts', (t) => {
    t.string('address', 500).nullable();
    t.string('vat_number', 20).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  // Plain ALTER TABLE on both: knex would rebuild the SQLite table, which other tables reference.
  await knex.raw('ALTER TABLE accounts DROP COLUMN address');
  await knex.raw('ALTER TABLE accounts DROP COLUMN vat_number');
}
