/**
 * In-app notifications, the only writer of `notifications`.
 *
 * Every mail the portal sends goes through the mailer's hook (`mirror`,
 * wired in app.ts and the CLI): a mail to an address that belongs to an
 * account is kept for that account, titled with the mail's subject, with the
 * summary and action path its sender gave (MailMessage.notice), in the
 * language the mail was written in. A mail to an address without account
 * (the staff alerts to ADMIN_EMAIL) or marked `notice: false` leaves nothing.
 * No secret is stored: a link must be an in-site path whose query names no
 * token, key, code or secret (else it is dropped), and no web address is
 * kept in the text.
 */
import type { Logger } from 'pino';
import { NotFoundError } from '../errors/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { MailMessage } from '../platform/mailer.js';
import { NotificationsRepository, type NewNotification, type Notification } from './notifications.repository.js';

export const PER_PAGE = 25;
const TITLE_MAX = 200;
const BODY_MAX = 2000;
const SECRET_PARAM = /[?&](?:[^=&#]*(?:token|key|code|secret|signature|sig|password)[^=&#]*)=/i;

export interface NotificationsDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  /** The account an address belongs to (AccountsService.byEmail), or null. */
  accountOf(email: string): Promise<{ id: number } | null>;
}

export interface NotificationPage {
  items: Notification[];
  total: number;
  unread: number;
  page: number;
  pages: number;
}

/** `link` when it is a relative in-site path carrying no secret, else null. */
export function safeLink(link: string | null | undefined): string | null {
  if (typeof link !== 'string' || link.length > 500 || !/^\/(?![/\\])[\x21-\x7e]*$/.test(link)) return null;
  return SECRET_PARAM.test(link) ? null : link;
}

/** A short category: lower-case letters and underscores, else `other`. */
function kindOf(kind: string | undefined): string {
  return kind && /^[a-z_]{1,32}$/.test(kind) ? kind : 'other';
}

/** Text without web addresses (a mailed link may carry a token), trimmed to `max` characters. */
function clean(text: string, max: number): string {
  const plain = text.replace(/https?:\/\/\S+/gi, '').replace(/\s+/g, ' ').trim();
  return plain.length > max ? `${plain.slice(0, max - 1)}…` : plain;
}

export class NotificationsService {
  private readonly repo: NotificationsRepository;

  constructor(private readonly deps: NotificationsDeps) {
    this.repo = new NotificationsRepository(deps.db);
  }

  /** The mailer's hook: keep the in-app copy of `message` when it goes to an account. Never throws (a failure is logged). */
  async mirror(message: MailMessage): Promise<void> {
    if (message.notice === false) return;
    try {
      const account = await this.deps.accountOf(message.to);
      if (!account) return;
      await this.record({
        accountId: account.id, kind: message.notice?.kind ?? 'other', title: message.subject, body: message.notice?.body ?? '',
        link: message.notice?.link ?? null,
      });
    } catch (err) {
      this.deps.logger.error({ err }, 'notification of a mail not kept');
    }
  }

  /** Keep one notification (kind, link and texts cleaned as described above); @returns its id. */
  record(n: Omit<NewNotification, 'createdAt'>): Promise<number> {
    return this.repo.insert({
      accountId: n.accountId, kind: kindOf(n.kind), title: clean(n.title, TITLE_MAX), body: clean(n.body, BODY_MAX), link: safeLink(n.link),
      createdAt: this.deps.clock.now(),
    });
  }

  /** Page `page` (1-based, PER_PAGE each) of the account's notifications, newest first. */
  async list(accountId: number, page: number): Promise<NotificationPage> {
    const [total, unread] = await Promise.all([this.repo.count(accountId), this.repo.unreadCount(accountId)]);
    const pages = Math.max(1, Math.ceil(total / PER_PAGE));
    const current = Math.min(Math.max(1, page), pages);
    const items = await this.repo.page(accountId, (current - 1) * PER_PAGE, PER_PAGE);
    return { items, total, unread, page: current, pages };
  }

  /** How many of the account's notifications are unread (the page header). */
  unreadCount(accountId: number): Promise<number> {
    return this.repo.unreadCount(accountId);
  }

  /** Mark one of the account's notifications read. @throws NotFoundError when it is not the account's. */
  async markRead(accountId: number, id: number): Promise<void> {
    await this.own(accountId, id);
    await this.repo.markRead(accountId, id, this.deps.clock.now());
  }

  /** Mark all the account's notifications read; @returns how many were unread. */
  markAllRead(accountId: number): Promise<number> {
    return this.repo.markAllRead(accountId, this.deps.clock.now());
  }

  /**
   * Mark the notification read and give the path it leads to (checked again:
   * only an in-site path), or null. @throws NotFoundError when it is not the account's.
   */
  async open(accountId: number, id: number): Promise<string | null> {
    const n = await this.own(accountId, id);
    await this.repo.markRead(accountId, id, this.deps.clock.now());
    return safeLink(n.link);
  }

  private async own(accountId: number, id: number): Promise<Notification> {
    const n = await this.repo.byId(accountId, id);
    if (!n) throw new NotFoundError('No such notification');
    return n;
  }
}
