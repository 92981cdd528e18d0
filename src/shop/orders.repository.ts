/**
 * The `orders` table (written only through OrdersService), and what the
 * customer pages read beside it: the license keys of an order (its
 * activation batch's codes) with the license each created and its machines.
 */
import { insertedId, isSqlite, type Db } from '../platform/db.js';
import { toDate, toDateOrNull } from '../platform/time.js';

export const ORDER_STATUSES = ['pending', 'paid', 'failed', 'refunded', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface Order {
  id: number;
  accountId: number;
  productId: number;
  offerId: number;
  kind: 'purchase' | 'renewal';
  renewsOrderId: number | null;
  quantity: number;
  status: OrderStatus;
  invoiceId: number;
  batchId: number | null;
  idempotencyKey: string;
  paidAt: Date | null;
  refundRequestedAt: Date | null;
  refundReason: string | null;
  refundedAt: Date | null;
  createdAt: Date;
}

/** An order with what its lists show: the invoice's number, total TTC (minor units) and currency, the buyer's e-mail. */
export interface OrderRow extends Order {
  invoiceNumber: string | null;
  totalTtc: number;
  currency: string;
  email: string;
  sku: string;
  offerCode: string;
}

/** One license key of an order: the activation code, the license it created (if activated), its machines. */
export interface LicenseKey {
  code: string;
  usedAt: Date | null;
  licenseId: number | null;
  /** The license type the key gives (its batch's). */
  licenseType: string;
  state: string | null;
  expiresAt: Date | null;
  machines: { machineId: string; firstSeenAt: Date; lastSeenAt: Date }[];
}

export interface OrderFilter {
  q: string;
  status: '' | OrderStatus;
  accountId?: number;
  /** Placed on or after `from`, before `toExclusive` (admin list's date range). */
  from?: Date | null;
  toExclusive?: Date | null;
}

type Row = Record<string, unknown>;

function order(r: Row): Order {
  return {
    id: Number(r.id), accountId: Number(r.account_id), productId: Number(r.product_id), offerId: Number(r.offer_id),
    kind: r.kind === 'renewal' ? 'renewal' : 'purchase', renewsOrderId: r.renews_order_id ? Number(r.renews_order_id) : null,
    quantity: Number(r.quantity), status: r.status as OrderStatus, invoiceId: Number(r.invoice_id), batchId: r.batch_id ? Number(r.batch_id) : null,
    idempotencyKey: String(r.idempotency_key), paidAt: toDateOrNull(r.paid_at), refundRequestedAt: toDateOrNull(r.refund_requested_at),
    refundReason: (r.refund_reason as string | null) ?? null, refundedAt: toDateOrNull(r.refunded_at), createdAt: toDate(r.created_at),
  };
}

export class OrdersRepository {
  constructor(private readonly db: Db) {}

  with(trx: Db): OrdersRepository {
    return new OrdersRepository(trx);
  }

  async insert(o: Pick<Order, 'accountId' | 'productId' | 'offerId' | 'kind' | 'renewsOrderId' | 'quantity' | 'invoiceId' | 'idempotencyKey'>,
    now: Date): Promise<number> {
    return insertedId(await this.db('orders').insert({
      account_id: o.accountId, product_id: o.productId, offer_id: o.offerId, kind: o.kind, renews_order_id: o.renewsOrderId, quantity: o.quantity,
      status: 'pending', invoice_id: o.invoiceId, idempotency_key: o.idempotencyKey, created_at: now.toISOString(), updated_at: now.toISOString(),
    }).returning('id'));
  }

  async byId(id: number, forUpdate = false): Promise<Order | null> {
    const q = this.db('orders').where({ id });
    if (forUpdate && !isSqlite(this.db)) q.forUpdate();
    const r = (await q.first()) as Row | undefined;
    return r ? order(r) : null;
  }

  async byKey(key: string): Promise<Order | null> {
    const r = (await this.db('orders').where({ idempotency_key: key }).first()) as Row | undefined;
    return r ? order(r) : null;
  }

  async byInvoice(invoiceId: number, forUpdate = false): Promise<Order | null> {
    const q = this.db('orders').where({ invoice_id: invoiceId });
    if (forUpdate && !isSqlite(this.db)) q.forUpdate();
    const r = (await q.first()) as Row | undefined;
    return r ? order(r) : null;
  }

  /** The order of `accountId` whose key created license `licenseId`, or null. */
  async orderOfLicense(accountId: number, licenseId: number): Promise<number | null> {
    const r = (await this.db('licenses as l').join('activation_codes as c', 'c.id', 'l.activation_code_id').join('orders as o', 'o.batch_id', 'c.batch_id')
      .where({ 'l.id': licenseId, 'o.account_id': accountId }).first('o.id')) as { id?: unknown } | undefined;
    return r?.id ? Number(r.id) : null;
  }

  async ownsProduct(accountId: number, productId: number): Promise<boolean> {
    return Boolean(await this.db('orders').where({ account_id: accountId, product_id: productId, status: 'paid' }).first('id'));
  }

  async markPaid(id: number, batchId: number | null, now: Date): Promise<void> {
    await this.db('orders').where({ id, status: 'pending' })
      .update({ status: 'paid', batch_id: batchId, paid_at: now.toISOString(), updated_at: now.toISOString() });
  }

  async requestRefund(id: number, reason: string, now: Date): Promise<boolean> {
    return (await this.db('orders').where({ id, status: 'paid' }).whereNull('refund_requested_at')
      .update({ refund_requested_at: now.toISOString(), refund_reason: reason, updated_at: now.toISOString() })) === 1;
  }

  async markRefunded(id: number, now: Date): Promise<boolean> {
    return (await this.db('orders').where({ id, status: 'paid' })
      .update({ status: 'refunded', refunded_at: now.toISOString(), updated_at: now.toISOString() })) === 1;
  }

  private listed(f: OrderFilter) {
    const q = this.db('orders as o').join('invoices as i', 'i.id', 'o.invoice_id').join('accounts as a', 'a.id', 'o.account_id')
      .join('products as p', 'p.id', 'o.product_id');
    if (f.accountId !== undefined) q.where('o.account_id', f.accountId);
    if (f.status) q.where('o.status', f.status);
    if (f.from) q.where('o.created_at', '>=', f.from.toISOString());
    if (f.toExclusive) q.where('o.created_at', '<', f.toExclusive.toISOString());
    if (f.q) {
      const like = `%${f.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q.where((w) => w.whereRaw("lower(a.email) like ? escape '\\'", [like]).orWhereRaw("lower(i.number) like ? escape '\\'", [like]));
    }
    return q;
  }

  async count(f: OrderFilter): Promise<number> {
    const [r] = (await this.listed(f).count({ n: '*' })) as { n: unknown }[];
    return Number(r?.n ?? 0);
  }

  async list(f: OrderFilter, limit: number, offset: number): Promise<OrderRow[]> {
    const rows = (await this.listed(f).leftJoin('product_offers as po', 'po.id', 'o.offer_id')
      .select('o.*', 'i.number as invoice_number', 'i.total_ttc', 'i.currency', 'a.email', 'p.code as sku', 'po.code as offer_code')
      .orderBy('o.id', 'desc').limit(limit).offset(offset)) as Row[];
    return rows.map((r) => ({ ...order(r), invoiceNumber: (r.invoice_number as string | null) ?? null, totalTtc: Number(r.total_ttc),
      currency: String(r.currency), email: String(r.email), sku: String(r.sku), offerCode: String(r.offer_code ?? '') }));
  }

  /** The license keys of activation batch `batchId`, in creation order, with their licenses and machines. */
  async keys(batchId: number): Promise<LicenseKey[]> {
    return (await this.keysOfBatches([batchId])).get(batchId) ?? [];
  }

  /**
   * The license keys of each activation batch of `batchIds` (two queries whatever their number; at most a few
   * hundred ids), each batch's in creation order with their licenses and machines; a batch without keys is absent.
   */
  async keysOfBatches(batchIds: readonly number[]): Promise<Map<number, LicenseKey[]>> {
    const out = new Map<number, LicenseKey[]>();
    if (batchIds.length === 0) return out;
    const rows = (await this.db('activation_codes as c').join('activation_batches as b', 'b.id', 'c.batch_id')
      .leftJoin('licenses as l', 'l.id', 'c.license_id').whereIn('c.batch_id', [...new Set(batchIds)])
      .orderBy('c.id').select('c.batch_id', 'c.code', 'c.used_at', 'c.license_id', 'b.license_type', 'l.state', 'l.expires_at')) as Row[];
    const ids = rows.filter((r) => r.license_id).map((r) => Number(r.license_id));
    const machines = new Map<number, LicenseKey['machines']>();
    const activations = ids.length ? (await this.db('license_activations').whereIn('license_id', ids).orderBy('id')
      .select('license_id', 'machine_id', 'first_seen_at', 'last_seen_at')) as Row[] : [];
    for (const m of activations) {
      const list = machines.get(Number(m.license_id)) ?? [];
      list.push({ machineId: String(m.machine_id), firstSeenAt: toDate(m.first_seen_at), lastSeenAt: toDate(m.last_seen_at) });
      machines.set(Number(m.license_id), list);
    }
    for (const r of rows) {
      const licenseId = r.license_id ? Number(r.license_id) : null;
      const list = out.get(Number(r.batch_id)) ?? [];
      list.push({ code: String(r.code), usedAt: toDateOrNull(r.used_at), licenseId, licenseType: String(r.license_type),
        state: (r.state as string | null) ?? null, expiresAt: toDateOrNull(r.expires_at), machines: licenseId ? machines.get(licenseId) ?? [] : [] });
      out.set(Number(r.batch_id), list);
    }
    return out;
  }
}
