import type { Knex } from 'knex';

/**
 * Each recharge keeps the customer label it was made for: `recharges.customer`.
 * Until now the label lived only on the installation, so recharging it under
 * a new label (or its transfer to another partner, who then recharges it)
 * renamed every earlier recharge. Existing recharges take their
 * installation's current label, the only one known. `installations.customer`
 * stays as the label used last.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('recharges', (t) => {
    t.string('customer', 160).notNullable().defaultTo('');
  });
  await knex('recharges').update({
    customer: knex('installations').select('customer').where('installations.id', knex.ref('recharges.installation_id')),
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('recharges', (t) => {
    t.dropColumn('customer');
  });
}
