import type { Knex } from 'knex';

/**
 * Licenses of the vendor's desktop programs (license server API).
 *
 * - `public_id`: the `license_id` of the license token (UUID), the one
 *   indexed lookup of a validation.
 * - `machine_id`: the machine the license was issued to (32 lower-case hex).
 * - `license_type`: trial | monthly | annual | lifetime; `expires_at` null
 *   only for lifetime.
 * - `state`: active | suspended | revoked, with `state_reason` and
 *   `state_changed_at`.
 * - One trial per machine and one per e-mail (lower-cased) per product:
 *   partial unique indexes, so two simultaneous trial requests cannot both win.
 *
 * `license_activations`: the machines a license runs on (first and last seen);
 * at most the product's `max_activations` distinct machines.
 * `license_heartbeats`: every heartbeat (app version, OS, IP).
 * `license_validation_days`: validations per product and UTC day (counted in
 * memory, added here in batches, never one write per validation).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('licenses', (t) => {
    t.increments('id').primary();
    t.string('public_id', 36).notNullable().unique();
    t.integer('product_id').notNullable().references('id').inTable('products');
    t.string('machine_id', 32).notNullable();
    t.string('email', 254).notNullable();
    t.string('license_type', 16).notNullable();
    t.string('state', 16).notNullable().defaultTo('active');
    t.string('state_reason', 500).nullable();
    t.timestamp('state_changed_at', { useTz: true }).nullable();
    t.timestamp('issued_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).nullable();
    t.integer('activation_code_id').nullable().references('id').inTable('activation_codes');
    t.string('app_version', 64).notNullable().defaultTo('');
    t.string('os_info', 200).notNullable().defaultTo('');
    t.string('ip', 64).notNullable().defaultTo('');
    t.timestamp('last_validated_at', { useTz: true }).nullable();
    t.timestamp('last_heartbeat_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['product_id', 'machine_id']);
    t.index(['machine_id']);
    t.index(['email']);
    t.index(['product_id', 'license_type', 'state']);
  });
  await knex.raw("CREATE UNIQUE INDEX licenses_one_trial_per_machine ON licenses (product_id, machine_id) WHERE license_type = 'trial'");
  await knex.raw("CREATE UNIQUE INDEX licenses_one_trial_per_email ON licenses (product_id, lower(email)) WHERE license_type = 'trial'");
  await knex.schema.createTable('license_activations', (t) => {
    t.increments('id').primary();
    t.integer('license_id').notNullable().references('id').inTable('licenses');
    t.string('machine_id', 32).notNullable();
    t.string('kind', 16).notNullable();
    t.string('ip', 64).notNullable().defaultTo('');
    t.timestamp('first_seen_at', { useTz: true }).notNullable();
    t.timestamp('last_seen_at', { useTz: true }).notNullable();
    t.unique(['license_id', 'machine_id']);
  });
  await knex.schema.createTable('license_heartbeats', (t) => {
    t.increments('id').primary();
    t.integer('license_id').notNullable().references('id').inTable('licenses');
    t.string('machine_id', 32).notNullable();
    t.string('app_version', 64).notNullable().defaultTo('');
    t.string('os_info', 200).notNullable().defaultTo('');
    t.string('ip', 64).notNullable().defaultTo('');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['license_id', 'created_at']);
  });
  await knex.schema.createTable('license_validation_days', (t) => {
    t.integer('product_id').notNullable().references('id').inTable('products');
    t.string('day', 10).notNullable();
    t.integer('validations').notNullable().defaultTo(0);
    t.integer('failures').notNullable().defaultTo(0);
    t.primary(['product_id', 'day']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('license_validation_days');
  await knex.schema.dropTable('license_heartbeats');
  await knex.schema.dropTable('license_activations');
  await knex.raw('DROP INDEX IF EXISTS licenses_one_trial_per_email');
  await knex.raw('DROP INDEX IF EXISTS licenses_one_trial_per_machine');
  await knex.schema.dropTable('licenses');
}
