/**
 * The mail telling the other side of a ticket that a reply came, in the
 * recipient's language, with a link to the ticket (texts: `support:mail.*`,
 * layout: views/mail/message.*.ejs). The reply itself is not copied into
 * the mail: it may hold what only the ticket's page should show.
 */
import path from 'node:path';
import ejs from 'ejs';
import type { TFunction } from 'i18next';
import type { Logger } from 'pino';
import type { Mailer } from '../platform/mailer.js';

export type Locale = 'fr' | 'en';

export interface SupportMailsDeps {
  mailer: Mailer;
  t: Record<Locale, TFunction>;
  viewsDir: string;
  baseUrl: string;
  logger: Logger;
}

/** `to_customer`: staff answered; `to_staff`: the customer answered (to the assignee). */
export type ReplyMail = 'to_customer' | 'to_staff';

export class SupportMails {
  constructor(private readonly deps: SupportMailsDeps) {}

  async reply(kind: ReplyMail, to: { email: string; locale: Locale }, ticket: { id: number; subject: string }, link: string): Promise<void> {
    const t = this.deps.t[to.locale];
    const params = { id: ticket.id, subject: ticket.subject.replace(/[\r\n]+/g, ' ') };
    const data = {
      locale: to.locale,
      subject: t(`support:mail.${kind}.subject`, params) as string,
      greeting: t('mail.greeting'),
      paragraphs: t(`support:mail.${kind}.paragraphs`, { ...params, returnObjects: true }) as unknown as string[],
      action: { label: t(`support:mail.${kind}.action`) as string, url: this.deps.baseUrl + link },
      note: '',
      signature: t('mail.signature'),
    };
    const dir = path.join(this.deps.viewsDir, 'mail');
    const [text, html] = await Promise.all([
      ejs.renderFile(path.join(dir, 'message.text.ejs'), data),
      ejs.renderFile(path.join(dir, 'message.html.ejs'), data),
    ]);
    // The in-app copy (src/notifications): the first sentence and the ticket's page.
    await this.deps.mailer.send({ to: to.email, subject: data.subject, text, html, notice: { kind: 'ticket_reply', body: data.paragraphs[0] ?? '', link } });
  }

  /** Send without waiting; a failure is logged, never thrown (the reply is stored whatever the mail does). */
  replyLater(kind: ReplyMail, to: { email: string; locale: Locale }, ticket: { id: number; subject: string }, link: string): void {
    this.reply(kind, to, ticket, link).catch((err: unknown) => this.deps.logger.error({ err, kind, ticketId: ticket.id }, 'support mail not sent'));
  }
}
