/**
 * Expiry reminders of customers' licenses: the only writer of
 * `license_reminders`. Run by the daily job (billing's BillingRun, as a
 * DailyJob, and `npm run billing:run`): for each offset of REMINDER_DAYS, the
 * active licenses of paid orders whose expiry falls on that day after `today`
 * (UTC days) get one mail (`expiry_<n>`, a link to renew) — once: the row
 * (license, kind, expiry) is inserted first and only an insert that took
 * sends. Returns how many reminders were sent.
 */
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { OrdersService } from './orders.service.js';
import { RemindersRepository } from './reminders.repository.js';

/** Days before expiry on which a customer is reminded. */
export const REMINDER_DAYS = [30, 7, 1] as const;

const DAY_MS = 86_400_000;

export class RemindersService {
  readonly name = 'license_reminders';

  private readonly repo: RemindersRepository;

  constructor(private readonly deps: { db: Db; clock: Clock; orders: OrdersService }) {
    this.repo = new RemindersRepository(deps.db);
  }

  async run(today: string): Promise<number> {
    let sent = 0;
    for (const days of REMINDER_DAYS) {
      const from = new Date(Date.parse(`${today}T00:00:00Z`) + days * DAY_MS);
      for (const l of await this.repo.expiring(from, new Date(from.getTime() + DAY_MS))) {
        if (!(await this.repo.record(l.licenseId, `j${days}`, l.expiresAt, this.deps.clock.now()))) continue;
        sent += 1;
        await this.deps.orders.mail(l.accountId, async (to) => ({ kind: `expiry_${days}`, to, path: `/orders/${l.orderId}/renew`,
          params: { key: l.code, date: l.expiresAt.slice(0, 10), days: String(days) } }));
      }
    }
    return sent;
  }
}
