/**
 * Webhook bench (third part of `npm run bench`, issue 13): Stripe's
 * notifications delivered as Stripe delivers them, repeated and out of order.
 *
 * Goals: 1,000 signed deliveries of 200 distinct Stripe events (each sent 5
 * times, the 1,000 shuffled) end with no double credit — every one of the 100
 * invoices paid by exactly one payment, its plan's units credited once, no
 * overpayment credited — and the webhook's intake (signature checked, event
 * stored, 200 answered) handles at least 500 deliveries per second.
 *
 * Steps:
 * 1. The app is started once as `npm start` starts it (NODE_ENV=production,
 *    LOG_LEVEL=warn, folders in a mkdtemp directory) to migrate its SQLite
 *    database, then stopped.
 * 2. 100 partners are inserted and subscribed to a paid plan through the
 *    billing services (each gets a pending subscription and its open invoice).
 * 3. The app is started again with STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET
 *    set, and warmed up with 300 deliveries of an event type it ignores
 *    (`customer.created`; discarded, as the other benches warm up). For each invoice two events are made as Stripe sends them for a
 *    Checkout payment: `checkout.session.completed` (client_reference_id =
 *    the invoice) and `payment_intent.succeeded` (the invoice in its metadata),
 *    both naming the same PaymentIntent: 200 events. Each is sent 5 times,
 *    the 1,000 deliveries shuffled, each signed at sending (HMAC-SHA256 as
 *    Stripe signs), by autocannon over 16 keep-alive connections. Intake rate =
 *    deliveries / seconds from the first request to the last answer; every answer
 *    must be 200.
 * 4. The bench waits until no event is left to process, then reads the
 *    database: 200 `inbound_events` (besides the warm-up's), each processed; per invoice one succeeded
 *    payment and the status `paid`; per partner the plan's units once in the
 *    unit ledger; no credit entry.
 *
 * Exit code 0 when the figures were measured (goals met or not: the verdict is
 * printed), 1 when something crashed.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import autocannon from 'autocannon';
import os from 'node:os';
import path from 'node:path';
import { AuditService, SYSTEM_ACTOR } from '../../src/audit/index.js';
import { createBilling, createSubscriptions } from '../../src/billing/index.js';
import { loadConfig } from '../../src/config/index.js';
import { systemClock } from '../../src/platform/clock.js';
import { createDb, insertedId } from '../../src/platform/db.js';
import { LedgerService } from '../../src/recharge/index.js';
import {
  benchAppEnv, fmt, freePort, runBench, sleep, startApp, stop, waitReady,
} from './harness.js';

const INVOICES = 100;
const REPEAT = 5;
const CONNECTIONS = 16;
const WARMUP = 300;
const UNITS = 250;
const GOAL_PER_SECOND = 500;
const SECRET = 'whsec_benchWebhookSecret0123456789';
let tmp: string | undefined;

function sign(payload: string): string {
  const t = Math.floor(Date.now() / 1000);
  return `t=${t},v1=${crypto.createHmac('sha256', SECRET).update(`${t}.${payload}`).digest('hex')}`;
}

function event(type: string, object: Record<string, unknown>): string {
  return JSON.stringify({ id: `evt_${crypto.randomBytes(12).toString('hex')}`, object: 'event', api_version: '2026-11-18.endive',
    created: Math.floor(Date.now() / 1000), type, livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null },
    data: { object } });
}

/** Subscribe INVOICES partners to a paid plan; returns their invoices (id, amount due). */
async function seed(dbFile: string): Promise<{ id: number; amount: number }[]> {
  const config = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'silent' });
  const db = createDb({ client: 'sqlite', filename: dbFile });
  try {
    const audit = new AuditService(db, systemClock);
    const billing = createBilling({ db, clock: systemClock, audit, billing: config.billing });
    const subs = createSubscriptions(billing, { db, clock: systemClock, audit, billing: config.billing, ledger: new LedgerService(db, systemClock, audit),
      mails: { send: async () => undefined } });
    const now = new Date().toISOString();
    const plan = insertedId(await db('plans').insert({ slug: 'bench', name_fr: 'Bench', name_en: 'Bench', type: 'monthly', price: 2900, currency: 'EUR',
      billing_cycle: 'month', limits: JSON.stringify({ units_per_period: UNITS }), is_active: true, is_public: true, created_at: now, updated_at: now })
      .returning('id'));
    const out: { id: number; amount: number }[] = [];
    for (let i = 0; i < INVOICES; i += 1) {
      const account = insertedId(await db('accounts').insert({ email: `bench${i}@example.fr`, password_hash: 'x', role: 'partner', state: 'active',
        public_ref: `PTN-W${i}`, company: `Imprimerie ${i}`, name: 'Bench', country: 'FR', locale: 'fr', created_at: now, updated_at: now }).returning('id'));
      const { invoice } = await subs.subscribe(account, plan, SYSTEM_ACTOR);
      out.push({ id: invoice!.id, amount: invoice!.amountDue });
    }
    return out;
  } finally {
    await db.destroy();
  }
}

/** POST every body in `bodies` once, in order, signed at sending (autocannon, CONNECTIONS keep-alive connections); the seconds taken and the statuses. */
async function deliver(url: string, bodies: string[]): Promise<{ seconds: number; statuses: Map<number, number> }> {
  const statuses = new Map<number, number>();
  let next = 0;
  const started = process.hrtime.bigint();
  const instance = autocannon({
    url, connections: CONNECTIONS, pipelining: 1, amount: bodies.length, timeout: 10,
    requests: [{ method: 'POST', setupRequest: (req) => {
      const body = bodies[next++ % bodies.length]!;
      return { ...req, body, headers: { ...req.headers, 'content-type': 'application/json', 'stripe-signature': sign(body) } };
    } }],
  }) as Promise<autocannon.Result> & Pick<autocannon.Instance, 'on'>;
  instance.on('response', (_client: unknown, status: number) => { statuses.set(status, (statuses.get(status) ?? 0) + 1); });
  const result = await instance;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.errors || result.timeouts) throw new Error(`${result.errors} errors, ${result.timeouts} timeouts`);
  return { seconds, statuses };
}

async function main(): Promise<void> {
  tmp = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'artisan-nd-bench-webhooks-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const first = startApp('app (migrate)', benchAppEnv(tmp, port));
  await waitReady(first, `${base}/`);
  await stop(first);
  const dbFile = path.join(tmp, 'db', 'artisan_nd.sqlite');
  const invoices = await seed(dbFile);

  const app = startApp('app', benchAppEnv(tmp, port, { STRIPE_SECRET_KEY: 'sk_test_bench', STRIPE_WEBHOOK_SECRET: SECRET }));
  try {
    await waitReady(app, `${base}/`);
    const events: string[] = [];
    for (const inv of invoices) {
      const pi = `pi_${crypto.randomBytes(12).toString('hex')}`;
      const meta = { invoice_id: String(inv.id) };
      events.push(event('checkout.session.completed', { id: `cs_test_${crypto.randomBytes(12).toString('hex')}`, object: 'checkout.session',
        mode: 'payment', status: 'complete', payment_status: 'paid', amount_total: inv.amount, currency: 'eur', client_reference_id: String(inv.id),
        payment_intent: pi, metadata: { ...meta, keep_card: '0' } }));
      events.push(event('payment_intent.succeeded', { id: pi, object: 'payment_intent', status: 'succeeded', amount: inv.amount,
        amount_received: inv.amount, currency: 'eur', metadata: meta, setup_future_usage: null }));
    }
    const bodies = events.flatMap((e) => Array.from({ length: REPEAT }, () => e));
    for (let i = bodies.length - 1; i > 0; i -= 1) {
      const j = crypto.randomInt(i + 1);
      [bodies[i], bodies[j]] = [bodies[j]!, bodies[i]!];
    }
    // Warm-up (discarded, as the other benches do): events of a type the portal ignores.
    await deliver(`${base}/webhooks/stripe`, Array.from({ length: WARMUP }, (_, i) => event('customer.created', { id: `cus_warm${i}`, object: 'customer' })));
    const { seconds, statuses } = await deliver(`${base}/webhooks/stripe`, bodies);
    if (statuses.get(200) !== bodies.length) throw new Error(`answers: ${JSON.stringify([...statuses])}`);
    const rate = bodies.length / seconds;
    console.log(`intake: ${bodies.length} deliveries answered 200 in ${fmt(seconds, 2)} s; waiting for the processing…`);

    const db = createDb({ client: 'sqlite', filename: dbFile });
    try {
      const started = Date.now();
      for (;;) {
        const left = Number(((await db('inbound_events').whereIn('status', ['received', 'processing']).count({ n: '*' }).first()) as { n: unknown }).n);
        if (!left) break;
        if (Date.now() - started > 120_000) throw new Error(`${left} events still unprocessed after 120 s`);
        await sleep(200);
      }
      const processingSeconds = (Date.now() - started) / 1000 + seconds;
      const stored = (await db('inbound_events').whereNot({ type: 'customer.created' }).select('status')) as { status: string }[];
      const paid = (await db('payments').where({ status: 'succeeded' }).select('invoice_id')) as { invoice_id: number }[];
      const perInvoice = new Map<number, number>();
      for (const p of paid) perInvoice.set(Number(p.invoice_id), (perInvoice.get(Number(p.invoice_id)) ?? 0) + 1);
      const statusOf = new Map(((await db('invoices').whereIn('id', invoices.map((i) => i.id)).select('id', 'status')) as { id: number; status: string }[])
        .map((r) => [Number(r.id), r.status]));
      const credits = (await db('ledger_entries').where({ kind: 'credit' }).select('account_id', 'units')) as { account_id: number; units: number }[];
      const units = new Map<number, number>();
      for (const c of credits) units.set(Number(c.account_id), (units.get(Number(c.account_id)) ?? 0) + Number(c.units));
      const overpaid = Number(((await db('credit_entries').count({ n: '*' }).first()) as { n: unknown }).n);
      const checks = {
        eventsStored: stored.length === events.length,
        eventsProcessed: stored.every((e) => e.status === 'processed'),
        onePaymentPerInvoice: invoices.every((i) => perInvoice.get(i.id) === 1) && paid.length === INVOICES,
        invoicesPaid: invoices.every((i) => statusOf.get(i.id) === 'paid'),
        unitsCreditedOnce: units.size === INVOICES && [...units.values()].every((u) => u === UNITS),
        noOverpaymentCredit: overpaid === 0,
      };
      const noDoubleCredit = Object.values(checks).every(Boolean);
      const fast = rate >= GOAL_PER_SECOND;
      console.log('\nWebhook bench (Stripe, signed deliveries)');
      console.log(`  deliveries                 ${bodies.length} (${events.length} distinct events × ${REPEAT}, shuffled, ${CONNECTIONS} connections)`);
      console.log(`  intake                     ${fmt(rate, 0)} deliveries/s (${fmt(seconds, 2)} s)   goal ≥ ${GOAL_PER_SECOND}: ${fast ? 'met' : 'NOT met'}`);
      console.log(`  all processed after        ${fmt(processingSeconds, 2)} s`);
      for (const [k, v] of Object.entries(checks)) console.log(`  ${k.padEnd(26)} ${v ? 'yes' : 'NO'}`);
      console.log(`  no double credit           ${noDoubleCredit ? 'met' : 'NOT met'}`);
      const results = { deliveries: bodies.length, distinctEvents: events.length, intakePerSecond: rate, intakeSeconds: seconds, processingSeconds,
        checks, goals: { intakePerSecond: GOAL_PER_SECOND }, pass: { intake: fast, noDoubleCredit } };
      const out = path.join(tmp, 'bench-webhooks.json');
      await fs.promises.writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
      console.log(`results written to ${out}`);
      console.log(JSON.stringify(results));
    } finally {
      await db.destroy();
    }
  } finally {
    await stop(app);
  }
}

await runBench('webhooks bench', main, () => tmp);
