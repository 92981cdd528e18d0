/**
 * The admin's reads and writes of `products` (the license server's products
 * and their policy). Codes never change once created: they are in every
 * license token already signed.
 */
import type { Db } from '../../platform/db.js';
import { insertedId } from '../../platform/db.js';
import { toDate } from '../../platform/time.js';

/** A product's policy as the forms edit it (days, count, seconds). */
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

export interface Product extends ProductPolicy {
  id: number;
  code: string;
  createdAt: Date;
  updatedAt: Date;
}

type Row = Record<string, unknown>;

function toProduct(r: Row): Product {
  return {
    id: Number(r.id), code: String(r.code), name: String(r.name), trialDays: Number(r.trial_days), graceDays: Number(r.grace_days),
    maxActivations: Number(r.max_activations), heartbeatIntervalSeconds: Number(r.heartbeat_interval_seconds), renewalUrl: String(r.renewal_url ?? ''),
    createdAt: toDate(r.created_at), updatedAt: toDate(r.updated_at),
  };
}

function columns(p: ProductPolicy): Row {
  return {
    name: p.name, trial_days: p.trialDays, grace_days: p.graceDays, max_activations: p.maxActivations,
    heartbeat_interval_seconds: p.heartbeatIntervalSeconds, renewal_url: p.renewalUrl,
  };
}

/** One line describing a policy, for audit summaries. */
export function policySummary(p: ProductPolicy): string {
  return `name=${p.name} trial=${p.trialDays}d grace=${p.graceDays}d max_activations=${p.maxActivations} heartbeat=${p.heartbeatIntervalSeconds}s renewal_url=${p.renewalUrl || '-'}`;
}

export class AdminProductsRepository {
  constructor(private readonly db: Db) {}

  with(trx: Db): AdminProductsRepository {
    return new AdminProductsRepository(trx);
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
