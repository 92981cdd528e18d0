import type { Knex } from 'knex';

/**
 * An index on licenses.activation_code_id: the licenses of an order's keys are found from its batch's codes
 * (a released key's earlier licenses included), and a key activated again takes its last license's expiry.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('licenses', (t) => {
    t.index(['activation_code_id'], 'licenses_activation_code_id_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('licenses', (t) => {
    t.dropIndex(['activation_code_id'], 'licenses_activation_code_id_index');
  });
}
