import type { Knex } from 'knex';

/**
 * Ledger rows written by the system say why in the reader's language:
 * `reason_code` names the sentence (`recharge`, `revocation`) and
 * `reason_params` holds its parameters as JSON; the pages render it through
 * the `ledger` locale namespace (src/recharge/ledger-text.ts). `reason` stays
 * as written (the audit trail's words); rows typed by staff or the CLI keep
 * their free text and no code.
 *
 * Existing rows are given their code by parsing the two English sentences
 * the recharge service wrote: a debit `recharge <code>… serial <n>` and a
 * credit `Revoked recharge <id>: <reason>`, both with the recharge id as
 * `reference` (staff rows have `adm:` references, CLI rows none, so a typed
 * reason that happens to look alike is left alone). Parsed here, in a loop,
 * because SQLite and PostgreSQL share no string-search function.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RECHARGE = /^recharge (.+)… serial (\d+)$/;
const REVOCATION = /^Revoked recharge ([^:]+): ([\s\S]*)$/;
const BATCH = 500;

interface Row { id: number; kind: string; reason: string; reference: string | null }

/** The code and parameters of a row the recharge service wrote, null for any other. */
function parse(row: Row): { reason_code: string; reason_params: string } | null {
  if (!row.reference || !UUID.test(row.reference)) return null;
  const debit = row.kind === 'debit' ? RECHARGE.exec(row.reason) : null;
  if (debit) return { reason_code: 'recharge', reason_params: JSON.stringify({ code: debit[1], serial: Number(debit[2]) }) };
  const credit = row.kind === 'credit' ? REVOCATION.exec(row.reason) : null;
  if (credit && credit[1] === row.reference) {
    return { reason_code: 'revocation', reason_params: JSON.stringify({ recharge: credit[1], reason: credit[2] }) };
  }
  return null;
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('ledger_entries', (t) => {
    t.string('reason_code', 40).nullable();
    t.text('reason_params').nullable();
  });
  for (let after = 0; ;) {
    const rows = (await knex('ledger_entries')
      .where('id', '>', after)
      .andWhere((q) => q.where({ kind: 'debit' }).andWhere('reason', 'like', 'recharge %')
        .orWhere((c) => c.where({ kind: 'credit' }).andWhere('reason', 'like', 'Revoked recharge %')))
      .orderBy('id').limit(BATCH)
      .select('id', 'kind', 'reason', 'reference')) as Row[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const coded = parse(row);
      if (coded) await knex('ledger_entries').where({ id: row.id }).update(coded);
    }
    after = Number(rows[rows.length - 1]!.id);
  }
}

export async function down(knex: Knex): Promise<void> {
  // Plain ALTER TABLE on both: knex would rebuild the SQLite table and lose what is attached to it.
  await knex.raw('ALTER TABLE ledger_entries DROP COLUMN reason_params');
  await knex.raw('ALTER TABLE ledger_entries DROP COLUMN reason_code');
}
