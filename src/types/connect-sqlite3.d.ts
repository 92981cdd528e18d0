// Local declaration: @types/connect-sqlite3 is stale (typed for express-session 1.15's Store).
declare module 'connect-sqlite3' {
  import type session from 'express-session';
  interface SQLiteStoreOptions {
    table?: string;
    db?: string;
    dir?: string;
    createDirIfNotExists?: boolean;
    concurrentDb?: boolean | string;
  }
  type SQLiteStoreClass = new (options?: SQLiteStoreOptions) => session.Store & { db: { close(cb?: (err: Error | null) => void): void } };
  function connectSqlite3(s: typeof session): SQLiteStoreClass;
  export default connectSqlite3;
}
