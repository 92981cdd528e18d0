import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import sqlite3 from 'sqlite3';
import { SqliteReaders } from '../../../src/licenses/sqlite-readers.js';

describe('licenses: SqliteReaders', () => {
  let dir: string;
  let file: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'artisan-readers-'));
    file = path.join(dir, 'r.sqlite');
    const db = new sqlite3.Database(file);
    await new Promise<void>((resolve, reject) => db.exec("PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'one');", (err) => (err ? reject(err) : resolve())));
    await new Promise<void>((resolve) => db.close(() => resolve()));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('answers rows, and closing while lookups run neither crashes nor hangs; later lookups reject', async () => {
    for (let round = 0; round < 10; round++) {
      const readers = new SqliteReaders(file, 'select v from t where id = ? limit 1');
      expect(await readers.get([1])).to.deep.equal({ v: 'one' });
      const running = [1, 1, 2, 1].map((id) => readers.get([id]).then((row) => row ?? null, () => 'closed'));
      await readers.close();
      const answers = await Promise.all(running);
      expect(answers.every((a) => a === 'closed' || a === null || (a as { v: string }).v === 'one'), JSON.stringify(answers)).to.equal(true);
      let refused = false;
      await readers.get([1]).catch(() => { refused = true; });
      expect(refused).to.equal(true);
    }
  });
});
