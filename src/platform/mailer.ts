/**
 * Outgoing mail through nodemailer.
 *
 * With `SMTP_URL` set, mail goes to that SMTP server. Without it every mail is
 * written as an RFC 5322 `.eml` file under `logs/mail/` and its subject and
 * links (secret query values redacted) are logged, so a small host can read
 * what would have been sent.
 * Never call `send` inside a database transaction: it waits on the network.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';

/** A message to send; `text` is required, `html` optional. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  replyTo?: string;
  /** Files sent with the message (an invoice's PDF), passed to nodemailer as they are. */
  attachments?: { filename: string; content: Buffer; contentType?: string }[];
  /**
   * What the recipient's in-app copy says (a mail hook, src/notifications, keeps one for every mail to an
   * account); never sent. Absent: the subject alone, no link. `false`: no copy (a mail to a fixed address).
   */
  notice?: MailNotice | false;
}

/** The in-app copy of a mail: its category, a short summary, the in-site path of its action (never one carrying a secret). */
export interface MailNotice {
  kind: string;
  body: string;
  link: string | null;
}

/** What was done with a message: its Message-ID, and the .eml file when written to disk. */
export interface MailResult {
  messageId: string;
  file?: string;
}

export interface Mailer {
  /** @throws whatever the SMTP transport raises (connection refused, rejected recipient). */
  send(message: MailMessage): Promise<MailResult>;
  close(): void;
}

/**
 * `mailer` with `hook` called before each message leaves (the in-app copy of
 * src/notifications): a copy does not wait on SMTP and exists even when the
 * mail fails. The hook must not throw (it logs its own failures).
 */
export function withHook(mailer: Mailer, hook: (message: MailMessage) => Promise<void>): Mailer {
  return {
    async send(message) {
      await hook(message);
      return mailer.send(message);
    },
    close: () => mailer.close(),
  };
}

export interface MailerOptions {
  smtpUrl: string | undefined;
  from: string;
  mailDir: string;
  logger: Logger;
}

const LINK = /https?:\/\/[^\s<>"]+/g;

/**
 * nodemailer (a large module tree) is loaded with the first mail, not at
 * start: most minutes of a small portal send none.
 */
function lazyTransport(options: string | Record<string, unknown>): { get(): Promise<Transporter>; close(): void } {
  let transport: Promise<Transporter> | null = null;
  return {
    get: () => (transport ??= import('nodemailer').then((m) => m.default.createTransport(options as never) as Transporter)),
    close: () => void transport?.then((t) => t.close()),
  };
}

/** Build the SMTP mailer, or the .eml-file mailer when no SMTP_URL is configured. */
export function createMailer(opts: MailerOptions): Mailer {
  if (opts.smtpUrl) {
    const transport = lazyTransport(opts.smtpUrl);
    return {
      async send({ notice: _notice, ...message }) {
        const info = await (await transport.get()).sendMail({ from: opts.from, ...message });
        opts.logger.info({ to: message.to, subject: message.subject, messageId: info.messageId }, 'mail sent');
        return { messageId: info.messageId };
      },
      close: () => transport.close(),
    };
  }
  const transport = lazyTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send({ notice: _notice, ...message }) {
      const info = await (await transport.get()).sendMail({ from: opts.from, ...message });
      await fs.mkdir(opts.mailDir, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const file = path.join(opts.mailDir, `${stamp}-${crypto.randomBytes(4).toString('hex')}.eml`);
      await fs.writeFile(file, info.message as Buffer, { mode: 0o600 });
      // The links are logged without their secrets (tokens): the full link is in the .eml file.
      const links = (message.text.match(LINK) ?? []).map((l) => l.replace(/([?&](?:token|key|code)=)[^&\s]+/gi, '$1[redacted]'));
      opts.logger.info({ to: message.to, subject: message.subject, links, file }, 'SMTP_URL is not set: mail written to file');
      return { messageId: info.messageId, file };
    },
    close: () => undefined,
  };
}
