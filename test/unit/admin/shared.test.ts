/** The admin list helpers: query parsing never fails. */
import { expect } from 'chai';
import { likePattern, parseListQuery, queryString } from '../../../src/admin/shared.js';

describe('admin list helpers', () => {
  it('falls back to defaults on bad query values', () => {
    const q = parseListQuery(
      { page: '-3', sort: 'password_hash', dir: 'sideways', from: '2026-13-45', q: ['a', 'b'], state: { x: 1 } },
      ['created_at', 'email'], ['state'],
    );
    expect(q).to.include({ page: 1, sort: 'created_at', dir: 'desc', q: '', from: null, toExclusive: null, csv: false, offset: 0 });
    expect(q.params).to.deep.equal({ dir: 'desc' });
  });

  it('keeps allowed filters and dates, and the day after `to` as the exclusive end', () => {
    const q = parseListQuery(
      { page: '3', sort: 'email', dir: 'asc', from: '2026-11-01', to: '2026-11-22', state: 'active', format: 'csv' },
      ['created_at', 'email'], ['state'],
    );
    expect(q).to.include({ page: 3, offset: 100, sort: 'email', dir: 'asc', csv: true });
    expect(q.toExclusive?.toISOString()).to.equal('2026-11-23T00:00:00.000Z');
    expect(queryString(q.params, { page: 4 })).to.equal('?sort=email&dir=asc&from=2026-11-01&to=2026-11-22&state=active&page=4');
  });

  it('drops control characters from search text and filters (PostgreSQL refuses a NUL in a text parameter)', () => {
    const q = parseListQuery({ q: ' a\u0000b\tc\u007f ', state: '\u0000', ip: '10.0.0.1\r\n' }, ['id'], ['state', 'ip']);
    expect(q.q).to.equal('abc');
    expect(q.params).to.deep.equal({ q: 'abc', ip: '10.0.0.1' });
  });

  it('escapes LIKE wildcards', () => {
    expect(likePattern('50%_A\\b')).to.equal('%50\\%\\_a\\\\b%');
  });

  it('ignores dates outside 2000–2100 and days that do not exist (PostgreSQL refuses year 0 and 10000)', () => {
    for (const day of ['0000-01-01', '10000-01-01', '1999-12-31', '2101-01-01', '2026-02-30']) {
      const q = parseListQuery({ from: day, to: day });
      expect(q.from, day).to.equal(null);
      expect(q.toExclusive, day).to.equal(null);
    }
    expect(parseListQuery({ from: '2000-01-01', to: '2100-12-31' }).toExclusive?.toISOString()).to.equal('2101-01-01T00:00:00.000Z');
  });
});
