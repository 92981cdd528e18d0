/**
 * The `license_reminders` table (written only through RemindersService), and
 * the licenses of paid orders expiring within a day's window.
 */
import type { Db } from '../platform/db.js';

/** An active license of a paid order, as a reminder names it. */
export interface ExpiringLicense {
  licenseId: number;
  expiresAt: string;
  orderId: number;
  accountId: number;
  code: string;
}

export class RemindersRepository {
  constructor(private readonly db: Db) {}

  /** Active licenses of paid orders whose expiry is in [from, to). */
  async expiring(from: Date, to: Date): Promise<ExpiringLicense[]> {
    const rows = (await this.db('licenses as l').join('activation_codes as c', 'c.license_id', 'l.id')
      .join('orders as o', 'o.batch_id', 'c.batch_id').where('o.status', 'paid').where('l.state', 'active')
      .where('l.expires_at', '>=', from.toISOString()).where('l.expires_at', '<', to.toISOString())
      .select('l.id', 'l.expires_at', 'o.id as order_id', 'o.account_id', 'c.code')) as Record<string, unknown>[];
    return rows.map((r) => ({ licenseId: Number(r.id), expiresAt: new Date(String(r.expires_at)).toISOString(), orderId: Number(r.order_id),
      accountId: Number(r.account_id), code: String(r.code) }));
  }

  /** Record reminder `kind` of a license's expiry; false when it was recorded already (ON CONFLICT DO NOTHING … RETURNING). */
  async record(licenseId: number, kind: string, expiresAt: string, now: Date): Promise<boolean> {
    const took = await this.db('license_reminders').insert({ license_id: licenseId, kind, expires_at: expiresAt, sent_at: now.toISOString() })
      .onConflict(['license_id', 'kind', 'expires_at']).ignore().returning('id');
    return took.length > 0;
  }
}
