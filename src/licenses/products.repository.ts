/**
 * The `products` table: the license server's products and their policy.
 * A product's code never changes once created: it is in every license token
 * already signed. Written only through ProductsService.
 */
import { insertedId, type Db } from '../platform/db.js';

/** A product's policy as the admin edits it (days, count, seconds). */
export interface ProductPolicy {
  name: string;
  /** Trial length, days (1..365). */
  trialDays: number;
  /** Offline grace after expiry, days (0..90). */
  graceDays: number;
  /** Distinct machines per license (1..100). */
  maxActivations: number;
  /** Minimum time between two heartbeats of one machine, seconds (60..604 800). */
  heartbeatIntervalSeconds: number;
  /** Where an expired client is sent: '' or an http(s) URL or a path. */
  renewalUrl: string;
}

/** A product and its license policy. Days and seconds are whole numbers. */
export interface Product extends ProductPolicy {
  id: number;
  code: string;
}

type Row = Record<string, unknown>;

export function toProduct(r: Row): Product {
  return {
    id: Number(r.id),
    code: String(r.code),
    name: String(r.name),
    trialDays: Number(r.trial_days),
    graceDays: Number(r.grace_days),
    maxActivations: Number(r.max_activations),
    heartbeatIntervalSeconds: Number(r.heartbeat_interval_seconds),
    renewalUrl: String(r.renewal_url ?? ''),
  };
}

function columns(p: ProductPolicy): Row {
  return {
    name: p.name, trial_days: p.trialDays, grace_days: p.graceDays, max_activations: p.maxActivations,
    heartbeat_interval_seconds: p.heartbeatIntervalSeconds, renewal_url: p.renewalUrl,
  };
}

export class ProductsRepository {
  constructor(private readonly db: Db) {}

  /** The same repository inside a transaction. */
  with(trx: Db): ProductsRepository {
    return new ProductsRepository(trx);
  }

  /** Every product, by code. */
  async list(): Promise<Product[]> {
    return ((await this.db('products').orderBy('code')) as Row[]).map(toProduct);
  }

  async byId(id: number): Promise<Product | null> {
    const row = (await this.db('products').where({ id }).first()) as Row | undefined;
    return row ? toProduct(row) : null;
  }

  async byCode(code: string): Promise<Product | null> {
    const row = (await this.db('products').where({ code }).first()) as Row | undefined;
    return row ? toProduct(row) : null;
  }

  /** Insert a product; returns its id. @throws the driver's unique violation when the code exists. */
  async insert(code: string, p: ProductPolicy, now: Date): Promise<number> {
    const at = now.toISOString();
    return insertedId(await this.db('products').insert({ code, ...columns(p), created_at: at, updated_at: at }).returning('id'));
  }

  async update(id: number, p: ProductPolicy, now: Date): Promise<void> {
    await this.db('products').where({ id }).update({ ...columns(p), updated_at: now.toISOString() });
  }
}
