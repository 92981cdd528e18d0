/**
 * Mails to account owners, in the owner's language (fr or en), each as plain
 * text plus a simple HTML part rendered from views/mail/message.*.ejs. The
 * texts live in the locale files under `mail.<kind>`.
 *
 * Sending never happens inside a transaction; callers that must answer in
 * constant time (forgot password, registration) send without awaiting and
 * the failure is logged.
 */
import path from 'node:path';
import ejs from 'ejs';
import type { TFunction } from 'i18next';
import type { Logger } from 'pino';
import type { Locale } from '../http/i18n.js';
import type { Mailer } from '../platform/mailer.js';

export type MailKind = 'verify' | 'already_registered' | 'lockout' | 'reset' | 'password_changed';

/**
 * The mails whose link carries a one-time token: their in-app copy
 * (MailMessage.notice) leads to the login page instead.
 */
const TOKEN_LINKS: ReadonlySet<MailKind> = new Set(['verify', 'reset']);

export interface AccountMailsDeps {
  mailer: Mailer;
  t: Record<Locale, TFunction>;
  viewsDir: string;
  baseUrl: string;
  logger: Logger;
}

export class AccountMails {
  constructor(private readonly deps: AccountMailsDeps) {}

  /**
   * Send mail `kind` to `to` in `locale`. `link` is a path (joined to
   * BASE_URL) for the call to action; `params` fill the texts.
   * @throws what the mailer throws.
   */
  async send(kind: MailKind, to: string, locale: Locale, link: string | null, params: Record<string, string | number> = {}): Promise<void> {
    const t = this.deps.t[locale];
    const k = (key: string) => t(`mail.${kind}.${key}`, { ...params, site: this.deps.baseUrl }) as string;
    const data = {
      locale,
      subject: k('subject'),
      greeting: t('mail.greeting'),
      paragraphs: t(`mail.${kind}.paragraphs`, { ...params, site: this.deps.baseUrl, returnObjects: true }) as unknown as string[],
      action: link ? { label: k('action'), url: this.deps.baseUrl + link } : null,
      note: t(`mail.${kind}.note`, { ...params, defaultValue: '' }) as string,
      signature: t('mail.signature'),
    };
    const dir = path.join(this.deps.viewsDir, 'mail');
    const [text, html] = await Promise.all([
      ejs.renderFile(path.join(dir, 'message.text.ejs'), data),
      ejs.renderFile(path.join(dir, 'message.html.ejs'), data),
    ]);
    const notice = { kind: 'account', body: data.paragraphs[0] ?? '', link: TOKEN_LINKS.has(kind) ? '/subscription/login' : link };
    await this.deps.mailer.send({ to, subject: data.subject, text, html, notice });
  }

  /** Send without waiting; a failure is logged, never thrown. */
  sendLater(kind: MailKind, to: string, locale: Locale, link: string | null, params: Record<string, string | number> = {}): void {
    this.send(kind, to, locale, link, params).catch((err: unknown) => this.deps.logger.error({ err, kind }, 'account mail not sent'));
  }
}
