/**
 * Products in memory: the validate path reads a product by id without a
 * query. The list is re-read when older than `ttlMs` (in the background: the
 * stale list answers meanwhile) and at once when an unknown id or code is
 * asked for (a product an admin just added). `invalidate()` forces the next
 * read to reload (ProductsService calls it after each change).
 */
import type { Product } from './products.repository.js';

export const PRODUCTS_TTL_MS = 10_000;

export class ProductCache {
  private byId = new Map<number, Product>();
  private byCode = new Map<string, Product>();
  private loadedAt = -Infinity;
  private loading: Promise<void> | null = null;

  /** `load` reads every product (ProductsService gives its repository's list). */
  constructor(private readonly load: () => Promise<Product[]>, private readonly ttlMs = PRODUCTS_TTL_MS) {}

  /** Re-read the products now (one read at a time). */
  reload(): Promise<void> {
    if (!this.loading) {
      this.loading = this.load().then((list) => {
        this.byId = new Map(list.map((p) => [p.id, p]));
        this.byCode = new Map(list.map((p) => [p.code, p]));
        this.loadedAt = performance.now();
      }).finally(() => { this.loading = null; });
    }
    return this.loading;
  }

  invalidate(): void {
    this.loadedAt = -Infinity;
  }

  /** A cached product, or undefined when the list must be read first; starts a background reload when stale. */
  private peek<K>(map: () => Map<K, Product>, key: K): Product | undefined {
    const fresh = performance.now() - this.loadedAt < this.ttlMs;
    if (!fresh && this.loadedAt !== -Infinity) void this.reload().catch(() => undefined);
    return fresh || this.loadedAt !== -Infinity ? map().get(key) : undefined;
  }

  /** The product with this id, or null. May read the table (unknown id, first use). */
  async get(id: number): Promise<Product | null> {
    const hit = this.peek(() => this.byId, id);
    if (hit) return hit;
    await this.reload();
    return this.byId.get(id) ?? null;
  }

  /** The product with this code, or null. May read the table (unknown code, first use). */
  async byCodeOf(code: string): Promise<Product | null> {
    const hit = this.peek(() => this.byCode, code);
    if (hit) return hit;
    await this.reload();
    return this.byCode.get(code) ?? null;
  }
}
