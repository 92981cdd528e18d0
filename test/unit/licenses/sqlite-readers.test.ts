import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import sqlite3 from 'sqlite3';
import { MAX_BATCH, SqliteReaders, type KeyedQuery } from '../../../src/licenses/sqlite-readers.js';

/** Rows of t by k, counting the queries sent. */
function keyed(table = 't'): KeyedQuery & { queries: number[] } {
  const queries: number[] = [];
  return {
    queries,
    sqlFor: (n) => `select k, v from ${table} where k in (${new Array(n).fill('?').join(', ')})`,
    keyOf: (row) => String(row.k),
  };
}

describe('licenses: SqliteReaders', () => {
  let dir: string;
  let file: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'artisan-readers-'));
    file = path.join(dir, 'r.sqlite');
    const db = new sqlite3.Database(file);
    await new Promise<void>((resolve, reject) => db.exec(
      "PRAGMA journal_mode=WAL; CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT); INSERT INTO t VALUES ('1', 'one'); " +
        "INSERT INTO t SELECT 'k' || value, 'v' || value FROM json_each('[' || " +
        '(WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 199) SELECT group_concat(i) FROM n) || \']\');',
      (err) => (err ? reject(err) : resolve()),
    ));
    await new Promise<void>((resolve) => db.close(() => resolve()));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Run `sql` on a writable connection of its own. */
  async function exec(sql: string): Promise<void> {
    const db = new sqlite3.Database(file);
    await new Promise<void>((resolve, reject) => db.exec(sql, (err) => (err ? reject(err) : resolve())));
    await new Promise<void>((resolve) => db.close(() => resolve()));
  }

  it('answers rows, and closing while lookups run neither crashes nor hangs; later lookups reject', async () => {
    for (let round = 0; round < 10; round++) {
      const readers = new SqliteReaders(file, keyed());
      expect(await readers.get('1')).to.deep.equal({ k: '1', v: 'one' });
      const running = ['1', '1', '2', '1'].map((k) => readers.get(k).then((row) => row ?? null, () => 'closed'));
      await readers.close();
      const answers = await Promise.all(running);
      expect(answers.every((a) => a === 'closed' || a === null || (a as { v: string }).v === 'one'), JSON.stringify(answers)).to.equal(true);
      let refused = false;
      await readers.get('1').catch(() => { refused = true; });
      expect(refused).to.equal(true);
    }
  });

  it('answers the lookups of one turn together, each with its own row (duplicates, missing keys, more than a batch)', async () => {
    const query = keyed();
    const sqlFor = query.sqlFor;
    query.sqlFor = (n) => { query.queries.push(n); return sqlFor(n); };
    const readers = new SqliteReaders(file, query, 1);
    try {
      const keys = ['1', 'k5', 'missing', 'k5', ...Array.from({ length: MAX_BATCH + 10 }, (_, i) => `k${100 + i}`)];
      const rows = await Promise.all(keys.map((k) => readers.get(k)));
      expect(rows.slice(0, 4)).to.deep.equal([{ k: '1', v: 'one' }, { k: 'k5', v: 'v5' }, undefined, { k: 'k5', v: 'v5' }]);
      expect(rows.slice(4).map((r) => r?.v)).to.deep.equal(Array.from({ length: MAX_BATCH + 10 }, (_, i) => `v${100 + i}`));
      expect(query.queries, 'statements prepared: one per batch size').to.deep.equal([MAX_BATCH - 1, 14]);
      expect((await readers.get('k7'))?.v).to.equal('v7');
    } finally {
      await readers.close();
    }
  });

  it('rejects every lookup of a batch whose query fails, and prepares the statement again next time', async () => {
    const readers = new SqliteReaders(file, keyed('later'), 1);
    try {
      const answers = await Promise.all(['1', 'k1'].map((k) => readers.get(k).then(() => 'row', (err: Error) => err.message)));
      expect(answers.every((a) => /no such table/.test(a)), JSON.stringify(answers)).to.equal(true);
      await exec("CREATE TABLE later (k TEXT PRIMARY KEY, v TEXT); INSERT INTO later VALUES ('1', 'now');");
      const again = await Promise.all(['1', 'k1'].map((k) => readers.get(k)));
      expect(again).to.deep.equal([{ k: '1', v: 'now' }, undefined]);
    } finally {
      await readers.close();
    }
  });

  it('lets the lookups already sent finish when closed, and refuses the ones still queued', async () => {
    const readers = new SqliteReaders(file, keyed(), 2);
    const sent = ['1', 'k3', 'k4'].map((k) => readers.get(k));
    await new Promise((resolve) => setImmediate(resolve)); // the batch leaves at the end of the turn
    const queued = readers.get('k5').then(() => 'row', () => 'refused');
    await readers.close();
    expect((await Promise.all(sent)).map((r) => r?.v)).to.deep.equal(['one', 'v3', 'v4']);
    expect(await queued).to.equal('refused');
  });
});
