/**
 * The only writer of `products`: the admin adds a product and edits its
 * policy, each change in one transaction with its audit row
 * (`product.created`, `product.updated`), and the in-memory copy the license
 * API reads (ProductCache) is dropped after each change, so the next request
 * uses the new policy.
 *
 * Audit details are facts, not sentences: the policy's fields one by one
 * (`name`, `trial_days`, …; prefixed `before_`/`after_` for an update), turned
 * into a sentence in the reader's language by the `audit` locale namespace.
 */
import type { Actor, AuditDetails, AuditService } from '../audit/index.js';
import type { Clock } from '../platform/clock.js';
import { isUniqueViolation, type Db } from '../platform/db.js';
import { ProductCache } from './product-cache.js';
import { ProductsRepository, type Product, type ProductPolicy } from './products.repository.js';

export interface ProductsServiceDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
}

/** A policy as audit details, each key prefixed with `prefix` (`''`, `before_`, `after_`). */
export function policyDetails(p: ProductPolicy, prefix = ''): AuditDetails {
  return {
    [`${prefix}name`]: p.name, [`${prefix}trial_days`]: p.trialDays, [`${prefix}grace_days`]: p.graceDays,
    [`${prefix}max_activations`]: p.maxActivations, [`${prefix}heartbeat_seconds`]: p.heartbeatIntervalSeconds, [`${prefix}renewal_url`]: p.renewalUrl,
  };
}

export class ProductsService {
  private readonly repo: ProductsRepository;
  /** What the license API reads products from (no query on the validate path). */
  readonly cache: ProductCache;

  constructor(private readonly deps: ProductsServiceDeps) {
    this.repo = new ProductsRepository(deps.db);
    this.cache = new ProductCache(() => this.repo.list());
  }

  /** Every product, by code (read from the table, not the cache). */
  list(): Promise<Product[]> {
    return this.repo.list();
  }

  byId(id: number): Promise<Product | null> {
    return this.repo.byId(id);
  }

  byCode(code: string): Promise<Product | null> {
    return this.repo.byCode(code);
  }

  /**
   * Add product `code` with `policy` (audit `product.created`).
   * @returns its id, or null when the code is taken (checked in the
   * transaction; the unique index settles a race between two admins).
   */
  async create(code: string, policy: ProductPolicy, actor: Actor): Promise<number | null> {
    let id: number | null;
    try {
      id = await this.deps.db.transaction(async (trx) => {
        const repo = this.repo.with(trx);
        if (await repo.byCode(code)) return null;
        const newId = await repo.insert(code, policy, this.deps.clock.now());
        await this.deps.audit.record(trx, actor, 'product.created', { type: 'product', id: newId }, { code, ...policyDetails(policy) });
        return newId;
      });
    } catch (err) {
      if (isUniqueViolation(err)) return null;
      throw err;
    }
    this.cache.invalidate();
    return id;
  }

  /**
   * Send expired clients of product `productId` to `url` (a path of this portal, made absolute on BASE_URL in the API's
   * answers): the shop calls it when the product's listing is published, so a license bought in the shop is renewed
   * there. An http(s) address the admin set (a shop elsewhere) is kept. Audit `product.updated` when it changes.
   * @returns whether the product's renewal_url changed.
   */
  async pointRenewalAt(productId: number, url: string, actor: Actor): Promise<boolean> {
    const product = await this.repo.byId(productId);
    if (!product || product.renewalUrl === url || /^https?:/i.test(product.renewalUrl)) return false;
    await this.update(product, { ...product, renewalUrl: url }, actor);
    return true;
  }

  /** Replace the policy of `product` (audit `product.updated`, every field before and after). */
  async update(product: Product, policy: ProductPolicy, actor: Actor): Promise<void> {
    await this.deps.db.transaction(async (trx) => {
      await this.repo.with(trx).update(product.id, policy, this.deps.clock.now());
      const details = { code: product.code, ...policyDetails(product, 'before_'), ...policyDetails(policy, 'after_') };
      await this.deps.audit.record(trx, actor, 'product.updated', { type: 'product', id: product.id }, details);
    });
    this.cache.invalidate();
  }
}
