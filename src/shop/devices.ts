/**
 * "Release this device": a customer frees the seat a machine holds on one of
 * their order's license keys, so another computer can take it. The license
 * server does the release (LicensesService.releaseActivation: another machine
 * of a multi-machine license loses its seat; the key's own machine revokes
 * that license and makes the key usable again). This module checks that the
 * order and the machine are the customer's and keeps the monthly allowance:
 * at most SHOP_RELEASES_PER_MONTH releases per order and calendar month
 * (UTC), counted from the license server's `license_releases` rows, under a
 * lock of the order row (two releases at once cannot both take the last one).
 */
import type { Actor } from '../audit/index.js';
import { NotFoundError, ValidationError } from '../errors/index.js';
import type { LicensesService } from '../licenses/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { Order } from './orders.repository.js';
import type { OrdersService } from './orders.service.js';

export interface DevicesDeps {
  db: Db;
  clock: Clock;
  orders: OrdersService;
  licenses: Pick<LicensesService, 'releaseActivation' | 'releasesOfBatchSince' | 'releasesOfBatchesSince'>;
  /** SHOP_RELEASES_PER_MONTH. */
  perMonth: number;
}

/** An order's releases this month: how many were made, the limit, how many are left, when the next month starts. */
export interface ReleaseAllowance {
  used: number;
  limit: number;
  left: number;
  nextMonth: Date;
}

const MACHINE = /^[0-9a-f]{32}$/;

export class DevicesService {
  constructor(private readonly deps: DevicesDeps) {}

  private month(): { start: Date; next: Date } {
    const now = this.deps.clock.now();
    return { start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)), next: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)) };
  }

  /** The releases of paid order `order` this month; null for an order whose keys cannot be released (not paid). */
  async allowance(order: Order, trx: Db | null = null): Promise<ReleaseAllowance | null> {
    if (order.status !== 'paid' || !order.batchId) return null;
    const { start, next } = this.month();
    const used = await this.deps.licenses.releasesOfBatchSince(trx, order.batchId, start);
    return { used, limit: this.deps.perMonth, left: Math.max(0, this.deps.perMonth - used), nextMonth: next };
  }

  /** {@link allowance} of each of `orders`, by order id (null: not paid), read in one query. */
  async allowances(orders: readonly Order[]): Promise<Map<number, ReleaseAllowance | null>> {
    const paid = orders.filter((o) => o.status === 'paid' && o.batchId);
    const { start, next } = this.month();
    const used = await this.deps.licenses.releasesOfBatchesSince(paid.map((o) => o.batchId!), start);
    return new Map(orders.map((o) => {
      if (o.status !== 'paid' || !o.batchId) return [o.id, null];
      const n = used.get(o.batchId) ?? 0;
      return [o.id, { used: n, limit: this.deps.perMonth, left: Math.max(0, this.deps.perMonth - n), nextMonth: next }];
    }));
  }

  /**
   * Release `machineId` from the license key of `accountId`'s order `orderId` it is activated with.
   * @returns 'seat' (another machine of the license freed) or 'key' (the key can be activated again).
   * @throws NotFoundError (not the account's order, or no key of it on that machine); ValidationError {machine_id}
   *   (shop-devices:errors.limit past the month's releases, shop-devices:errors.not_releasable)
   */
  async release(accountId: number, orderId: number, machineId: string, actor: Actor): Promise<'seat' | 'key'> {
    const order = await this.deps.orders.forAccount(accountId, orderId);
    const key = MACHINE.test(machineId) && order.status === 'paid' ? (await this.deps.orders.keys(order))
      .find((k) => k.licenseId !== null && k.machines.some((m) => m.machineId === machineId)) : undefined;
    if (!key?.licenseId) throw new NotFoundError('no such machine on this order');
    const licenseId = key.licenseId;
    return this.deps.db.transaction(async (trx) => {
      const locked = await this.deps.orders.lockIn(trx, order.id);
      const allowance = locked ? await this.allowance(locked, trx) : null;
      if (!allowance) throw new NotFoundError('no such order');
      if (allowance.left <= 0) throw new ValidationError({ machine_id: 'shop-devices:errors.limit' });
      const done = await this.deps.licenses.releaseActivation(trx, licenseId, machineId, actor);
      if (!done) throw new ValidationError({ machine_id: 'shop-devices:errors.not_releasable' });
      return done;
    });
  }
}
