/**
 * What the /admin/subscriptions pages read (nothing here writes: the
 * subscriptions service does): filtered pages of subscriptions with their
 * partner and plan, a subscription's invoices and credit notes, and the
 * e-mails of the staff named in its timeline.
 */
import type { Currency, InvoiceKind, InvoiceStatus, SubscriptionState } from '../../billing/index.js';
import type { Db } from '../../platform/db.js';
import { toDateOrNull } from '../../platform/time.js';
import { likePattern } from '../shared.js';

export interface SubscriptionFilter {
  /** A piece of the partner's e-mail or company, or of the plan's slug or names ('' = none). */
  q: string;
  state: '' | SubscriptionState;
}

export interface SubscriptionRow {
  id: number;
  accountId: number;
  email: string;
  company: string;
  planSlug: string;
  planFr: string;
  planEn: string;
  state: SubscriptionState;
  price: number;
  currency: Currency;
  billingCycle: string;
  periodStart: string | null;
  periodEnd: string | null;
  createdAt: Date | null;
}

/** An invoice or credit note of a subscription, as its detail page lists it. */
export interface SubscriptionDocument {
  id: number;
  kind: InvoiceKind;
  number: string | null;
  status: InvoiceStatus;
  issueDate: string | null;
  dueDate: string | null;
  totalTtc: number;
  amountDue: number;
  amountPaid: number;
  currency: Currency;
}

type Row = Record<string, unknown>;
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const day = (v: unknown): string | null => {
  const d = toDateOrNull(v);
  return d ? d.toISOString().slice(0, 10) : null;
};

export class SubscriptionReports {
  constructor(private readonly db: Db) {}

  private filtered(f: SubscriptionFilter) {
    const q = this.db('subscriptions as s').join('accounts as a', 'a.id', 's.account_id').join('plans as p', 'p.id', 's.plan_id');
    if (f.q) {
      const like = likePattern(f.q);
      q.where((w) => {
        for (const col of ['a.email', 'a.company', 'p.slug', 'p.name_fr', 'p.name_en']) w.orWhereRaw(`lower(${col}) like ? escape '\\'`, [like]);
      });
    }
    if (f.state) q.where('s.state', f.state);
    return q;
  }

  async count(f: SubscriptionFilter): Promise<number> {
    const [row] = (await this.filtered(f).count({ n: '*' })) as { n: unknown }[];
    return Number(row?.n ?? 0);
  }

  /** A page of subscriptions, newest first. */
  async list(f: SubscriptionFilter, limit: number, offset: number): Promise<SubscriptionRow[]> {
    const rows = (await this.filtered(f).orderBy('s.id', 'desc').limit(limit).offset(offset).select(
      's.id', 's.account_id', 'a.email', 'a.company', 'p.slug', 'p.name_fr', 'p.name_en', 's.state', 's.price', 's.currency', 's.billing_cycle',
      's.current_period_start', 's.current_period_end', 's.created_at',
    )) as Row[];
    return rows.map((r) => ({
      id: Number(r.id), accountId: Number(r.account_id), email: String(r.email), company: String(r.company ?? ''), planSlug: String(r.slug),
      planFr: String(r.name_fr), planEn: String(r.name_en), state: r.state as SubscriptionState, price: Number(r.price), currency: r.currency as Currency,
      billingCycle: String(r.billing_cycle), periodStart: day(r.current_period_start), periodEnd: day(r.current_period_end),
      createdAt: toDateOrNull(r.created_at),
    }));
  }

  /** The finalised documents of subscription `id`, newest first. */
  async documents(id: number): Promise<SubscriptionDocument[]> {
    const rows = (await this.db('invoices').where({ subscription_id: id }).whereNot('status', 'draft').orderBy('id', 'desc').limit(200)
      .select('id', 'kind', 'number', 'status', 'issue_date', 'due_date', 'total_ttc', 'amount_due', 'amount_paid', 'currency')) as Row[];
    return rows.map((r) => ({
      id: Number(r.id), kind: r.kind as InvoiceKind, number: str(r.number), status: r.status as InvoiceStatus, issueDate: str(r.issue_date),
      dueDate: str(r.due_date), totalTtc: Number(r.total_ttc), amountDue: Number(r.amount_due), amountPaid: Number(r.amount_paid),
      currency: r.currency as Currency,
    }));
  }

  /** The e-mail and company of account `id`. */
  async account(id: number): Promise<{ id: number; email: string; company: string; name: string } | null> {
    const r = (await this.db('accounts').where({ id }).first('id', 'email', 'company', 'name')) as Row | undefined;
    return r ? { id: Number(r.id), email: String(r.email), company: String(r.company ?? ''), name: String(r.name ?? '') } : null;
  }

  /** The e-mails of accounts `ids` (the staff in a timeline). */
  async emails(ids: number[]): Promise<Map<number, string>> {
    if (!ids.length) return new Map();
    const rows = (await this.db('accounts').whereIn('id', [...new Set(ids)]).select('id', 'email')) as Row[];
    return new Map(rows.map((r) => [Number(r.id), String(r.email)]));
  }
}
