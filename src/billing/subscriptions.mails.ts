/**
 * The subscription mails (FR/EN, text + HTML) through the portal's mailer and
 * its two message templates (views/mail/message.*.ejs): texts from the
 * `subscriptions` namespace, `mail.<kind>.subject|paragraphs|action`, in the
 * partner's language, with a link to /subscription/billing and, for an
 * invoice, its PDF attached (the stored bytes). Kinds: welcome,
 * invoice_issued, payment_received, renewal_coming, reminder, trial_ending,
 * dunning_0, dunning_3, dunning_7, dunning_14, suspended, cancelled, price_change. A kind
 * `<namespace>:<name>` takes its texts from that namespace's `mail.<name>`
 * (`promotions:applied`, `promotions:applied_later`: a promotion code used).
 */
import path from 'node:path';
import ejs from 'ejs';
import type { TFunction } from 'i18next';
import type { Mailer } from '../platform/mailer.js';
import type { InvoicesService } from './invoices.service.js';
import type { MailSender, PendingMail } from './subscriptions.service.js';

export interface SubscriptionMailsDeps {
  mailer: Mailer;
  t: Record<'fr' | 'en', TFunction>;
  viewsDir: string;
  baseUrl: string;
  invoices: Pick<InvoicesService, 'pdf'>;
  contact(accountId: number): Promise<{ email: string; locale: 'fr' | 'en'; name: string } | null>;
}

/** The in-app notification kind of a mail kind: an invoice issued, else billing (a reminder of an unpaid invoice is no failed payment). */
function noticeKind(kind: string): string {
  return kind === 'invoice_issued' ? 'invoice_issued' : 'billing';
}

export class SubscriptionMails implements MailSender {
  constructor(private readonly deps: SubscriptionMailsDeps) {}

  /** Render and send `mail` to its account. @throws what the mailer throws. */
  async send(mail: PendingMail): Promise<void> {
    const to = await this.deps.contact(mail.accountId);
    if (!to) return;
    const t = this.deps.t[to.locale];
    // A parameter `x_en` is the English form of `x` (a plan's name, an amount, a date): an English reader gets it as `x`.
    const params: Record<string, string> = { ...mail.params, site: this.deps.baseUrl };
    if (to.locale === 'en') for (const [key, value] of Object.entries(mail.params)) if (key.endsWith('_en')) params[key.slice(0, -3)] = value;
    const [ns, name] = mail.kind.includes(':') ? mail.kind.split(':', 2) as [string, string] : ['subscriptions', mail.kind];
    const k = (key: string) => t(`${ns}:mail.${name}.${key}`, params) as string;
    const data = {
      locale: to.locale,
      subject: k('subject'),
      greeting: t('mail.greeting'),
      paragraphs: t(`${ns}:mail.${name}.paragraphs`, { ...params, returnObjects: true }) as unknown as string[],
      action: { label: t('subscriptions:mail.action'), url: `${this.deps.baseUrl}/subscription/billing` },
      note: '',
      signature: t('mail.signature'),
    };
    const dir = path.join(this.deps.viewsDir, 'mail');
    // Compiled once (ejs's cache, by file name): the daily job sends thousands of these.
    const [text, html] = await Promise.all([
      ejs.renderFile(path.join(dir, 'message.text.ejs'), data, { cache: true }),
      ejs.renderFile(path.join(dir, 'message.html.ejs'), data, { cache: true }),
    ]);
    const pdf = mail.invoiceId ? await this.deps.invoices.pdf(mail.invoiceId) : null;
    const attachments = pdf ? [{ filename: `${mail.params.number ?? 'invoice'}.pdf`, content: pdf, contentType: 'application/pdf' }] : undefined;
    const notice = { kind: noticeKind(mail.kind), body: data.paragraphs[0] ?? '', link: '/subscription/billing' };
    await this.deps.mailer.send({ to: to.email, subject: data.subject, text, html, attachments, notice });
  }
}
