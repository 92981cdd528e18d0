/**
 * The billing bench's database (test/bench/billing.ts): rows inserted in
 * bulk (multi-row INSERTs, 20,000 rows per transaction), not through the
 * services, in the shapes the services write them. Not part of the
 * application.
 *
 * LIVE partners, each with one subscription. Every one (or one in `every`,
 * the others mid-period) has a step due on the run's day D, in this mix: of
 * 20, 8 renewal at P-7, 2 reminder at P-3, 2 renew at P, 3 renew + due at P
 * with the renewal unpaid, 1 each dunning_3, dunning_7, suspend, cancel on
 * an unpaid invoice due D-3, D-7, D-14, D-30, and 1 pending subscription to
 * expire (a credit note). Monthly at 49 € HT, a quarter of the
 * renewing ones annual at 490 € HT, one partner in ten in XOF (30,000 XOF a
 * month), one in seven started with a 14-day trial. Each has 1–18 months of
 * history: a paid invoice (with its one line and its payment) and a
 * `renewed` event per period. Churned partners (a cancelled subscription,
 * their paid invoices) are added until there are at least INVOICES invoices.
 * Every finalised invoice carries a real PDF's bytes (the same for all),
 * snapshots, its number and chain place; the counters follow. The steps
 * already taken before D are in billing_steps, as the daily job left them.
 */
import crypto from 'node:crypto';
import type { Knex } from 'knex';

export const LIVE = 10_000;
export const INVOICES = 100_000;
const ROWS_PER_TRANSACTION = 20_000;
const DAY_MS = 86_400_000;

export interface Seeded {
  accounts: number;
  subscriptions: number;
  events: number;
  invoices: number;
  payments: number;
  steps: number;
  /** Live subscriptions per expected step. */
  due: Record<string, number>;
  seconds: number;
}

type Row = unknown[];

/** A calendar day `n` days after `day`. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

function addMonths(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), last));
  return target.toISOString().slice(0, 10);
}

const stamp = (day: string, hour = 10): string => `${day}T${String(hour).padStart(2, '0')}:00:00.000Z`;

/** Collects the rows of one table and inserts them in multi-row INSERTs. */
class Table {
  readonly rows: Row[] = [];
  constructor(readonly name: string, readonly columns: string[]) {}
  add(...values: unknown[]): void {
    this.rows.push(values);
  }
  async flush(db: Knex): Promise<void> {
    const per = Math.max(1, Math.floor(30_000 / this.columns.length));
    for (let first = 0; first < this.rows.length; first += ROWS_PER_TRANSACTION) {
      const batch = this.rows.slice(first, first + ROWS_PER_TRANSACTION);
      await db.transaction(async (trx) => {
        for (let i = 0; i < batch.length; i += per) {
          const chunk = batch.slice(i, i + per);
          const values = chunk.map(() => `(${this.columns.map(() => '?').join(',')})`).join(',');
          await trx.raw(`insert into ${this.name} (${this.columns.join(',')}) values ${values}`, chunk.flat() as Knex.RawBinding[]);
        }
      });
    }
  }
}

interface Plan { id: number; price: number; currency: 'EUR' | 'XOF'; cycle: 'month' | 'year'; vatBp: number }

/**
 * The world described in the module comment, as of day `day` (YYYY-MM-DD); `pdf`: a real invoice PDF's bytes.
 * `every`: one live subscription in `every` has a step due on `day` (1: all of them, the stress day; 10: an
 * ordinary day, the others mid-period with their next renewal 8 to 27 days away).
 */
export async function seedBilling(db: Knex, day: string, pdf: Buffer, adminPasswordHash: string, every = 1): Promise<Seeded> {
  const started = performance.now();
  const now = stamp(day, 5);
  const planRows = [
    ['pro', 'Professionnel', 'Professional', 'monthly', 4900, 'EUR', 'month', 0], ['annuel', 'Annuel', 'Annual', 'annual', 49000, 'EUR', 'year', 0],
    ['pro-xof', 'Professionnel XOF', 'Professional XOF', 'monthly', 30000, 'XOF', 'month', 0],
    ['essai', 'Essai Pro', 'Pro trial', 'monthly', 4900, 'EUR', 'month', 14],
  ];
  const plans: Record<string, Plan> = {};
  for (const [slug, fr, en, type, price, currency, cycle, trial] of planRows) {
    const [row] = (await db('plans').insert({ slug, name_fr: fr, name_en: en, type, price, currency, billing_cycle: cycle, trial_days: trial,
      limits: JSON.stringify({ units_per_period: 500, max_installations: null }), is_active: true, is_public: true, created_at: now, updated_at: now })
      .returning('id')) as ({ id: number } | number)[];
    plans[slug as string] = { id: typeof row === 'object' ? row.id : row!, price: price as number, currency: currency as 'EUR' | 'XOF',
      cycle: cycle as 'month' | 'year', vatBp: 2000 };
  }
  const accounts = new Table('accounts', ['id', 'email', 'password_hash', 'role', 'state', 'public_ref', 'company', 'name', 'country', 'locale', 'address',
    'verified_at', 'created_at', 'updated_at']);
  const subs = new Table('subscriptions', ['id', 'account_id', 'plan_id', 'state', 'price', 'currency', 'billing_cycle', 'limits', 'current_period_start',
    'current_period_end', 'cancel_at_period_end', 'previous_subscription_id', 'trial_ends_at', 'ended_at', 'created_at', 'updated_at']);
  const events = new Table('subscription_events', ['subscription_id', 'account_id', 'event', 'from_state', 'to_state', 'details', 'created_at']);
  const invoices = new Table('invoices', ['id', 'kind', 'series', 'number', 'status', 'type', 'account_id', 'subscription_id', 'issue_date', 'due_date',
    'paid_at', 'currency', 'total_ht', 'total_vat', 'total_ttc', 'vat_breakdown', 'credit_applied', 'amount_due', 'amount_paid', 'seller', 'buyer',
    'mentions', 'locale', 'pdf', 'pdf_sha256', 'prev_hash', 'hash', 'chain_seq', 'finalised_at', 'created_at']);
  const lines = new Table('invoice_lines', ['invoice_id', 'position', 'description', 'quantity', 'unit_price', 'vat_rate_bp', 'discount', 'total_ht']);
  const payments = new Table('payments', ['invoice_id', 'account_id', 'status', 'gateway', 'gateway_reference', 'method', 'amount', 'currency', 'received_on',
    'succeeded_at', 'idempotency_key', 'created_at']);
  const steps = new Table('billing_steps', ['subscription_id', 'period', 'step', 'invoice_id', 'created_at']);
  const seller = JSON.stringify({ name: 'Artisan ND SAS', address: '12 rue des Imprimeurs, 69001 Lyon', siret: '12345678900012', vatNumber: 'FR12123456789',
    rcs: 'RCS Lyon 123 456 789', capital: 'SAS au capital de 10 000 €', vatRegime: 'standard' });
  const mentions = JSON.stringify(['Échéance : paiement à 30 jours.', 'Pénalités de retard : trois fois le taux d’intérêt légal.',
    'Indemnité forfaitaire pour frais de recouvrement : 40 €.']);
  const pdfSha = crypto.createHash('sha256').update(pdf).digest('hex');
  const hash = (n: number): string => crypto.createHash('sha256').update(`bench-${n}`).digest('hex');
  const due: Record<string, number> = {};
  // `none`: no step due on the day.
  let accountId = 1;
  let subId = 0;
  let invoiceId = 0;

  accounts.add(accountId, 'admin@bench.example', adminPasswordHash, 'superadmin', 'active', null, 'Artisan ND', 'Admin', 'FR', 'fr', null, now, now, now);

  const partner = (i: number): { id: number; buyer: string } => {
    accountId += 1;
    const company = `Imprimerie ${i} SARL`;
    accounts.add(accountId, `partner${i}@bench.example`, 'x', 'partner', 'active', `PTN-${String(i).padStart(6, '0')}`, company, `Gérant ${i}`, 'FR', 'fr',
      `${i} rue du Commerce\n69002 Lyon`, now, now, now);
    return { id: accountId, buyer: JSON.stringify({ accountId, company, name: `Gérant ${i}`, address: `${i} rue du Commerce\n69002 Lyon`, country: 'FR',
      email: `partner${i}@bench.example` }) };
  };

  /** A finalised invoice of `plan` issued on `issue`; paid three days later unless `status` says otherwise. */
  const invoice = (p: { id: number; buyer: string }, sub: number, plan: Plan, issue: string, dueDay: string, status = 'paid'): number => {
    invoiceId += 1;
    const vat = Math.round((plan.price * plan.vatBp) / 10_000);
    const ttc = plan.price + vat;
    const paidOn = addDays(issue, 3);
    const paid = status === 'paid';
    invoices.add(invoiceId, 'invoice', 'FA', `FA-${issue.slice(0, 4)}-${String(invoiceId).padStart(6, '0')}`, status, 'recurring', p.id, sub, issue, dueDay,
      paid ? stamp(paidOn, 9) : null, plan.currency, plan.price, vat, ttc, JSON.stringify(plan.vatBp ? [{ rateBp: plan.vatBp, base: plan.price, vat }] : []),
      0, ttc, paid ? ttc : 0, seller, p.buyer, mentions, 'fr', pdf, pdfSha, hash(invoiceId - 1), hash(invoiceId), invoiceId, stamp(issue, 6), stamp(issue, 6));
    lines.add(invoiceId, 1, `Abonnement, période du ${issue}`, 1, plan.price, plan.vatBp, 0, plan.price);
    if (paid) {
      payments.add(invoiceId, p.id, 'succeeded', 'manual', `VIR-${invoiceId}`, 'bank_transfer', ttc, plan.currency, paidOn, stamp(paidOn, 9),
        `bench-${invoiceId}`, stamp(paidOn, 9));
    }
    return invoiceId;
  };

  /** Periods of `plan` ending at `end`, `count` of them: history invoices and `renewed` events; returns the first period's start. */
  const history = (p: { id: number; buyer: string }, sub: number, plan: Plan, end: string, count: number): string => {
    let start = end;
    for (let k = 0; k < count; k++) {
      const periodEnd = start;
      start = plan.cycle === 'year' ? addMonths(periodEnd, -12) : addMonths(periodEnd, -1);
      invoice(p, sub, plan, start, addDays(start, 30));
      if (k < count - 1) events.add(sub, p.id, 'renewed', 'active', 'active', JSON.stringify({ period_start: start }), stamp(start, 6));
    }
    return start;
  };

  /** The subscription's creation and first activation (a trial first for one in seven) on `first`. */
  const begin = (p: { id: number }, sub: number, first: string, trial: boolean): string => {
    const created = trial ? addDays(first, -14) : addDays(first, -1);
    if (trial) {
      events.add(sub, p.id, 'created', null, 'trialing', '{"plan":"essai"}', stamp(created));
      events.add(sub, p.id, 'trial_ended', 'trialing', 'active', '{}', stamp(first, 6));
    } else {
      events.add(sub, p.id, 'created', null, 'pending', '{}', stamp(created));
      events.add(sub, p.id, 'activated', 'pending', 'active', '{}', stamp(first, 9));
    }
    return stamp(created);
  };

  const KINDS = ['renewal', 'renewal', 'renewal', 'renewal', 'renewal', 'renewal', 'renewal', 'renewal', 'reminder', 'reminder', 'renew', 'renew',
    'renew+due', 'renew+due', 'renew+due', 'dunning_3', 'dunning_7', 'suspend', 'cancel', 'expire'];
  for (let i = 0; i < LIVE; i++) {
    const kind = i % every === 0 ? KINDS[(i / every) % 20]! : 'none';
    due[kind] = (due[kind] ?? 0) + 1;
    const p = partner(i);
    subId += 1;
    const annual = ['renewal', 'renew', 'none'].includes(kind) && i % 4 === 0;
    const plan = i % 10 === 9 ? plans['pro-xof']! : annual ? plans.annuel! : plans.pro!;
    const trial = i % 7 === 3 && plan === plans.pro;
    if (kind === 'expire') {
      const created = addDays(day, -14);
      subs.add(subId, p.id, plan.id, 'pending', plan.price, plan.currency, plan.cycle, '{"units_per_period":500}', null, null, false, null, null, null,
        stamp(created), stamp(created));
      events.add(subId, p.id, 'created', null, 'pending', '{}', stamp(created));
      invoice(p, subId, plan, created, addDays(created, 30), 'open');
      continue;
    }
    const offset = { dunning_3: 3, dunning_7: 7, suspend: 14, cancel: 30 }[kind] ?? 0;
    // P: the end of the period the steps count from (renewal due date); the current period starts at P once renewed.
    const P = kind === 'renewal' ? addDays(day, 7) : kind === 'reminder' ? addDays(day, 3) : kind === 'none' ? addDays(day, 8 + (i % 20))
      : addDays(day, -offset);
    const renewed = offset > 0;
    const currentEnd = renewed ? addMonths(P, 1) : P;
    const count = plan.cycle === 'year' ? 1 + (i % 2) : 1 + ((i * 7919) % 18);
    const first = history(p, subId, plan, P, count);
    const created = begin(p, subId, first, trial);
    const state = kind === 'cancel' ? 'suspended' : renewed ? 'past_due' : 'active';
    const periodStart = renewed ? P : plan.cycle === 'year' ? addMonths(P, -12) : addMonths(P, -1);
    subs.add(subId, p.id, plan.id, state, plan.price, plan.currency, plan.cycle, '{"units_per_period":500}', stamp(periodStart, 0), stamp(currentEnd, 0),
      false, null, trial ? stamp(first, 0) : null, null, created, now);
    const taken = (period: string, names: string[], inv: number | null = null) => {
      for (const s of names) steps.add(subId, period, s, s === 'renewal' ? inv : null, stamp(period, 5));
    };
    if (kind === 'reminder' || kind === 'renew' || kind === 'renew+due' || renewed) {
      // The renewal invoice for the period starting at P, issued at P-7: paid for `renew`, unpaid otherwise.
      const inv = invoice(p, subId, plan, addDays(P, -7), P, kind === 'renew' ? 'paid' : renewed ? 'overdue' : 'open');
      taken(P, kind === 'reminder' ? ['renewal'] : ['renewal', 'reminder'], inv);
    }
    if (renewed) {
      events.add(subId, p.id, 'renewed', 'active', 'active', JSON.stringify({ period_start: P }), stamp(P, 6));
      events.add(subId, p.id, 'past_due', 'active', 'past_due', '{}', stamp(P, 6));
      const dunning = ['renew', 'due', 'dunning_3', 'dunning_7', 'suspend'].slice(0, { 3: 2, 7: 3, 14: 4, 30: 5 }[offset]);
      taken(P, dunning);
      if (kind === 'cancel') events.add(subId, p.id, 'suspended', 'past_due', 'suspended', '{}', stamp(addDays(P, 14), 6));
    }
  }
  // Churned partners: a subscription cancelled at the end of its history, until INVOICES invoices.
  for (let j = 0; invoiceId < INVOICES; j++) {
    const p = partner(LIVE + j);
    subId += 1;
    const plan = j % 10 === 9 ? plans['pro-xof']! : plans.pro!;
    const ended = addDays(day, -((j * 37) % 540) - 1);
    const first = history(p, subId, plan, ended, 1 + ((j * 7919) % 18));
    const created = begin(p, subId, first, j % 7 === 3);
    events.add(subId, p.id, 'cancelled', 'active', 'cancelled', '{}', stamp(ended, 6));
    subs.add(subId, p.id, plan.id, 'cancelled', plan.price, plan.currency, plan.cycle, '{"units_per_period":500}', stamp(addMonths(ended, -1), 0),
      stamp(ended, 0), false, null, null, stamp(ended, 6), created, stamp(ended, 6));
  }
  // The finalised lines' insert trigger refuses lines of a finalised invoice: out of the way while the rows go in.
  const triggers = (await db('sqlite_master').where({ type: 'trigger', tbl_name: 'invoice_lines' }).select('name', 'sql')) as { name: string; sql: string }[];
  for (const t of triggers) await db.raw(`drop trigger "${t.name}"`);
  for (const table of [accounts, subs, events, invoices, lines, payments, steps]) await table.flush(db);
  for (const t of triggers) await db.raw(t.sql);
  await db('document_counters').where({ series: 'chain' }).update({ next_value: invoiceId + 1 });
  await db('document_counters').insert([{ series: 'FA', next_value: invoiceId + 1 }, { series: 'AV', next_value: 1 }]).onConflict('series').merge();
  await db.raw('ANALYZE');
  return {
    accounts: accounts.rows.length, subscriptions: subs.rows.length, events: events.rows.length, invoices: invoices.rows.length,
    payments: payments.rows.length, steps: steps.rows.length, due, seconds: (performance.now() - started) / 1000,
  };
}
