/**
 * Flash messages for post/redirect/get: a controller calls `flash(req, …)`
 * before redirecting; `src/http/locals.ts` hands them to the next page and
 * clears them. `key` is an i18n key, translated when shown.
 */
import type { Request } from 'express';

export type FlashType = 'success' | 'error' | 'info';

export function flash(req: Request, type: FlashType, key: string, params?: Record<string, string | number>): void {
  const list = req.session.flash ?? [];
  list.push(params ? { type, key, params } : { type, key });
  req.session.flash = list;
}
