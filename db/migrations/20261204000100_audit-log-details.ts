import type { Knex } from 'knex';

/**
 * Audit rows keep their facts as data: `details` holds the row's parameters
 * as JSON (states, units, names…), and the pages render the sentence
 * through the locale files in the reader's language
 * (src/audit/audit-text.ts). `summary` stays for the rows written before,
 * shown as they were stored.
 *
 * The append-only triggers compare every column (see
 * 20261122030400_audit-log-append-only): they are recreated with `details`,
 * so it can no more be changed than the rest.
 */
const COLUMNS = ['id', 'actor_email', 'action', 'target_type', 'target_id', 'summary', 'details', 'ip', 'user_agent', 'created_at'];
const OLD_COLUMNS = COLUMNS.filter((c) => c !== 'details');

async function sqliteTriggers(knex: Knex, columns: string[]): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS audit_log_no_update');
  const same = columns.map((c) => `NEW.${c} IS OLD.${c}`).join(' AND ');
  await knex.raw(`CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    WHEN NOT (OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL AND ${same})
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`);
}

async function pgFunction(knex: Knex, columns: string[]): Promise<void> {
  const oldRow = columns.map((c) => `OLD.${c}`).join(', ');
  const newRow = columns.map((c) => `NEW.${c}`).join(', ');
  await knex.raw(`CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF TG_OP = 'UPDATE' AND OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL AND (${newRow}) IS NOT DISTINCT FROM (${oldRow}) THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
    END
    $fn$`);
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('audit_log', (t) => {
    t.text('details').nullable();
  });
  if (knex.client.config.client === 'sqlite3') await sqliteTriggers(knex, COLUMNS);
  else await pgFunction(knex, COLUMNS);
}

export async function down(knex: Knex): Promise<void> {
  const sqlite = knex.client.config.client === 'sqlite3';
  // SQLite refuses to drop a column a trigger names, and may rebuild the table (losing its triggers): both are recreated after.
  if (sqlite) await knex.raw('DROP TRIGGER IF EXISTS audit_log_no_update');
  else await pgFunction(knex, OLD_COLUMNS);
  await knex.schema.alterTable('audit_log', (t) => {
    t.dropColumn('details');
  });
  if (!sqlite) return;
  await sqliteTriggers(knex, OLD_COLUMNS);
  await knex.raw('DROP TRIGGER IF EXISTS audit_log_no_delete');
  await knex.raw(`CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`);
}
