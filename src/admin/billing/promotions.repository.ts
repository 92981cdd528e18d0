/**
 * What /admin/promotions reads (nothing here writes: PromotionsService
 * does): the codes matching a search, a page at a time, and per code its
 * uses (checkout redemptions, as max_uses counts them), the revenue and the
 * discount given per currency, and its latest redemptions.
 *
 * Revenue is the HT after discount (total_ht) of the invoices that used the
 * code; discount given is the HT the code took off them. Both leave out the
 * invoices that brought nothing in: cancelled (a credit note before payment),
 * refunded, uncollectible.
 */
import type { Currency, Promotion, PromotionKind, PromotionScope, RedemptionKind } from '../../billing/index.js';
import type { Db } from '../../platform/db.js';
import { toDateOrNull } from '../../platform/time.js';
import { likePattern } from '../shared.js';

/** A code as the list shows it: the billing component's Promotion, its listed columns only. */
export type PromotionRow = Pick<Promotion, 'id' | 'code' | 'name' | 'kind' | 'value' | 'currency' | 'maxUses' | 'appliesTo' | 'startsOn' | 'endsOn'
  | 'isActive' | 'autoApply'>;

/** Per code: uses, and per currency the revenue HT and the discount given (minor units). */
export interface PromotionStats {
  uses: number;
  money: { currency: Currency; revenue: number; discount: number }[];
}

export interface RedemptionRow {
  id: number;
  accountId: number;
  email: string;
  company: string;
  invoiceId: number;
  number: string | null;
  kind: RedemptionKind;
  discount: number;
  currency: Currency;
  createdAt: Date | null;
}

type Row = Record<string, unknown>;
const NOT_EARNED = ['cancelled', 'refunded', 'uncollectible'];

export class PromotionsAdminRepository {
  constructor(private readonly db: Db) {}

  private search(q: string) {
    const b = this.db('promotions');
    if (q) {
      const p = likePattern(q);
      b.where((w) => w.whereRaw("lower(code) like ? escape '\\'", [p]).orWhereRaw("lower(name) like ? escape '\\'", [p]));
    }
    return b;
  }

  async count(q: string): Promise<number> {
    const [row] = (await this.search(q).count({ n: '*' })) as { n: unknown }[];
    return Number(row?.n ?? 0);
  }

  /** A page of codes, newest first. */
  async list(q: string, limit: number, offset: number): Promise<PromotionRow[]> {
    const rows = (await this.search(q).orderBy('id', 'desc').limit(limit).offset(offset)) as Row[];
    return rows.map((r) => ({
      id: Number(r.id), code: String(r.code), name: String(r.name), kind: r.kind as PromotionKind, value: Number(r.value),
      currency: (r.currency as Currency | null) ?? null, maxUses: r.max_uses === null || r.max_uses === undefined ? null : Number(r.max_uses),
      appliesTo: r.applies_to as PromotionScope, startsOn: (r.starts_on as string | null) ?? null, endsOn: (r.ends_on as string | null) ?? null,
      isActive: Boolean(r.is_active), autoApply: Boolean(r.auto_apply),
    }));
  }

  /** The stats of the codes `ids` (module comment), every id present. */
  async stats(ids: number[]): Promise<Map<number, PromotionStats>> {
    const out = new Map<number, PromotionStats>(ids.map((id) => [id, { uses: 0, money: [] }]));
    if (!ids.length) return out;
    const uses = (await this.db('promotion_redemptions').whereIn('promotion_id', ids).where({ kind: 'first' })
      .groupBy('promotion_id').select('promotion_id').count({ n: '*' })) as Row[];
    for (const u of uses) out.get(Number(u.promotion_id))!.uses = Number(u.n);
    const money = (await this.db('promotion_redemptions as r').join('invoices as i', 'i.id', 'r.invoice_id').whereIn('r.promotion_id', ids)
      .whereNotIn('i.status', NOT_EARNED).groupBy('r.promotion_id', 'r.currency').orderBy('r.currency')
      .select('r.promotion_id', 'r.currency').sum({ revenue: 'i.total_ht', discount: 'r.discount' })) as Row[];
    for (const m of money) {
      out.get(Number(m.promotion_id))!.money.push({ currency: m.currency as Currency, revenue: Number(m.revenue ?? 0), discount: Number(m.discount ?? 0) });
    }
    return out;
  }

  /** The latest `limit` redemptions of a code, newest first, with the partner and the invoice number. */
  async redemptions(promotionId: number, limit: number): Promise<RedemptionRow[]> {
    const rows = (await this.db('promotion_redemptions as r').join('accounts as a', 'a.id', 'r.account_id').join('invoices as i', 'i.id', 'r.invoice_id')
      .where('r.promotion_id', promotionId).orderBy('r.id', 'desc').limit(limit)
      .select('r.id', 'r.account_id', 'a.email', 'a.company', 'r.invoice_id', 'i.number', 'r.kind', 'r.discount', 'r.currency', 'r.created_at')) as Row[];
    return rows.map((r) => ({
      id: Number(r.id), accountId: Number(r.account_id), email: String(r.email), company: String(r.company ?? ''), invoiceId: Number(r.invoice_id),
      number: r.number === null || r.number === undefined ? null : String(r.number), kind: r.kind as RedemptionKind, discount: Number(r.discount),
      currency: r.currency as Currency, createdAt: toDateOrNull(r.created_at),
    }));
  }
}
