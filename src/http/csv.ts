/**
 * The one CSV writer of the app (every export: admin lists, audit log,
 * partner history).
 *
 * - UTF-8 with a byte order mark, so spreadsheets (Excel in particular)
 *   read accents right;
 * - a header row; dates as ISO 8601 UTC (`2026-11-22T10:00:00.000Z`);
 * - text a spreadsheet would run as a formula (a cell starting with `=`,
 *   `+`, `-`, `@`, tab or CR) gets a leading `'` (csv-stringify's
 *   `escape_formulas`; OWASP "CSV Injection");
 * - separator `,` or `;`: `?sep=semicolon` or `?sep=comma` chooses, and the
 *   default follows the interface language (`;` in French, as French
 *   spreadsheets expect, since `,` is their decimal separator).
 */
import type { Request, Response } from 'express';
import { stringify, type Stringifier } from 'csv-stringify';
import { stringify as stringifySync } from 'csv-stringify/sync';

export type CsvSeparator = ',' | ';';

const BOM = '\uFEFF';

/** The separator a request asks for (`sep=semicolon|comma`), else the language's default. */
export function csvSeparator(req: Request): CsvSeparator {
  const sep = req.query.sep;
  if (sep === 'semicolon') return ';';
  if (sep === 'comma') return ',';
  return req.locale === 'fr' ? ';' : ',';
}

function cell(v: unknown): unknown {
  return v instanceof Date ? v.toISOString() : v;
}

function options(columns: string[], separator: CsvSeparator) {
  return { header: true, columns, escape_formulas: true, delimiter: separator, bom: false } as const;
}

/** The CSV text (with its BOM) of `rows`, arrays in `columns` order. */
export function csvText(columns: string[], rows: unknown[][], separator: CsvSeparator = ','): string {
  return BOM + stringifySync(rows.map((r) => r.map(cell)), options(columns, separator));
}

function csvHeaders(res: Response, filename: string): void {
  res.attachment(filename).type('text/csv; charset=utf-8').setHeader('Cache-Control', 'private, no-store');
}

/** Answer a CSV file of `rows` (separator chosen by csvSeparator). */
export function sendCsv(req: Request, res: Response, filename: string, columns: string[], rows: unknown[][]): void {
  csvHeaders(res, filename);
  res.send(csvText(columns, rows, csvSeparator(req)));
}

/** Stream a CSV file batch by batch (large exports), waiting for the socket to drain. */
export async function streamCsv(req: Request, res: Response, filename: string, columns: string[], batches: AsyncIterable<unknown[][]>): Promise<void> {
  csvHeaders(res, filename);
  res.write(BOM);
  const csv: Stringifier = stringify(options(columns, csvSeparator(req)));
  csv.pipe(res);
  for await (const rows of batches) {
    for (const r of rows) {
      if (!csv.write(r.map(cell))) await new Promise((resolve) => csv.once('drain', resolve));
    }
  }
  csv.end();
}
