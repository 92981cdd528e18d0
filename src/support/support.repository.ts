/**
 * The `support_tickets`, `support_messages` and `support_attachments` tables
 * (written only through SupportService), and the reads the pages need:
 * the account's licenses (by e-mail) and the staff who can be assigned.
 */
import type { Knex } from 'knex';
import { insertedId, type Db } from '../platform/db.js';
import { toDate, toDateOrNull } from '../platform/time.js';

export const TICKET_STATUSES = ['open', 'pending', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export interface Ticket {
  id: number;
  accountId: number;
  accountEmail: string;
  accountName: string;
  subject: string;
  status: TicketStatus;
  licenseId: number | null;
  licensePublicId: string | null;
  orderId: number | null;
  assigneeId: number | null;
  assigneeEmail: string | null;
  lastActivityAt: Date;
  closedAt: Date | null;
  createdAt: Date;
}

export interface TicketMessage {
  id: number;
  authorId: number;
  authorName: string;
  authorEmail: string;
  fromStaff: boolean;
  body: string;
  createdAt: Date;
}

export interface Attachment {
  id: number;
  ticketId: number;
  messageId: number;
  storedName: string;
  originalName: string;
  mime: string;
  size: number;
}

export interface OwnLicense {
  id: number;
  publicId: string;
  product: string;
  licenseType: string;
}

export interface StaffMember {
  id: number;
  email: string;
  name: string;
}

/** The staff queue's filter: `assigned` 'me' (needs `staffId`) | 'none' | '' (anyone); `q` in subject and the customer's e-mail. */
export interface TicketSearch {
  status?: TicketStatus | '';
  assigned?: 'me' | 'none' | '';
  staffId?: number;
  q?: string;
  accountId?: number;
}

type Row = Record<string, unknown>;
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toTicket(r: Row): Ticket {
  return {
    id: Number(r.id), accountId: Number(r.account_id), accountEmail: String(r.account_email ?? ''), accountName: String(r.account_name ?? ''),
    subject: String(r.subject), status: String(r.status) as TicketStatus, licenseId: num(r.license_id),
    licensePublicId: (r.license_public_id as string | null | undefined) ?? null, orderId: num(r.order_id), assigneeId: num(r.assignee_id),
    assigneeEmail: (r.assignee_email as string | null | undefined) ?? null, lastActivityAt: toDate(r.last_activity_at),
    closedAt: toDateOrNull(r.closed_at), createdAt: toDate(r.created_at),
  };
}

function toAttachment(r: Row): Attachment {
  return {
    id: Number(r.id), ticketId: Number(r.ticket_id), messageId: Number(r.message_id), storedName: String(r.stored_name),
    originalName: String(r.original_name), mime: String(r.mime), size: Number(r.size),
  };
}

export class SupportRepository {
  constructor(private readonly db: Db) {}

  /** The same repository inside a transaction. */
  with(trx: Db): SupportRepository {
    return new SupportRepository(trx);
  }

  async insertTicket(t: { accountId: number; subject: string; licenseId: number | null; orderId: number | null }, at: Date): Promise<number> {
    const iso = at.toISOString();
    return insertedId(await this.db('support_tickets').insert({
      account_id: t.accountId, subject: t.subject, status: 'open', license_id: t.licenseId, order_id: t.orderId,
      last_activity_at: iso, created_at: iso, updated_at: iso,
    }).returning('id'));
  }

  async insertMessage(m: { ticketId: number; authorId: number; fromStaff: boolean; body: string }, at: Date): Promise<number> {
    return insertedId(await this.db('support_messages').insert({
      ticket_id: m.ticketId, author_id: m.authorId, from_staff: m.fromStaff, body: m.body, created_at: at.toISOString(),
    }).returning('id'));
  }

  async insertAttachment(a: Omit<Attachment, 'id'>, at: Date): Promise<void> {
    await this.db('support_attachments').insert({
      ticket_id: a.ticketId, message_id: a.messageId, stored_name: a.storedName, original_name: a.originalName, mime: a.mime, size: a.size,
      created_at: at.toISOString(),
    });
  }

  /** Set the status (closed_at follows it) and the last activity. */
  async setStatus(id: number, status: TicketStatus, at: Date): Promise<void> {
    const iso = at.toISOString();
    await this.db('support_tickets').where({ id }).update({
      status, closed_at: status === 'closed' ? iso : null, last_activity_at: iso, updated_at: iso,
    });
  }

  async setAssignee(id: number, assigneeId: number | null, at: Date): Promise<void> {
    await this.db('support_tickets').where({ id }).update({ assignee_id: assigneeId, updated_at: at.toISOString() });
  }

  private tickets(): Knex.QueryBuilder {
    return this.db('support_tickets as t')
      .join('accounts as a', 'a.id', 't.account_id')
      .leftJoin('accounts as s', 's.id', 't.assignee_id')
      .leftJoin('licenses as l', 'l.id', 't.license_id');
  }

  /** Ticket `id` (of `accountId` when given), or null. */
  async ticket(id: number, accountId?: number): Promise<Ticket | null> {
    const q = this.tickets().where('t.id', id);
    if (accountId !== undefined) q.where('t.account_id', accountId);
    const r = (await q.first('t.*', 'a.email as account_email', 'a.name as account_name', 's.email as assignee_email',
      'l.public_id as license_public_id')) as Row | undefined;
    return r ? toTicket(r) : null;
  }

  private filtered(f: TicketSearch): Knex.QueryBuilder {
    const q = this.tickets();
    if (f.accountId !== undefined) q.where('t.account_id', f.accountId);
    if (f.status) q.where('t.status', f.status);
    if (f.assigned === 'me') q.where('t.assignee_id', f.staffId ?? 0);
    if (f.assigned === 'none') q.whereNull('t.assignee_id');
    if (f.q) {
      const like = `%${f.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q.where((w) => {
        w.whereRaw("lower(t.subject) like ? escape '\\'", [like]).orWhereRaw("lower(a.email) like ? escape '\\'", [like]);
      });
    }
    return q;
  }

  /** The tickets matching `f`, last activity first; `limit` from `offset`. */
  async search(f: TicketSearch, offset: number, limit: number): Promise<Ticket[]> {
    const rows = (await this.filtered(f)
      .select('t.*', 'a.email as account_email', 'a.name as account_name', 's.email as assignee_email', 'l.public_id as license_public_id')
      .orderBy('t.last_activity_at', 'desc').orderBy('t.id', 'desc').offset(offset).limit(limit)) as Row[];
    return rows.map(toTicket);
  }

  async count(f: TicketSearch): Promise<number> {
    const [row] = (await this.filtered(f).count({ n: '*' })) as { n: unknown }[];
    return Number(row?.n ?? 0);
  }

  async messages(ticketId: number): Promise<TicketMessage[]> {
    const rows = (await this.db('support_messages as m').join('accounts as a', 'a.id', 'm.author_id').where('m.ticket_id', ticketId)
      .orderBy('m.id').select('m.*', 'a.name as author_name', 'a.email as author_email')) as Row[];
    return rows.map((r) => ({
      id: Number(r.id), authorId: Number(r.author_id), authorName: String(r.author_name ?? ''), authorEmail: String(r.author_email ?? ''),
      fromStaff: Boolean(r.from_staff), body: String(r.body), createdAt: toDate(r.created_at),
    }));
  }

  async attachments(ticketId: number): Promise<Attachment[]> {
    return ((await this.db('support_attachments').where({ ticket_id: ticketId }).orderBy('id')) as Row[]).map(toAttachment);
  }

  async attachment(ticketId: number, id: number): Promise<Attachment | null> {
    const r = (await this.db('support_attachments').where({ ticket_id: ticketId, id }).first()) as Row | undefined;
    return r ? toAttachment(r) : null;
  }

  /** The licenses issued to `email` (lower-cased, as accounts store it), newest first, at most 100. */
  async licensesOf(email: string): Promise<OwnLicense[]> {
    const rows = (await this.db('licenses as l').join('products as p', 'p.id', 'l.product_id')
      .whereRaw('lower(l.email) = ?', [email.toLowerCase()]).orderBy('l.id', 'desc').limit(100)
      .select('l.id', 'l.public_id', 'l.license_type', 'p.name as product')) as Row[];
    return rows.map((r) => ({ id: Number(r.id), publicId: String(r.public_id), product: String(r.product ?? ''), licenseType: String(r.license_type) }));
  }

  /** Active staff accounts (support, admin, superadmin), by e-mail. */
  async staff(): Promise<StaffMember[]> {
    const rows = (await this.db('accounts').whereIn('role', ['support', 'admin', 'superadmin']).where({ state: 'active' })
      .orderBy('email').select('id', 'email', 'name')) as Row[];
    return rows.map((r) => ({ id: Number(r.id), email: String(r.email), name: String(r.name ?? '') }));
  }

  /** The account's e-mail and language (mails). */
  async contact(accountId: number): Promise<{ email: string; locale: 'fr' | 'en' } | null> {
    const r = (await this.db('accounts').where({ id: accountId }).first('email', 'locale')) as Row | undefined;
    return r ? { email: String(r.email), locale: r.locale === 'en' ? 'en' : 'fr' } : null;
  }
}
