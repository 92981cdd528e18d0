/**
 * SQLite only: read-only connections for the validate lookup.
 *
 * knex talks to SQLite through ONE connection (the single writer, see
 * src/platform/db.ts), so every query waits for the one before it; under 50
 * concurrent validations the lookups queued there and the CPU stayed half
 * idle. In WAL mode readers never wait for the writer
 * (https://www.sqlite.org/wal.html), so a few extra read-only connections,
 * each with its statement prepared once, run the lookups side by side on
 * libuv's thread pool. A reader sees every transaction committed before its
 * query starts: a revocation is visible to the next validation.
 */
import sqlite3 from 'sqlite3';

type Row = Record<string, unknown>;

interface Reader {
  db: sqlite3.Database;
  stmt: sqlite3.Statement;
}

export class SqliteReaders {
  private readonly readers: Reader[] = [];
  private next = 0;

  /**
   * Open `count` read-only connections to `filename` and prepare `sql` on each
   * (busy_timeout 5000 ms, query_only).
   */
  constructor(filename: string, private readonly sql: string, count = 2) {
    for (let i = 0; i < count; i++) {
      const db = new sqlite3.Database(filename, sqlite3.OPEN_READONLY);
      db.configure('busyTimeout', 5000);
      db.run('PRAGMA query_only = ON');
      this.readers.push({ db, stmt: db.prepare(sql) });
    }
  }

  /**
   * The first row of the prepared statement for `params`, or undefined; rejects on a database error.
   *
   * Run with `all`, not `get`: node-sqlite3's `all` steps the statement to
   * SQLITE_DONE on the thread pool, which ends its read transaction there
   * (autocommit), so no snapshot pins the WAL and no second trip (`reset`)
   * is needed. The statement is a unique-key lookup with `limit 1`: at most
   * one row is read.
   */
  get(params: unknown[]): Promise<Row | undefined> {
    if (!this.readers.length) return Promise.reject(new Error('SQLite lookup connections are closed'));
    const reader = this.readers[this.next % this.readers.length]!;
    this.next = (this.next + 1) % this.readers.length;
    return new Promise((resolve, reject) => {
      reader.stmt.all(params, (err: Error | null, rows: Row[] | undefined) => {
        if (err) reject(err);
        else resolve(rows?.[0]);
      });
    });
  }

  /** Finalize the statements and close the connections. */
  async close(): Promise<void> {
    await Promise.all(this.readers.splice(0).map((r) => new Promise<void>((resolve) => {
      r.stmt.finalize(() => r.db.close(() => resolve()));
    })));
  }
}
