/**
 * Part (c) of the shop bench (test/bench/shop.ts): checkout to license in
 * this process, on a fresh migrated SQLite file (the app's
 * synchronous=FULL), the whole app built as server.ts builds it (createApp,
 * so the shop's invoice-paid hook and the mails are wired) but no HTTP. One
 * order after the other, as a customer's checkout and the gateway's webhook
 * make them: OrdersService.place (the order and its one-time invoice with its
 * PDF, one transaction), then PaymentsService.settleFromGateway with a fake
 * Stripe reference (the payment, the invoice paid and, in the same
 * transaction, the order's activation batch: one license key per seat). An
 * order counts once its mails (order placed, purchase) are written (files,
 * as without SMTP). Baseline in the same process: the same invoice issued
 * alone (InvoicesService.issueIn, as test/bench/billing-finalise.ts does).
 * Measured in the order baseline, orders, orders, baseline (half the count
 * each), after a warm-up of each. Not part of the application.
 */
import path from 'node:path';
import { pino } from 'pino';
import { createApp, type AppHandle } from '../../src/app.js';
import { SYSTEM_ACTOR, type Actor } from '../../src/audit/index.js';
import { loadConfig } from '../../src/config/index.js';
import { IssuerKeys } from '../../src/keys/index.js';
import { systemClock } from '../../src/platform/clock.js';
import { createDb, insertedId, migrate, type Db } from '../../src/platform/db.js';
import { createMailer, type Mailer } from '../../src/platform/mailer.js';
import { ROOT } from './harness.js';

export interface Rate { count: number; perSecond: number; perCpuSecond: number; seconds: number }
export interface CheckoutResult {
  orders: Rate;
  invoices: Rate;
  /** Mean ms of an order's two steps in the measured runs (the mails of earlier orders are written meanwhile, on the same event loop). */
  placeMs: number;
  settleMs: number;
  paidOrders: number;
  licenseKeys: number;
  mails: number;
  seats: number;
}

const SEATS = 2;

/** The mailer `inner`, with the sends still under way: `drain()` waits for them; `sent` counts them. */
function trackedMailer(inner: Mailer): Mailer & { drain(): Promise<void>; sent: number } {
  const pending = new Set<Promise<unknown>>();
  const tracked = {
    sent: 0,
    send(message: Parameters<Mailer['send']>[0]) {
      const p = inner.send(message);
      pending.add(p);
      void p.finally(() => pending.delete(p)).catch(() => undefined);
      tracked.sent += 1;
      return p;
    },
    close: () => inner.close(),
    async drain() {
      while (pending.size) await Promise.allSettled([...pending]);
    },
  };
  return tracked;
}

/** The customer placing the orders (a French buyer: 20% VAT). */
async function customer(db: Db): Promise<number> {
  const now = new Date().toISOString();
  return insertedId(await db('accounts').insert({
    email: 'jean@client.fr', password_hash: 'x', role: 'customer', state: 'active', public_ref: 'CUS-BENCH1', name: 'Jean Client', country: 'FR',
    locale: 'fr', address: '8 rue des Lilas\n69003 Lyon', created_at: now, updated_at: now,
  }).returning('id'));
}

/** EasyFacture listed with an annual offer of up to 5 seats, as an admin lists it. */
async function listing(handle: AppHandle, db: Db): Promise<number> {
  const product = Number(((await db('products').where({ code: 'easyfacture' }).first('id')) as { id: number }).id);
  const { catalogue } = handle.shop;
  await catalogue.saveListing(product, { titleFr: 'EasyFacture', titleEn: 'EasyFacture', descriptionFr: 'La facturation simple pour les artisans.',
    descriptionEn: 'Simple invoicing for craftspeople.', category: 'Facturation', thumbnail: null, releaseProduct: 'easyfacture', downloadsPublic: false,
    published: true, displayOrder: 1 }, SYSTEM_ACTOR);
  return catalogue.saveOffer(product, null, { code: 'annual', nameFr: 'Licence annuelle', nameEn: 'Annual license', licenseType: 'annual',
    durationDays: 365, price: 2900, renewalPrice: 2500, currency: 'EUR', seatBased: true, maxSeats: 5, isActive: true, displayOrder: 1 }, SYSTEM_ACTOR);
}

async function measure(n: number, one: (i: number) => Promise<unknown>, settle: () => Promise<void>): Promise<Rate> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < n; i++) await one(i);
  await settle();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { count: n, perSecond: n / seconds, perCpuSecond: n / ((used.user + used.system) / 1e6), seconds };
}

const sum = (a: Rate, b: Rate): Rate => {
  const seconds = a.seconds + b.seconds;
  const count = a.count + b.count;
  return { count, seconds, perSecond: count / seconds, perCpuSecond: count / (a.count / a.perCpuSecond + b.count / b.perCpuSecond) };
};

/** Run part (c) in `dir` with the app environment `env` (its DB_DIR replaced): `count` orders and `count` invoices measured. */
export async function checkoutBench(dir: string, env: Record<string, string>, count: number, warmup: number): Promise<CheckoutResult> {
  const config = loadConfig({ ...env, DB_DIR: path.join(dir, 'db'), FILES_DIR: path.join(dir, 'files'), LOGS_DIR: path.join(dir, 'logs'),
    SUBSCRIPTION_DIR: path.join(dir, 'subscription'), DATABASE_URL: '' });
  const db = createDb(config.database);
  await migrate(db, config.database, path.join(ROOT, 'db', 'migrations'));
  const logger = pino({ level: 'warn' });
  const mailer = trackedMailer(createMailer({ smtpUrl: undefined, from: config.mailFrom, mailDir: config.paths.mail, logger }));
  const keys = new IssuerKeys(db, systemClock, config.paths.keys, config.issuerKeyFile);
  await keys.init();
  const handle = createApp({ config, db, logger, mailer, clock: systemClock, sessionSecret: config.sessionSecret!, keys });
  try {
    const accountId = await customer(db);
    const offerId = await listing(handle, db);
    const actor: Actor = { id: accountId, email: 'jean@client.fr', ip: '203.0.113.7', userAgent: 'bench' };
    const { orders } = handle.shop;
    const { invoices, payments } = handle.billing;
    const lines = orders.linesFor((await handle.shop.catalogue.entry('easyfacture'))!, (await handle.shop.catalogue.repo.offer(offerId))!, SEATS, 'fr');
    let n = 0;
    const steps = { place: 0, settle: 0, measured: false };
    const order = async () => {
      n += 1;
      const t0 = performance.now();
      const { invoice } = await orders.place(accountId, offerId, SEATS, `bench-order-${n}`, 'fr', actor);
      const t1 = performance.now();
      if (steps.measured) steps.place += t1 - t0;
      await payments.settleFromGateway({ gateway: 'stripe', reference: `pi_bench${String(n).padStart(8, '0')}`, invoiceId: invoice.id, paymentId: null,
        amount: invoice.amountDue, currency: invoice.currency, method: 'card' }, SYSTEM_ACTOR);
      if (steps.measured) steps.settle += performance.now() - t1;
    };
    const invoice = () => db.transaction(async (trx) => {
      await invoices.lockChainIn(trx);
      await invoices.issueIn(trx, accountId, lines, { type: 'one-time', currency: 'EUR', subscriptionId: null }, actor);
    });
    const drain = () => mailer.drain();
    await measure(warmup, order, drain);
    await measure(warmup, invoice, drain);
    const half = Math.ceil(count / 2);
    steps.measured = true;
    const i1 = await measure(half, invoice, drain);
    const o1 = await measure(half, order, drain);
    const o2 = await measure(half, order, drain);
    const i2 = await measure(half, invoice, drain);
    const paid = (await db('orders').where({ status: 'paid' }).count({ n: '*' })) as [{ n: number | string }];
    const batches = db('orders').whereNotNull('batch_id').select('batch_id');
    const codes = (await db('activation_codes').whereIn('batch_id', batches).count({ n: '*' })) as [{ n: number | string }];
    return { orders: sum(o1, o2), invoices: sum(i1, i2), placeMs: steps.place / (2 * half), settleMs: steps.settle / (2 * half),
      paidOrders: Number(paid[0].n), licenseKeys: Number(codes[0].n), mails: mailer.sent, seats: SEATS };
  } finally {
    await mailer.drain();
    await handle.close();
    await db.destroy();
  }
}
