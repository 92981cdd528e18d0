/**
 * The only place that sets `res.locals` (DESIGN.md convention 8): what every
 * template may use.
 *
 * - `t(key, params)`, `locale` ('fr'|'en'), `otherLocale`, `langUrl(lng)`:
 *   translation and the FR/EN switch (same page, `?lang=`).
 * - `csrfToken()`: the session's CSRF token; called only by forms, so pages
 *   without a form create no session.
 * - `takeFlashes()`: the messages left for this visitor, cleared as they are
 *   read; called by the layout, so a request that only redirects keeps them
 *   for the page that follows.
 * - `path`: the current path, for the active navigation link.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Csrf } from './csrf.js';

export interface Flash {
  type: 'success' | 'error' | 'info';
  text: string;
}

const dateFormats = {
  fr: new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'UTC' }),
  en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' }),
};
const dateTimeFormats = {
  fr: new Intl.DateTimeFormat('fr-FR', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }),
  en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }),
};

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
  Object.assign(res.locals, {
    t: req.t,
    locale,
    otherLocale: locale === 'fr' ? 'en' : 'fr',
    langUrl: (lng: string) => `${req.path}?lang=${lng}`,
    path: req.path,
    productName: 'artisan_nd',
    formatDate: (d: Date) => dateFormats[locale].format(d),
    formatDateTime: (d: Date) => `${dateTimeFormats[locale].format(d)} UTC`,
    formatBytes: (n: number) => formatBytes(n, locale),
    takeFlashes: (): Flash[] => [],
    csrfToken: () => '',
    account: req.account ?? null,
  });
}

/** For the error handler: the locals a page needs, when the chain failed before `createLocals` ran. */
export function ensureLocals(req: Request, res: Response): void {
  if (!res.locals.t) baseLocals(req, res);
}

export function createLocals(csrf: Csrf) {
  return (req: Request, res: Response, next: NextFunction): void => {
    baseLocals(req, res);
    res.locals.takeFlashes = (): Flash[] => {
      const stored = req.session?.flash;
      if (!stored || stored.length === 0) return [];
      delete req.session.flash;
      return stored.map((f) => ({ type: f.type, text: req.t(f.key, f.params ?? {}) }));
    };
    res.locals.csrfToken = () => csrf.token(req);
    next();
  };
}
