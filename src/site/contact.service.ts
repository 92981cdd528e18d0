/**
 * Contact messages, the only writer of `contact_messages`: stored first (the
 * database row is the record), then mailed to ADMIN_EMAIL. A mail failure is
 * logged and marked on the row (`mail_status = failed`); the visitor's
 * message is never lost. Staff read them in /admin/messages and mark them
 * handled or not (audit `message.handled`, `message.unhandled`).
 */
import type { Logger } from 'pino';
import type { Actor, AuditService } from '../audit/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { Mailer } from '../platform/mailer.js';
import type { ContactInput } from './contact.schemas.js';
import { ContactRepository, type ContactMessage, type ContactSearch, type NewContactMessage } from './contact.repository.js';

export interface ContactDeps {
  db: Db;
  mailer: Mailer;
  clock: Clock;
  logger: Logger;
  audit: AuditService;
  adminEmail: string;
  baseUrl: string;
}

/** What the request tells about a message's sender: page language, address and browser. */
export type ContactMeta = Pick<NewContactMessage, 'locale' | 'ip' | 'userAgent'>;

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
        // To the fixed staff address, not to an account: no in-app copy, even when a staff account has that address.
        notice: false,
      });
      await this.repo.setMailStatus(id, 'sent');
    } catch (err) {
      this.deps.logger.error({ err, contactId: id }, 'contact message stored but not mailed');
      await this.repo.setMailStatus(id, 'failed');
    }
    return id;
  }

  /** The messages matching `f`: unhandled first, then newest first; `limit` from `offset`. */
  search(f: ContactSearch, offset: number, limit: number): Promise<ContactMessage[]> {
    return this.repo.search(f, offset, limit);
  }

  /** How many messages match `f`. */
  count(f: ContactSearch): Promise<number> {
    return this.repo.count(f);
  }

  /** One message, or null. */
  byId(id: number): Promise<ContactMessage | null> {
    return this.repo.byId(id);
  }

  /**
   * Mark message `id` handled by `actor` (now), or back to handle, with its
   * audit row. @returns false when it already was (nothing written), null
   * when there is no such message.
   */
  async setHandled(id: number, handled: boolean, actor: Actor): Promise<boolean | null> {
    return this.deps.db.transaction(async (trx) => {
      const repo = this.repo.with(trx);
      const message = await repo.byId(id);
      if (!message) return null;
      if (!(await repo.setHandled(id, handled ? actor.id : null, handled ? this.deps.clock.now() : null))) return false;
      await this.deps.audit.record(trx, actor, handled ? 'message.handled' : 'message.unhandled', { type: 'message', id }, { email: message.email });
      return true;
    });
  }
}
