/** Reading the CSV files the app answers (src/http/csv.ts): the BOM checked and removed. */
import { expect } from 'chai';

/** The text of a CSV answer without its UTF-8 BOM; fails when the BOM is missing. */
export function csvBody(res: { text: string }): string {
  expect(res.text.startsWith('\uFEFF'), 'CSV starts with a UTF-8 BOM').to.equal(true);
  return res.text.slice(1);
}

/** The non-empty lines of a CSV answer (BOM checked). */
export function csvLines(res: { text: string }): string[] {
  return csvBody(res).trim().split('\n');
}

/** Parse CSV text (RFC 4180 quoting) with `sep` into records keyed by the header row. */
export function parseCsv(csv: string, sep = ','): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < csv.length; i++) {
    const c = csv[i]!;
    if (quoted) {
      if (c === '"' && csv[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === sep) { row.push(field); field = ''; } else if (c === '\n' || c === '\r') {
      if (c === '\r' && csv[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += c;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries(header!.map((h, j) => [h, r[j] ?? ''])));
}
