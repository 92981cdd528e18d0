/**
 * A browser's User-Agent header as a person reads it: "Firefox 128 on
 * Ubuntu", "Chrome 126 on Windows 10". Parsed by ua-parser-js (v1, MIT);
 * browser versions are cut to their major number (the rest is noise to a
 * reader). A header naming neither browser nor system (a script: curl/8.5.0)
 * is shown as sent, cut to 60 characters.
 */
import type { TFunction } from 'i18next';
import { UAParser } from 'ua-parser-js';

/** The browser and system in a User-Agent header, each null when not recognised. */
export function parseUserAgent(ua: string): { browser: string | null; os: string | null } {
  const r = new UAParser(ua).getResult();
  const browser = r.browser.name ? [r.browser.name, r.browser.major].filter(Boolean).join(' ') : null;
  const os = r.os.name ? [r.os.name, r.os.version].filter(Boolean).join(' ') : null;
  return { browser, os };
}

/** `ua` as a short text in the language of `t` (keys accounts.account.agent_*). */
export function describeUserAgent(ua: string, t: TFunction): string {
  const { browser, os } = parseUserAgent(ua);
  if (!browser && !os) return ua.trim() ? ua.trim().slice(0, 60) : t('accounts.account.agent_unknown');
  if (!os) return browser!;
  return t('accounts.account.agent_on', { browser: browser ?? t('accounts.account.agent_unknown_browser'), os });
}
