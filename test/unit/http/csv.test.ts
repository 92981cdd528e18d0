/** The one CSV writer: a BOM, formulas defused, dates in ISO 8601 UTC, the separator of the interface language. */
import { expect } from 'chai';
import type { Request } from 'express';
import { csvSeparator, csvText } from '../../../src/http/csv.js';

const req = (locale: string, sep?: string) => ({ locale, query: sep ? { sep } : {} }) as unknown as Request;

describe('http/csv', () => {
  it('starts with a UTF-8 BOM, defuses spreadsheet formulas and writes dates as ISO 8601', () => {
    const text = csvText(['a', 'b'], [['=HYPERLINK("http://x")', '@SUM(A1)'], ['+33 1 23 45 67 89', new Date('2026-11-22T10:00:00Z')], [-5, 'plain']]);
    expect(text.startsWith('\uFEFF')).to.equal(true);
    expect(text.slice(1).split('\n')).to.deep.equal(['a,b', '"\'=HYPERLINK(""http://x"")",\'@SUM(A1)', "'+33 1 23 45 67 89,2026-11-22T10:00:00.000Z", '-5,plain', '']);
  });

  it('separates with ; for French spreadsheets and quotes cells holding one', () => {
    const text = csvText(['label', 'units'], [['Dupont; fils', 3]], ';');
    expect(text.slice(1).split('\n')).to.deep.equal(['label;units', '"Dupont; fils";3', '']);
  });

  it('chooses ; by default in French, , in English, and follows ?sep=semicolon|comma', () => {
    expect(csvSeparator(req('fr'))).to.equal(';');
    expect(csvSeparator(req('en'))).to.equal(',');
    expect(csvSeparator(req('en', 'semicolon'))).to.equal(';');
    expect(csvSeparator(req('fr', 'comma'))).to.equal(',');
    expect(csvSeparator(req('fr', 'tab'))).to.equal(';');
  });
});
