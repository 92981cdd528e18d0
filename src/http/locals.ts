/**
 * The only place that sets `res.locals` (DESIGN.md convention 8): what every
 * template may use.
 *
 * - `t(key, params)`, `locale` ('fr'|'en'), `otherLocale`, `langUrl(lng)`:
 *   translation and the FR/EN switch (`?lang=` on this page's canonical URL:
 *   for a page answering a POST, the page of its form; src/http/canonical-url.ts).
 * - `csrfToken()`: the session's CSRF token; called only by forms, so pages
 *   without a form create no session.
 * - `takeFlashes()`: the messages left for this visitor, cleared as they are
 *   read; called by the layout, so a request that only redirects keeps them
 *   for the page that follows.
 * - `path`: the current path, for the active navigation link.
 * - `formatDate(d)`, `formatDateTime(d)`, `formatTimestamp(d)` (to the second,
 *   for logs): a date in the page language, in the display time zone
 *   (DISPLAY_TIMEZONE, the app setting `display timezone`), no zone suffix;
 *   `formatNumber(n)`: a count with the language's separators (1 000 000 in
 *   French, with narrow no-break spaces); `formatBytes(n)`: a size.
 * - `account`: the logged-in account or null; `unreadNotifications`: how many
 *   of its notifications are unread (the header's link), null when no one is
 *   logged in or the count is not known (an error page).
 * - `maintenance`: the maintenance switch on a staff page while it is on (the
 *   header's banner), else null.
 */
import type { NextFunction, Request, Response } from 'express';
import { languageUrl } from './canonical-url.js';
import type { Csrf } from './csrf.js';

export interface Flash {
  type: 'success' | 'error' | 'info';
  text: string;
}

/** The app setting holding the IANA zone pages show times in (app.ts sets it from DISPLAY_TIMEZONE). */
export const DISPLAY_TIMEZONE_SETTING = 'display timezone';
const DEFAULT_TIMEZONE = 'Europe/Paris';
const INTL_LOCALES = { fr: 'fr-FR', en: 'en-GB' } as const;

/** Formatters of one language in one time zone (built once: a DateTimeFormat costs more than a page's formatting). */
interface Formatters {
  date: Intl.DateTimeFormat;
  dateTime: Intl.DateTimeFormat;
  timestamp: Intl.DateTimeFormat;
  number: Intl.NumberFormat;
}
const formatters = new Map<string, Formatters>();

/** The formatters of `locale` in `timeZone` (an IANA name the config has checked). */
export function formattersFor(locale: 'fr' | 'en', timeZone: string): Formatters {
  const key = `${locale}|${timeZone}`;
  let f = formatters.get(key);
  if (!f) {
    const tag = INTL_LOCALES[locale];
    f = {
      date: new Intl.DateTimeFormat(tag, { dateStyle: 'long', timeZone }),
      dateTime: new Intl.DateTimeFormat(tag, { dateStyle: 'medium', timeStyle: 'short', timeZone }),
      timestamp: new Intl.DateTimeFormat(tag, { dateStyle: 'short', timeStyle: 'medium', timeZone }),
      number: new Intl.NumberFormat(tag, { maximumFractionDigits: 2 }),
    };
    formatters.set(key, f);
  }
  return f;
}

/** Size in bytes as the visitor reads it: "1,2 Mo" / "1.2 MB". */
export function formatBytes(bytes: number, locale: 'fr' | 'en'): string {
  const units = locale === 'fr' ? ['o', 'Ko', 'Mo', 'Go'] : ['B', 'KB', 'MB', 'GB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i += 1; }
  const n = new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { maximumFractionDigits: i === 0 ? 0 : 1 }).format(v);
  return `${n} ${units[i]}`;
}

function baseLocals(req: Request, res: Response): void {
  const locale = req.locale;
  const f = formattersFor(locale, (req.app.get(DISPLAY_TIMEZONE_SETTING) as string | undefined) ?? DEFAULT_TIMEZONE);
  Object.assign(res.locals, {
    t: req.t,
    locale,
    otherLocale: locale === 'fr' ? 'en' : 'fr',
    langUrl: (lng: string) => languageUrl(req, lng),
    path: req.path,
    productName: 'artisan_nd',
    formatDate: (d: Date) => f.date.format(d),
    formatDateTime: (d: Date) => f.dateTime.format(d),
    formatTimestamp: (d: Date) => f.timestamp.format(d),
    formatNumber: (n: number | string | null | undefined) => (n === null || n === undefined || n === '' ? '' : f.number.format(Number(n))),
    formatBytes: (n: number) => formatBytes(n, locale),
    takeFlashes: (): Flash[] => [],
    csrfToken: () => '',
    account: req.account ?? null,
    unreadNotifications: null,
    // The maintenance switch, set on requests of staff while it is on (src/ops/maintenance.middleware.ts): the banner.
    maintenance: req.maintenance ?? null,
  });
}

/** For the error handler: the locals a page needs, when the chain failed before `createLocals` ran. */
export function ensureLocals(req: Request, res: Response): void {
  if (!res.locals.t) baseLocals(req, res);
}

/** `unread(accountId)`: the header's count of unread notifications (one indexed COUNT per request of a logged-in account). */
export function createLocals(csrf: Csrf, unread?: (accountId: number) => Promise<number>) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    baseLocals(req, res);
    res.locals.takeFlashes = (): Flash[] => {
      const stored = req.session?.flash;
      if (!stored || stored.length === 0) return [];
      delete req.session.flash;
      return stored.map((f) => ({ type: f.type, text: req.t(f.key, f.params ?? {}) }));
    };
    res.locals.csrfToken = () => csrf.token(req);
    // Last: a caller that does not wait (stale-form.ts) has every other local at once.
    if (req.account && unread) res.locals.unreadNotifications = await unread(req.account.id);
    next();
  };
}
