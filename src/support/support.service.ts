/**
 * Support tickets, the only writer of `support_tickets`, `support_messages`
 * and `support_attachments`. A customer or partner opens a ticket and
 * replies; staff (support, admin, superadmin) reply, assign and close.
 *
 * States: a staff reply makes a ticket `pending` (waiting for the
 * customer), a customer reply makes it `open`; either side may close it and
 * a reply to a closed ticket reopens it that way. Staff actions (assign,
 * close) write an audit row in their transaction. The other side is mailed
 * after the commit: the customer for staff replies, the assignee (if any)
 * for the customer's.
 *
 * Attachment files are written in the message's transaction, under
 * files/support/<ticket>/<random name>: a failed write rolls the message
 * back, and a failed commit removes the files again.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Actor, AuditService } from '../audit/index.js';
import { ValidationError } from '../errors/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { UploadedFile } from './attachments.js';
import type { SupportMails } from './support.mails.js';
import {
  SupportRepository, type Attachment, type OwnLicense, type StaffMember, type Ticket, type TicketMessage, type TicketSearch, type TicketStatus,
} from './support.repository.js';

export interface SupportDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  mails: SupportMails;
  logger: Logger;
  /** FILES_DIR: attachments go to <filesDir>/support/<ticket>/. */
  filesDir: string;
}

/** Who writes: the account's id and e-mail. */
export interface Author {
  id: number;
  email: string;
}

export interface NewTicket {
  subject: string;
  message: string;
  licenseId: number | null;
}

/** A ticket with its thread; each message carries its attachments. */
export interface Thread {
  ticket: Ticket;
  messages: (TicketMessage & { attachments: Attachment[] })[];
}

export class SupportService {
  private readonly repo: SupportRepository;

  constructor(private readonly deps: SupportDeps) {
    this.repo = new SupportRepository(deps.db);
  }

  /** The account's tickets, last activity first, and how many it has. */
  async listOwn(accountId: number, offset: number, limit: number): Promise<{ rows: Ticket[]; total: number }> {
    const [rows, total] = await Promise.all([this.repo.search({ accountId }, offset, limit), this.repo.count({ accountId })]);
    return { rows, total };
  }

  /** The licenses issued to the account's e-mail (what a ticket may name). */
  ownLicenses(email: string): Promise<OwnLicense[]> {
    return this.repo.licensesOf(email);
  }

  /** The staff queue. */
  async search(filter: TicketSearch, offset: number, limit: number): Promise<{ rows: Ticket[]; total: number }> {
    const [rows, total] = await Promise.all([this.repo.search(filter, offset, limit), this.repo.count(filter)]);
    return { rows, total };
  }

  /** Staff who may be assigned a ticket. */
  staff(): Promise<StaffMember[]> {
    return this.repo.staff();
  }

  /** Ticket `id` with its thread: the account's own when `accountId` is given (else null), any for staff. */
  async thread(id: number, accountId?: number): Promise<Thread | null> {
    const ticket = await this.repo.ticket(id, accountId);
    if (!ticket) return null;
    const [messages, attachments] = await Promise.all([this.repo.messages(id), this.repo.attachments(id)]);
    return { ticket, messages: messages.map((m) => ({ ...m, attachments: attachments.filter((a) => a.messageId === m.id) })) };
  }

  /** An attachment of ticket `ticketId` (the account's own when `accountId` is given) and its file's path, or null. */
  async attachment(ticketId: number, id: number, accountId?: number): Promise<{ attachment: Attachment; file: string } | null> {
    if (!(await this.repo.ticket(ticketId, accountId))) return null;
    const attachment = await this.repo.attachment(ticketId, id);
    return attachment ? { attachment, file: path.join(this.dirOf(ticketId), attachment.storedName) } : null;
  }

  /**
   * Open a ticket with its first message and files. @throws ValidationError
   * `license_id` when the license is not one of the account's.
   */
  async open(author: Author, input: NewTicket, files: UploadedFile[]): Promise<number> {
    if (input.licenseId !== null && !(await this.repo.licensesOf(author.email)).some((l) => l.id === input.licenseId)) {
      throw new ValidationError({ license_id: 'support:errors.license' });
    }
    return this.withFiles(async (trx, written) => {
      const repo = this.repo.with(trx);
      const now = this.deps.clock.now();
      const id = await repo.insertTicket({ accountId: author.id, subject: input.subject, licenseId: input.licenseId, orderId: null }, now);
      const messageId = await repo.insertMessage({ ticketId: id, authorId: author.id, fromStaff: false, body: input.message }, now);
      await this.store(repo, id, messageId, files, written);
      return id;
    });
  }

  /**
   * Add a reply to ticket `ticketId` (the author's own unless `fromStaff`)
   * and set its state (staff: pending, customer: open). @returns false when
   * there is no such ticket (for this author).
   */
  async reply(author: Author, ticketId: number, body: string, files: UploadedFile[], fromStaff: boolean): Promise<boolean> {
    const ticket = await this.withFiles(async (trx, written) => {
      const repo = this.repo.with(trx);
      const found = await repo.ticket(ticketId, fromStaff ? undefined : author.id);
      if (!found) return null;
      const now = this.deps.clock.now();
      const messageId = await repo.insertMessage({ ticketId, authorId: author.id, fromStaff, body }, now);
      await this.store(repo, ticketId, messageId, files, written);
      await repo.setStatus(ticketId, fromStaff ? 'pending' : 'open', now);
      return found;
    });
    if (!ticket) return false;
    await this.notify(ticket, author, fromStaff);
    return true;
  }

  /** Close a ticket (the author's own unless staff, who get an audit row). @returns null: no such ticket; false: already closed. */
  async close(actor: Actor & { id: number }, ticketId: number, asStaff: boolean): Promise<boolean | null> {
    return this.deps.db.transaction(async (trx) => {
      const repo = this.repo.with(trx);
      const ticket = await repo.ticket(ticketId, asStaff ? undefined : actor.id);
      if (!ticket) return null;
      if (ticket.status === 'closed') return false;
      await repo.setStatus(ticketId, 'closed', this.deps.clock.now());
      const details = { from: ticket.status, email: ticket.accountEmail };
      if (asStaff) await this.deps.audit.record(trx, actor, 'ticket.closed', { type: 'ticket', id: ticketId }, details);
      return true;
    });
  }

  /**
   * Assign ticket `ticketId` to staff member `assigneeId` (null: nobody).
   * @returns null: no such ticket; false: unchanged. @throws ValidationError `assignee` when not an active staff member.
   */
  async assign(actor: Actor, ticketId: number, assigneeId: number | null): Promise<boolean | null> {
    const staff = await this.repo.staff();
    const assignee = assigneeId === null ? null : staff.find((s) => s.id === assigneeId);
    if (assignee === undefined) throw new ValidationError({ assignee: 'support:errors.assignee' });
    return this.deps.db.transaction(async (trx) => {
      const repo = this.repo.with(trx);
      const ticket = await repo.ticket(ticketId);
      if (!ticket) return null;
      if (ticket.assigneeId === assigneeId) return false;
      await repo.setAssignee(ticketId, assigneeId, this.deps.clock.now());
      await this.deps.audit.record(trx, actor, 'ticket.assigned', { type: 'ticket', id: ticketId },
        { assignee: assignee?.email ?? '', previous: ticket.assigneeEmail ?? '' });
      return true;
    });
  }

  private dirOf(ticketId: number): string {
    return path.join(this.deps.filesDir, 'support', String(ticketId));
  }

  /** Insert the attachment rows and write their files (paths pushed to `written`). */
  private async store(repo: SupportRepository, ticketId: number, messageId: number, files: UploadedFile[], written: string[]): Promise<void> {
    if (!files.length) return;
    const dir = this.dirOf(ticketId);
    await fs.promises.mkdir(dir, { recursive: true, mode: 0o750 });
    for (const f of files) {
      const storedName = randomBytes(16).toString('hex');
      const file = path.join(dir, storedName);
      written.push(file);
      await fs.promises.writeFile(file, f.bytes, { flag: 'wx', mode: 0o640 });
      await repo.insertAttachment({ ticketId, messageId, storedName, originalName: f.name, mime: f.mime, size: f.bytes.length }, this.deps.clock.now());
    }
  }

  /** Run `work` in a transaction; files it wrote are removed when it fails. */
  private async withFiles<T>(work: (trx: Db, written: string[]) => Promise<T>): Promise<T> {
    const written: string[] = [];
    try {
      return await this.deps.db.transaction((trx) => work(trx, written));
    } catch (err) {
      await Promise.all(written.map((f) => fs.promises.rm(f, { force: true })));
      throw err;
    }
  }

  /** Mail the other side of a reply: the customer for staff replies, the assignee (not the author) for the customer's. */
  private async notify(ticket: Ticket, author: Author, fromStaff: boolean): Promise<void> {
    const to = fromStaff ? ticket.accountId : ticket.assigneeId;
    if (to === null || to === author.id) return;
    const contact = await this.repo.contact(to);
    if (!contact) return;
    const link = fromStaff ? `/support/tickets/${ticket.id}` : `/admin/tickets/${ticket.id}`;
    this.deps.mails.replyLater(fromStaff ? 'to_customer' : 'to_staff', contact, ticket, link);
  }
}

export type { TicketStatus };
