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

/** Days before expiry on which a customer is reminded. */
export const REMINDER_DAYS = [30, 7, 1] as const;

const DAY_MS = 86_400_000;

export class RemindersService {
  readonly name = 'license_reminders';

  constructor(private readonly deps: { db: Db; clock: Clock; orders: OrdersService }) {}

  async run(today: string): Promise<number> {
    let sent = 0;
    for (const days of REMINDER_DAYS) {
      const from = new Date(Date.parse(`${today}T00:00:00Z`) + days * DAY_MS);
      const rows = (await this.deps.db('licenses as l').join('activation_codes as c', 'c.license_id', 'l.id')
        .join('orders as o', 'o.batch_id', 'c.batch_id').where('o.status', 'paid').where('l.state', 'active')
        .where('l.expires_at', '>=', from.toISOString()).where('l.expires_at', '<', new Date(from.getTime() + DAY_MS).toISOString())
        .select('l.id', 'l.expires_at', 'o.id as order_id', 'o.account_id', 'c.code')) as Record<string, unknown>[];
      for (const r of rows) {
        const expires = new Date(String(r.expires_at)).toISOString();
        const took = await this.deps.db('license_reminders').insert({ license_id: Number(r.id), kind: `j${days}`, expires_at: expires,
          sent_at: this.deps.clock.now().toISOString() }).onConflict(['license_id', 'kind', 'expires_at']).ignore();
        if (!insertedRows(took)) continue;
        sent += 1;
        await this.deps.orders.mail(Number(r.account_id), async (to) => ({ kind: `expiry_${days}`, to, path: `/orders/${Number(r.order_id)}/renew`,
          params: { key: String(r.code), date: expires.slice(0, 10), days: String(days) } }));
      }
    }
    return sent;
  }
}

/** Whether an INSERT … ON CONFLICT DO NOTHING inserted its row (SQLite answers [lastId] or [], PostgreSQL a result with rowCount). */
function insertedRows(result: unknown): boolean {
  if (Array.isArray(result)) return result.length > 0 && Number(result[0]) > 0;
  return Number((result as { rowCount?: unknown } | undefined)?.rowCount ?? 0) > 0;
}
