/**
 * Contact messages: stored first (the database row is the record), then
 * mailed to ADMIN_EMAIL. A mail failure is logged and marked on the row
 * (`mail_status = failed`); the visitor's message is never lost.
 */
import type { Logger } from 'pino';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { Mailer } from '../platform/mailer.js';
import type { ContactInput } from './contact.schemas.js';
import { ContactRepository } from './contact.repository.js';

export interface ContactDeps {
  db: Db;
  mailer: Mailer;
  clock: Clock;
  logger: Logger;
  adminEmail: string;
  baseUrl: string;
}

export interface ContactMeta {
  locale: string;
  ip: string;
  userAgent: string;
}

export class ContactService {
  private readonly repo: ContactRepository;

  constructor(private readonly deps: ContactDeps) {
    this.repo = new ContactRepository(deps.db);
  }

  /** Store the message, then mail it. Returns the row id. Never throws for a mail failure. */
  async submit(input: ContactInput, meta: ContactMeta): Promise<number> {
    const id = await this.repo.insert({ name: input.name, email: input.email, message: input.message, ...meta, createdAt: this.deps.clock.now() });
    try {
      await this.deps.mailer.send({
        to: this.deps.adminEmail,
        replyTo: input.email,
        subject: `[artisan_nd] Contact #${id}: ${input.name.replace(/[\r\n]+/g, ' ')}`,
        text: `Message #${id} from ${input.name} <${input.email}> (${meta.locale}, ${meta.ip})\n\n${input.message}\n\n-- \n${this.deps.baseUrl}/contact\n`,
      });
      await this.repo.setMailStatus(id, 'sent');
    } catch (err) {
      this.deps.logger.error({ err, contactId: id }, 'contact message stored but not mailed');
      await this.repo.setMailStatus(id, 'failed');
    }
    return id;
  }
}
