/**
 * The shop's mails to customers (FR/EN, text + HTML, views/mail/message.*.ejs):
 * texts from the `shop` namespace, `mail.<kind>.subject|paragraphs`, in the
 * customer's language, with a link to the order (or the license) and, for a
 * purchase, the license keys in the text. Kinds: order_placed (the invoice
 * to pay, its PDF attached), purchase (paid: the keys and the download link),
 * refunded, renewed (a renewal paid), expiry_30 / expiry_7 / expiry_1 (a license expires in 30, 7, 1 days).
 */
import path from 'node:path';
import ejs from 'ejs';
import type { TFunction } from 'i18next';
import type { Mailer } from '../platform/mailer.js';

export type ShopMailKind = 'order_placed' | 'purchase' | 'refunded' | 'renewed' | 'expiry_30' | 'expiry_7' | 'expiry_1';

export interface ShopMail {
  kind: ShopMailKind;
  to: { email: string; locale: 'fr' | 'en' };
  /** Site path the mail's button opens (`/orders/12`). */
  path: string;
  params: Record<string, string>;
  /** Lines shown as they are (license keys). */
  extra?: string[];
  attachment?: { filename: string; content: Buffer };
}

/** The in-app notification kind of a shop mail (src/notifications). */
const NOTICE_KINDS: Record<ShopMailKind, string> = { order_placed: 'invoice_issued', purchase: 'purchase', refunded: 'billing', renewed: 'purchase',
  expiry_30: 'license_expiring', expiry_7: 'license_expiring', expiry_1: 'license_expiring' };

export class ShopMails {
  constructor(private readonly deps: { mailer: Mailer; t: Record<'fr' | 'en', TFunction>; viewsDir: string; baseUrl: string }) {}

  /** Render and send `mail`. @throws what the mailer throws. */
  async send(mail: ShopMail): Promise<void> {
    const t = this.deps.t[mail.to.locale];
    const params = { ...mail.params, site: this.deps.baseUrl };
    const texts = t(`shop:mail.${mail.kind}.paragraphs`, { ...params, returnObjects: true }) as unknown as string[];
    const paragraphs = [...texts, ...(mail.extra ?? [])];
    const data = {
      locale: mail.to.locale, subject: t(`shop:mail.${mail.kind}.subject`, params) as string, greeting: t('mail.greeting'), paragraphs,
      action: { label: t(`shop:mail.${mail.kind}.action`), url: `${this.deps.baseUrl}${mail.path}` }, note: '', signature: t('mail.signature'),
    };
    const dir = path.join(this.deps.viewsDir, 'mail');
    const [text, html] = await Promise.all([
      ejs.renderFile(path.join(dir, 'message.text.ejs'), data, { cache: true }),
      ejs.renderFile(path.join(dir, 'message.html.ejs'), data, { cache: true }),
    ]);
    const attachments = mail.attachment ? [{ ...mail.attachment, contentType: 'application/pdf' }] : undefined;
    // The in-app copy says the first sentence and links the order: never the license keys (`extra`).
    const notice = { kind: NOTICE_KINDS[mail.kind], body: texts[0] ?? '', link: mail.path };
    await this.deps.mailer.send({ to: mail.to.email, subject: data.subject, text, html, attachments, notice });
  }
}
