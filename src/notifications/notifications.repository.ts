/**
 * The `notifications` table, written only through NotificationsService.
 * Every read and write names the account: a notification of another account
 * is never found (its page answers 404, never 403).
 */
import { insertedId, type Db } from '../platform/db.js';
import { toDate, toDateOrNull } from '../platform/time.js';

export interface Notification {
  id: number;
  accountId: number;
  /** A short category: account, billing, invoice_issued, payment_failed, purchase, license_expiring, ticket_reply, other. */
  kind: string;
  title: string;
  body: string;
  /** An in-site path (`/subscription/billing`), never a secret; null when the notification leads nowhere. */
  link: string | null;
  createdAt: Date;
  readAt: Date | null;
}

export type NewNotification = Pick<Notification, 'accountId' | 'kind' | 'title' | 'body' | 'link' | 'createdAt'>;

type Row = Record<string, unknown>;

function toNotification(r: Row): Notification {
  return {
    id: Number(r.id), accountId: Number(r.account_id), kind: String(r.kind), title: String(r.title), body: String(r.body ?? ''),
    link: r.link === null || r.link === undefined ? null : String(r.link), createdAt: toDate(r.created_at), readAt: toDateOrNull(r.read_at),
  };
}

export class NotificationsRepository {
  constructor(private readonly db: Db) {}

  async insert(n: NewNotification): Promise<number> {
    return insertedId(await this.db('notifications').insert({
      account_id: n.accountId, kind: n.kind, title: n.title, body: n.body, link: n.link, created_at: n.createdAt.toISOString(),
    }).returning('id'));
  }

  /** The account's notifications, newest first, `limit` from `offset`. */
  async page(accountId: number, offset: number, limit: number): Promise<Notification[]> {
    const rows = (await this.db('notifications').where({ account_id: accountId }).orderBy('id', 'desc').offset(offset).limit(limit)) as Row[];
    return rows.map(toNotification);
  }

  async count(accountId: number): Promise<number> {
    const row = (await this.db('notifications').where({ account_id: accountId }).count({ n: '*' }).first()) as { n: unknown } | undefined;
    return Number(row?.n ?? 0);
  }

  /** One COUNT over the `(account_id, read_at)` index: the header asks on every page. */
  async unreadCount(accountId: number): Promise<number> {
    const row = (await this.db('notifications').where({ account_id: accountId }).whereNull('read_at').count({ n: '*' }).first()) as
      { n: unknown } | undefined;
    return Number(row?.n ?? 0);
  }

  async byId(accountId: number, id: number): Promise<Notification | null> {
    const row = (await this.db('notifications').where({ id, account_id: accountId }).first()) as Row | undefined;
    return row ? toNotification(row) : null;
  }

  /** Mark one unread notification read; @returns whether a row changed. */
  async markRead(accountId: number, id: number, at: Date): Promise<boolean> {
    return (await this.db('notifications').where({ id, account_id: accountId }).whereNull('read_at').update({ read_at: at.toISOString() })) > 0;
  }

  /** Mark every unread notification of the account read; @returns how many. */
  async markAllRead(accountId: number, at: Date): Promise<number> {
    return this.db('notifications').where({ account_id: accountId }).whereNull('read_at').update({ read_at: at.toISOString() });
  }
}
