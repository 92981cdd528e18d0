/**
 * SQLite only: read-only connections for the validate lookup.
 *
 * knex talks to SQLite through ONE connection (the single writer, see
 * src/platform/db.ts), so every query waits for the one before it; under 50
 * concurrent validations the lookups queued there and the CPU stayed half
 * idle. In WAL mode readers never wait for the writer
 * (https://www.sqlite.org/wal.html), so a few extra read-only connections
 * (statements prepared once per batch size) run the lookups beside it on
 * libuv's thread pool, batched per event-loop turn (get). A reader sees every transaction committed before its
 * query starts: a revocation is visible to the next validation.
 */
import sqlite3 from 'sqlite3';
import { TurnBatch } from '../platform/turn-batch.js';

type Row = Record<string, unknown>;

/** Most keys in one query (SQLite allows 32,766 parameters; a turn rarely holds more than the connections). */
export const MAX_BATCH = 64;

interface Reader {
  db: sqlite3.Database;
  /** Statements by number of keys (1..MAX_BATCH), prepared on first use; a failed preparation is dropped (tried again next time). */
  statements: Map<number, Promise<sqlite3.Statement>>;
}

interface Lookup {
  key: string;
  resolve(row: Row | undefined): void;
  reject(err: unknown): void;
}

/** What the readers look up: the statement for `n` keys, and the key of a row it returns. */
export interface KeyedQuery {
  /** SQL selecting the rows whose key is one of `n` parameters (`... where key in (?, ..., ?)`). */
  sqlFor(n: number): string;
  keyOf(row: Row): string;
}

export class SqliteReaders {
  private readonly readers: Reader[] = [];
  private next = 0;
  /** The lookups of this turn, sent as queries of up to MAX_BATCH keys at its end. */
  private readonly batch = new TurnBatch<Lookup>((lookups) => {
    for (let i = 0; i < lookups.length; i += MAX_BATCH) this.run(lookups.slice(i, i + MAX_BATCH));
  });

  /**
   * Open `count` read-only connections to `filename` (busy_timeout 5000 ms,
   * query_only) for `query`.
   */
  constructor(filename: string, private readonly query: KeyedQuery, count = 2) {
    for (let i = 0; i < count; i++) {
      const db = new sqlite3.Database(filename, sqlite3.OPEN_READONLY);
      db.configure('busyTimeout', 5000);
      db.run('PRAGMA query_only = ON');
      this.readers.push({ db, statements: new Map() });
    }
  }

  /**
   * The row whose key is `key`, or undefined; rejects on a database error.
   *
   * The lookups asked during one turn of the event loop go as ONE query
   * (`in (...)`, up to MAX_BATCH keys) at the end of the turn (setImmediate):
   * one trip to libuv's thread pool and back for the batch instead of one
   * per request (each trip is a thread wake-up and a completion, system
   * calls the main thread pays for on every trip, and node-sqlite3 runs one call per
   * statement at a time, the next one only after the main thread has seen
   * the previous one's result).
   *
   * Run with `all`, which steps each statement to SQLITE_DONE on the thread
   * pool: that ends its read transaction there (autocommit), so no snapshot
   * pins the WAL and no `reset` is needed.
   */
  get(key: string): Promise<Row | undefined> {
    if (!this.readers.length) return Promise.reject(new Error('SQLite lookup connections are closed'));
    return new Promise((resolve, reject) => {
      this.batch.push({ key, resolve, reject });
    });
  }

  private run(lookups: Lookup[]): void {
    const reader = this.readers[this.next % this.readers.length];
    if (!reader) {
      for (const l of lookups) l.reject(new Error('SQLite lookup connections are closed'));
      return;
    }
    this.next = (this.next + 1) % this.readers.length;
    const keys = [...new Set(lookups.map((l) => l.key))];
    this.prepared(reader, keys.length).then((stmt) => {
      stmt.all(keys, (err: Error | null, rows: Row[] | undefined) => {
        if (err) {
          for (const l of lookups) l.reject(err);
          return;
        }
        const byKey = new Map<string, Row>();
        for (const row of rows ?? []) byKey.set(this.query.keyOf(row), row);
        for (const l of lookups) l.resolve(byKey.get(l.key));
      });
    }, (err: unknown) => {
      for (const l of lookups) l.reject(err);
    });
  }

  /** `reader`'s statement for `n` keys. */
  private prepared(reader: Reader, n: number): Promise<sqlite3.Statement> {
    let stmt = reader.statements.get(n);
    if (!stmt) {
      stmt = new Promise((resolve, reject) => {
        const prepared = reader.db.prepare(this.query.sqlFor(n), (err: Error | null) => {
          if (err) {
            reader.statements.delete(n);
            reject(err);
          } else resolve(prepared);
        });
      });
      reader.statements.set(n, stmt);
    }
    return stmt;
  }

  /** Finalize the statements and close the connections (lookups already sent still finish first). */
  async close(): Promise<void> {
    await Promise.all(this.readers.splice(0).map(async (r) => {
      const statements = await Promise.allSettled(r.statements.values());
      await Promise.all(statements.map((p) => (p.status === 'fulfilled' ? new Promise<void>((resolve) => { p.value.finalize(() => resolve()); }) : undefined)));
      await new Promise<void>((resolve) => { r.db.close(() => resolve()); });
    }));
  }
}
