import type { Knex } from 'knex';

/**
 * Defence in depth for the append-only audit log: the database itself
 * refuses to UPDATE or DELETE an `audit_log` row (no route or repository
 * method does it either). The one update allowed is the foreign key's
 * `ON DELETE SET NULL` of `actor_id` (every other column unchanged), so an
 * account row could still be deleted; the actor's e-mail stays on the row.
 * TRUNCATE and DROP TABLE (test resets, `down`) fire no row trigger.
 * A later migration that rebuilds this table on SQLite must recreate these triggers.
 */
const COLUMNS = ['id', 'actor_email', 'action', 'target_type', 'target_id', 'summary', 'ip', 'user_agent', 'created_at'];

export async function up(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'sqlite3') {
    const same = COLUMNS.map((c) => `NEW.${c} IS OLD.${c}`).join(' AND ');
    await knex.raw(`CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
      WHEN NOT (OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL AND ${same})
      BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`);
    await knex.raw(`CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`);
    return;
  }
  const oldRow = COLUMNS.map((c) => `OLD.${c}`).join(', ');
  const newRow = COLUMNS.map((c) => `NEW.${c}`).join(', ');
  await knex.raw(`CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF TG_OP = 'UPDATE' AND OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL AND (${newRow}) IS NOT DISTINCT FROM (${oldRow}) THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
    END
    $fn$`);
  await knex.raw('CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()');
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'sqlite3') {
    await knex.raw('DROP TRIGGER IF EXISTS audit_log_no_update');
    await knex.raw('DROP TRIGGER IF EXISTS audit_log_no_delete');
    return;
  }
  await knex.raw('DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log');
  await knex.raw('DROP FUNCTION IF EXISTS audit_log_append_only()');
}
