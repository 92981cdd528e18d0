import type { Knex } from 'knex';

/**
 * A finalised invoice or credit note is never edited or deleted (French
 * rule: corrections are credit notes), and the database itself refuses it,
 * as it does for the audit log: once `status` is not `draft`, an UPDATE may
 * change `status` (never back to draft), `paid_at` and `amount_paid` only,
 * and a DELETE is refused; the lines of such a document refuse INSERT,
 * UPDATE and DELETE. TRUNCATE and DROP TABLE (test resets, `down`) fire no
 * row trigger. The hash chain (`npm run billing:verify`) catches what an
 * operator does with these triggers dropped.
 * A later migration that rebuilds these tables on SQLite must recreate the triggers.
 */
export const FROZEN = [
  'id', 'kind', 'series', 'number', 'type', 'account_id', 'subscription_id', 'credited_invoice_id', 'reason', 'issue_date', 'due_date',
  'currency', 'total_ht', 'total_vat', 'total_ttc', 'vat_breakdown', 'credit_applied', 'amount_due', 'seller', 'buyer', 'mentions', 'locale',
  'pdf', 'pdf_sha256', 'prev_hash', 'hash', 'chain_seq', 'finalised_at', 'created_at',
];

const MESSAGE = 'a finalised invoice or credit note cannot be changed';

async function upSqlite(knex: Knex): Promise<void> {
  const same = FROZEN.map((c) => `NEW.${c} IS OLD.${c}`).join(' AND ');
  await knex.raw(`CREATE TRIGGER invoices_final_no_update BEFORE UPDATE ON invoices
    WHEN OLD.status <> 'draft' AND (NEW.status = 'draft' OR NOT (${same}))
    BEGIN SELECT RAISE(ABORT, '${MESSAGE}'); END`);
  await knex.raw(`CREATE TRIGGER invoices_final_no_delete BEFORE DELETE ON invoices WHEN OLD.status <> 'draft'
    BEGIN SELECT RAISE(ABORT, '${MESSAGE}'); END`);
  const parentFinal = (row: 'OLD' | 'NEW') => `(SELECT status FROM invoices WHERE id = ${row}.invoice_id) <> 'draft'`;
  await knex.raw(`CREATE TRIGGER invoice_lines_final_no_insert BEFORE INSERT ON invoice_lines WHEN ${parentFinal('NEW')}
    BEGIN SELECT RAISE(ABORT, '${MESSAGE}'); END`);
  await knex.raw(`CREATE TRIGGER invoice_lines_final_no_update BEFORE UPDATE ON invoice_lines WHEN ${parentFinal('OLD')} OR ${parentFinal('NEW')}
    BEGIN SELECT RAISE(ABORT, '${MESSAGE}'); END`);
  await knex.raw(`CREATE TRIGGER invoice_lines_final_no_delete BEFORE DELETE ON invoice_lines WHEN ${parentFinal('OLD')}
    BEGIN SELECT RAISE(ABORT, '${MESSAGE}'); END`);
}

async function upPg(knex: Knex): Promise<void> {
  const oldRow = FROZEN.map((c) => `OLD.${c}`).join(', ');
  const newRow = FROZEN.map((c) => `NEW.${c}`).join(', ');
  await knex.raw(`CREATE FUNCTION invoices_immutable() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF OLD.status = 'draft' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
      END IF;
      IF TG_OP = 'UPDATE' AND NEW.status <> 'draft' AND (${newRow}) IS NOT DISTINCT FROM (${oldRow}) THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION '${MESSAGE}' USING ERRCODE = 'insufficient_privilege';
    END
    $fn$`);
  await knex.raw('CREATE TRIGGER invoices_immutable BEFORE UPDATE OR DELETE ON invoices FOR EACH ROW EXECUTE FUNCTION invoices_immutable()');
  await knex.raw(`CREATE FUNCTION invoice_lines_immutable() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF (TG_OP <> 'INSERT' AND (SELECT status FROM invoices WHERE id = OLD.invoice_id) <> 'draft')
        OR (TG_OP <> 'DELETE' AND (SELECT status FROM invoices WHERE id = NEW.invoice_id) <> 'draft') THEN
        RAISE EXCEPTION '${MESSAGE}' USING ERRCODE = 'insufficient_privilege';
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END
    $fn$`);
  await knex.raw(`CREATE TRIGGER invoice_lines_immutable BEFORE INSERT OR UPDATE OR DELETE ON invoice_lines
    FOR EACH ROW EXECUTE FUNCTION invoice_lines_immutable()`);
}

export async function up(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'sqlite3') await upSqlite(knex);
  else await upPg(knex);
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'sqlite3') {
    for (const t of ['invoices_final_no_update', 'invoices_final_no_delete', 'invoice_lines_final_no_insert', 'invoice_lines_final_no_update',
      'invoice_lines_final_no_delete']) await knex.raw(`DROP TRIGGER IF EXISTS ${t}`);
    return;
  }
  await knex.raw('DROP TRIGGER IF EXISTS invoices_immutable ON invoices');
  await knex.raw('DROP FUNCTION IF EXISTS invoices_immutable()');
  await knex.raw('DROP TRIGGER IF EXISTS invoice_lines_immutable ON invoice_lines');
  await knex.raw('DROP FUNCTION IF EXISTS invoice_lines_immutable()');
}
