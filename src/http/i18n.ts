/**
 * Languages: i18next with the LanguageDetector of i18next-http-middleware.
 *
 * Order: `?lang=` (then remembered in the `lang` cookie for a year),
 * the `lang` cookie, the Accept-Language header, then DEFAULT_LOCALE.
 * Once logged in (`accountLocale`, after the account loader): `?lang=`
 * (remembered in the session), else the language the account saved.
 * Translations live in src/locales/<lng>/<namespace>.json; `common` is the
 * default namespace. Each request gets the per-language fixed `t` (no
 * per-request clone of the i18next instance: that clone costs more than the
 * rest of a cached page).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NextFunction, Request, Response } from 'express';
import i18next, { type Resource, type TFunction, type i18n } from 'i18next';
import { LanguageDetector } from 'i18next-http-middleware';

export const LOCALES = ['fr', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
/**
 * Namespaces: every `<name>.json` of src/locales/fr (the same set must exist
 * in every locale; a test checks it). `common` and `site` are the public
 * site's; each admin area has its own file (`admin`, `admin-partners`, …),
 * used as `t('admin-partners:list.title')`.
 */
export const NAMESPACES: readonly string[] = fs.readdirSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'locales', 'fr'))
  .filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();

const LOCALES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'locales');
const LANG_COOKIE = 'lang';
const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

declare module 'express-session' {
  interface SessionData {
    /** The language chosen with ?lang= while logged in: it overrides the account's saved one for this session. */
    lang?: Locale;
  }
}

declare module 'express-serve-static-core' {
  interface Request {
    /** The resolved page language. */
    locale: Locale;
    /** Translate into the page language. */
    t: TFunction;
  }
}

export function isLocale(v: unknown): v is Locale {
  return typeof v === 'string' && (LOCALES as readonly string[]).includes(v);
}

function loadResources(): Resource {
  const resources: Resource = {};
  for (const lng of LOCALES) {
    resources[lng] = {};
    for (const ns of NAMESPACES) {
      const file = path.join(LOCALES_DIR, lng, `${ns}.json`);
      resources[lng][ns] = JSON.parse(fs.readFileSync(file, 'utf8')) as Resource[string][string];
    }
  }
  return resources;
}

/** A ready i18next instance (synchronous init) and the language middleware using it. */
export interface I18n {
  instance: i18n;
  /** Fixed `t` per locale. */
  t: Record<Locale, TFunction>;
  middleware: (req: Request, res: Response, next: NextFunction) => void;
  /** After the account loader: a logged-in account's pages follow `?lang=` for the session, else its saved language. */
  accountLocale: (req: Request, res: Response, next: NextFunction) => void;
}

/** Build the i18n instance and middleware; `secureCookie` marks the lang cookie Secure. */
export function createI18n(defaultLocale: Locale, secureCookie: boolean): I18n {
  const instance = i18next.createInstance();
  const detector = new LanguageDetector(null, {
    order: ['querystring', 'cookie', 'header'],
    lookupQuerystring: 'lang',
    lookupCookie: LANG_COOKIE,
    caches: false,
  });
  instance.use(detector).init({
    resources: loadResources(),
    ns: [...NAMESPACES],
    defaultNS: 'common',
    supportedLngs: [...LOCALES],
    nonExplicitSupportedLngs: true,
    load: 'languageOnly',
    fallbackLng: defaultLocale,
    initAsync: false,
    interpolation: { escapeValue: false }, // EJS escapes on output (<%= %>)
    returnNull: false,
  });
  const t = { fr: instance.getFixedT('fr'), en: instance.getFixedT('en') };
  const detect = (req: Request, res: Response): Locale => {
    const detected = detector.detect(req, res, ['querystring', 'cookie', 'header']) as string | string[] | undefined;
    const first = (Array.isArray(detected) ? detected[0] : detected)?.slice(0, 2).toLowerCase();
    return isLocale(first) ? first : defaultLocale;
  };
  // Visitors without ?lang and without the lang cookie are told apart by
  // Accept-Language alone: remember the answer per header value (bounded).
  const byHeader = new Map<string, Locale>();
  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    let locale: Locale;
    if (!req.url.includes('?') && !req.headers.cookie?.includes(`${LANG_COOKIE}=`)) {
      const header = req.headers['accept-language'] ?? '';
      locale = byHeader.get(header) ?? detect(req, res);
      if (byHeader.size < 512) byHeader.set(header, locale);
    } else {
      locale = detect(req, res);
    }
    req.locale = locale;
    req.t = t[locale];
    const asked = req.query.lang;
    if (isLocale(asked)) {
      res.cookie(LANG_COOKIE, asked, { maxAge: ONE_YEAR_MS, sameSite: 'lax', httpOnly: true, secure: secureCookie, path: '/' });
    }
    next();
  };
  const accountLocale = (req: Request, _res: Response, next: NextFunction): void => {
    if (!req.account) return next();
    const asked = req.query.lang;
    if (isLocale(asked) && req.session.lang !== asked) req.session.lang = asked;
    const locale = isLocale(asked) ? asked : req.session.lang ?? req.account.locale;
    req.locale = locale;
    req.t = t[locale];
    next();
  };
  return { instance, t, middleware, accountLocale };
}
