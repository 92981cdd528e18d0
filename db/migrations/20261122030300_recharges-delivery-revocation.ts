import type { Knex } from 'knex';

/**
 * Delivery and revocation of recharges (/admin/recharges):
 * `delivered_at` is set once, when the owning partner first downloads the
 * key file or the delivery API first serves it (null = never delivered, the
 * only case a recharge may be revoked); `revoked_reason` and `revoked_by`
 * record who revoked it and why (`revoked_at` already exists).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('recharges', (t) => {
    t.timestamp('delivered_at', { useTz: true }).nullable();
    t.string('revoked_reason', 500).nullable();
    t.integer('revoked_by').nullable().references('id').inTable('accounts').onDelete('SET NULL');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('recharges', (t) => {
    t.dropForeign(['revoked_by']);
    t.dropColumn('revoked_by');
    t.dropColumn('revoked_reason');
    t.dropColumn('delivered_at');
  });
}
