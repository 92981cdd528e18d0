/**
 * Confirmations waiting in the partner's session, keyed by their one-time
 * confirmation id (which becomes the recharge's id). The form's POST stores
 * what was typed here and redirects to GET /subscription/recharge/confirm/<id>
 * (post/redirect/get): the page, the "Modifier" link and the final POST all
 * read these values, so Back never re-posts the form. At most MAX_PENDING are
 * kept per session (the oldest dropped first).
 */
import type { Request } from 'express';

/** What the partner typed, checked by the schema; `fromFile` when the code came from a request file. */
export interface PendingRecharge {
  code: string;
  customer: string;
  units: number;
  expiresInDays: number;
  fromFile: boolean;
}

declare module 'express-session' {
  interface SessionData {
    /** Recharge confirmations not yet confirmed, by confirmation id (src/recharge/pending.ts). */
    rechargePending?: Record<string, PendingRecharge>;
  }
}

export const MAX_PENDING = 30;

/** Keep a confirmation (insertion order: the oldest beyond MAX_PENDING goes). */
export function keepPending(req: Request, id: string, pending: PendingRecharge): void {
  const all = { ...(req.session.rechargePending ?? {}), [id]: pending };
  const ids = Object.keys(all);
  for (const old of ids.slice(0, Math.max(0, ids.length - MAX_PENDING))) delete all[old];
  req.session.rechargePending = all;
}

/** The confirmation waiting under `id` in this session, or null. */
export function pendingOf(req: Request, id: string): PendingRecharge | null {
  const all = req.session.rechargePending;
  return all && Object.hasOwn(all, id) ? all[id]! : null;
}

/** Forget a confirmation (it was used). */
export function dropPending(req: Request, id: string): void {
  const all = req.session.rechargePending;
  if (!all || !Object.hasOwn(all, id)) return;
  const rest = { ...all };
  delete rest[id];
  req.session.rechargePending = rest;
}
