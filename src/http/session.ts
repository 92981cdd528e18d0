/**
 * Sessions (express-session). Store: connect-sqlite3 in its own file
 * (`<DB_DIR>/sessions.sqlite`) on SQLite, connect-pg-simple (table `session`,
 * created by a migration) on PostgreSQL.
 *
 * Cookie: HttpOnly, SameSite=Lax, and `Secure` with the `__Host-` prefix when
 * BASE_URL is https (OWASP Session Management Cheat Sheet). No session is
 * created until something is stored in it (`saveUninitialized: false`), so
 * anonymous visitors of plain pages get no cookie and cached pages.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type connectPgSimpleType from 'connect-pg-simple';
import connectSqlite3 from 'connect-sqlite3';
import type { RequestHandler } from 'express';
import session from 'express-session';
import type pgType from 'pg';
import type { Config } from '../config/index.js';

// The PostgreSQL client (memory a SQLite install never uses) is loaded only when the database is PostgreSQL.
const requireLazily = createRequire(import.meta.url);

declare module 'express-session' {
  interface SessionData {
    flash?: { type: 'success' | 'error' | 'info'; key: string; params?: Record<string, string | number> }[];
    /** The logged-in account (see src/http/auth.ts). */
    accountId?: number;
    /** Login time, ms since the epoch (for the absolute timeout). */
    authAt?: number;
    /** The role at login: a session does not survive a role change. */
    role?: string;
    /** A login waiting for its second step (two-step login): the account, until when (ms), where to go after. */
    totpPending?: { accountId: number; until: number; next: string | null };
  }
}

/** The cookie name: `__Host-sid` over https, `sid` otherwise. */
export function sessionCookieName(config: Readonly<Config>): string {
  return config.secureCookies ? '__Host-sid' : 'sid';
}

export interface SessionSetup {
  middleware: RequestHandler;
  store: session.Store;
  close(): Promise<void>;
}

function createStore(config: Readonly<Config>): { store: session.Store; close(): Promise<void> } {
  const db = config.database;
  if (db.client === 'pg') {
    const connectPgSimple = requireLazily('connect-pg-simple') as typeof connectPgSimpleType;
    const pg = requireLazily('pg') as typeof pgType;
    const PgStore = connectPgSimple(session);
    const pool = new pg.Pool({ connectionString: db.url, max: 4 });
    const store = new PgStore({ pool, tableName: 'session', schemaName: db.schema, pruneSessionInterval: 15 * 60 });
    return { store, close: async () => { store.close(); await pool.end(); } };
  }
  const SQLiteStore = connectSqlite3(session);
  const store = new SQLiteStore({ db: 'sessions.sqlite', dir: path.dirname(db.filename), table: 'sessions', createDirIfNotExists: true });
  return { store, close: () => new Promise((resolve) => store.db.close(() => resolve())) };
}

/** Build the session middleware and its store. `secret` signs the cookie. */
export function createSession(config: Readonly<Config>, secret: string): SessionSetup {
  const { store, close } = createStore(config);
  const middleware = session({
    name: sessionCookieName(config),
    secret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.secureCookies,
      path: '/',
      maxAge: 8 * 3600 * 1000,
    },
  });
  return { middleware, store, close };
}

/** `req.session.regenerate` as a promise: a new session id, empty data (OWASP: renew the id at login). */
export function regenerateSession(req: import('express').Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err: unknown) => (err ? reject(err) : resolve())));
}

/** `req.session.save` as a promise (before a redirect that depends on it). */
export function saveSession(req: import('express').Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((err: unknown) => (err ? reject(err) : resolve())));
}

/** Destroy a stored session by id (used to end sessions server-side). */
export function storeDestroyer(store: session.Store): { destroy(sid: string): Promise<void> } {
  return { destroy: (sid) => new Promise((resolve, reject) => store.destroy(sid, (err?: unknown) => (err ? reject(err) : resolve()))) };
}

/**
 * Redirects wait for the session store: express-session sends the response
 * head before its save completes, so a browser following a 303 at once could
 * read the session before a flash message reached PostgreSQL. Only sessions
 * holding data are saved (as express-session itself would).
 */
export const saveBeforeRedirect: RequestHandler = (req, res, next) => {
  const redirect = res.redirect.bind(res) as (...args: unknown[]) => void;
  res.redirect = ((...args: unknown[]) => {
    const data = req.session ? Object.keys(req.session).filter((k) => k !== 'cookie') : [];
    if (data.length === 0) return redirect(...args);
    req.session.save(() => redirect(...args));
  }) as typeof res.redirect;
  next();
};
