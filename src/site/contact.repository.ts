/** The `contact_messages` table: written only through ContactService (the contact form, /admin/messages). */
import type { Knex } from 'knex';
import { insertedId, type Db } from '../platform/db.js';
import { toDate, toDateOrNull } from '../platform/time.js';

/** A stored message, as the admin pages show it. */
export interface ContactMessage {
  id: number;
  name: string;
  email: string;
  message: string;
  locale: string;
  ip: string;
  userAgent: string;
  /** 'pending' | 'sent' | 'failed': whether the copy mailed to ADMIN_EMAIL left. */
  mailStatus: string;
  createdAt: Date;
  handledAt: Date | null;
  handledBy: number | null;
  /** E-mail of the account that marked it handled (null if unknown or not handled). */
  handledByEmail: string | null;
}

/** A message to insert: what the form and the request give; the mail status and handling come later. */
export type NewContactMessage = Pick<ContactMessage, 'name' | 'email' | 'message' | 'locale' | 'ip' | 'userAgent' | 'createdAt'>;

/**
 * A list filter: `state` 'handled' | 'unhandled' | '' (all); `q` searched
 * (case-insensitive) in name, e-mail and message; `from` inclusive and
 * `before` exclusive bound created_at.
 */
export interface ContactSearch {
  state?: '' | 'handled' | 'unhandled';
  q?: string;
  from?: Date | null;
  before?: Date | null;
}

function toMessage(r: Record<string, unknown>): ContactMessage {
  return {
    id: Number(r.id),
    name: String(r.name),
    email: String(r.email),
    message: String(r.message),
    locale: String(r.locale),
    ip: String(r.ip),
    userAgent: String(r.user_agent ?? ''),
    mailStatus: String(r.mail_status),
    createdAt: toDate(r.created_at),
    handledAt: toDateOrNull(r.handled_at),
    handledBy: r.handled_by === null || r.handled_by === undefined ? null : Number(r.handled_by),
    handledByEmail: (r.handled_by_email as string | null | undefined) ?? null,
  };
}

export class ContactRepository {
  constructor(private readonly db: Db) {}

  /** The same repository inside a transaction. */
  with(trx: Db): ContactRepository {
    return new ContactRepository(trx);
  }

  async insert(m: NewContactMessage): Promise<number> {
    return insertedId(await this.db('contact_messages')
      .insert({
        name: m.name,
        email: m.email,
        message: m.message,
        locale: m.locale,
        ip: m.ip,
        user_agent: m.userAgent.slice(0, 512),
        mail_status: 'pending',
        created_at: m.createdAt.toISOString(),
      })
      .returning('id'));
  }

  async setMailStatus(id: number, status: 'sent' | 'failed'): Promise<void> {
    await this.db('contact_messages').where({ id }).update({ mail_status: status });
  }

  private filtered(f: ContactSearch): Knex.QueryBuilder {
    const q = this.db('contact_messages as m');
    if (f.state === 'handled') q.whereNotNull('m.handled_at');
    if (f.state === 'unhandled') q.whereNull('m.handled_at');
    if (f.q) {
      const like = `%${f.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q.where((w) => {
        w.whereRaw("lower(m.name) like ? escape '\\'", [like])
          .orWhereRaw("lower(m.email) like ? escape '\\'", [like])
          .orWhereRaw("lower(m.message) like ? escape '\\'", [like]);
      });
    }
    if (f.from) q.where('m.created_at', '>=', f.from.toISOString());
    if (f.before) q.where('m.created_at', '<', f.before.toISOString());
    return q;
  }

  /** The messages matching `f`: unhandled first, then newest first; `limit` from `offset`. */
  async search(f: ContactSearch, offset: number, limit: number): Promise<ContactMessage[]> {
    const rows = (await this.filtered(f)
      .leftJoin('accounts as a', 'a.id', 'm.handled_by')
      .select('m.*', 'a.email as handled_by_email')
      .orderByRaw('case when m.handled_at is null then 0 else 1 end')
      .orderBy('m.created_at', 'desc').orderBy('m.id', 'desc')
      .offset(offset).limit(limit)) as Record<string, unknown>[];
    return rows.map(toMessage);
  }

  /** How many messages match `f`. */
  async count(f: ContactSearch): Promise<number> {
    const [row] = (await this.filtered(f).count({ n: '*' })) as { n: unknown }[];
    return Number(row?.n ?? 0);
  }

  /** One message, or null. */
  async byId(id: number): Promise<ContactMessage | null> {
    const r = (await this.db('contact_messages as m').leftJoin('accounts as a', 'a.id', 'm.handled_by')
      .where('m.id', id).first('m.*', 'a.email as handled_by_email')) as Record<string, unknown> | undefined;
    return r ? toMessage(r) : null;
  }

  /**
   * Mark a message handled by `accountId` at `at`, or unhandled (`at` null).
   * Returns false when the message was already in that state (nothing written).
   */
  async setHandled(id: number, accountId: number | null, at: Date | null): Promise<boolean> {
    const q = this.db('contact_messages').where({ id });
    if (at) q.whereNull('handled_at');
    else q.whereNotNull('handled_at');
    const n = await q.update({ handled_at: at ? at.toISOString() : null, handled_by: at ? accountId : null });
    return Number(n) > 0;
  }
}
