/**
 * Part (a) of the billing bench (test/bench/billing.ts starts it, pinned to
 * one core with `taskset -c 0` when the machine has taskset): invoices
 * finalised with their PDF, one after the other, on a fresh migrated SQLite
 * file in BENCH_DIR. Each is what a partner's checkout or a renewal does:
 * a draft (two lines) and its finalisation (number, snapshots, credit
 * balance, totals, PDF, SHA-256, chain hash, audit row) in one transaction,
 * through the billing services (InvoicesService.issueIn). Baseline in the same process: the same PDF rendered alone
 * (renderInvoicePdf), the floor of a finalisation. Prints one JSON line:
 * rates per wall second and per CPU second (this process, every thread).
 * Not part of the application.
 */
import path from 'node:path';
import { AuditService, SYSTEM_ACTOR } from '../../src/audit/index.js';
import { createBilling } from '../../src/billing/index.js';
import { renderInvoicePdf } from '../../src/billing/invoice-pdf.js';
import { loadConfig } from '../../src/config/index.js';
import { systemClock } from '../../src/platform/clock.js';
import { createDb, insertedId, migrate } from '../../src/platform/db.js';
import { ROOT } from './harness.js';

const WARMUP = 20;
const COUNT = Number(process.env.BENCH_FINALISE_COUNT ?? 400);
const dir = process.env.BENCH_DIR;
if (!dir) throw new Error('BENCH_DIR: a scratch directory');

const env = JSON.parse(process.env.BENCH_ENV ?? '{}') as Record<string, string>;
const config = loadConfig({ ...env, DB_DIR: path.join(dir, 'db'), DATABASE_URL: '' });
const db = createDb(config.database);
await migrate(db, config.database, path.join(ROOT, 'db', 'migrations'));
const audit = new AuditService(db, systemClock);
const billing = createBilling({ db, clock: systemClock, audit, billing: config.billing });
const now = new Date().toISOString();
const partner = insertedId(await db('accounts').insert({
  email: 'imprimerie@example.fr', password_hash: 'x', role: 'partner', state: 'active', public_ref: 'PTN-BENCH1', company: 'Imprimerie Durand SARL',
  name: 'Marie Durand', country: 'FR', locale: 'fr', address: '3 place du Marché\n33000 Bordeaux', vat_number: 'FR32123456789', created_at: now,
  updated_at: now,
}).returning('id'));
const lines = [
  { description: 'Abonnement Professionnel, période du 1er au 31 décembre 2026', quantity: 1, unitPrice: 4900 },
  { description: 'Frais de mise en service', quantity: 1, unitPrice: 1500 },
];

/** As a checkout or a renewal issues one: the draft and its finalisation in one transaction (InvoicesService.issueIn). */
async function finaliseOne(): Promise<void> {
  await db.transaction(async (trx) => {
    await billing.invoices.lockChainIn(trx);
    await billing.invoices.issueIn(trx, partner, lines, { type: 'recurring', currency: 'EUR' }, SYSTEM_ACTOR);
  });
}

async function measure(n: number, one: () => Promise<unknown>): Promise<{ perSecond: number; perCpuSecond: number; seconds: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < n; i++) await one();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { perSecond: n / seconds, perCpuSecond: n / ((used.user + used.system) / 1e6), seconds };
}

try {
  for (let i = 0; i < WARMUP; i++) await finaliseOne();
  const finalise = await measure(COUNT, finaliseOne);
  const last = (await billing.invoices.ofAccount(partner, 1))[0]!;
  const invoiceLines = await billing.invoices.lines(last.id);
  const pdfBytes = (await billing.invoices.pdf(last.id))?.length ?? 0;
  for (let i = 0; i < WARMUP; i++) await renderInvoicePdf(last, invoiceLines, new Date());
  const pdf = await measure(COUNT, () => renderInvoicePdf(last, invoiceLines, new Date()));
  console.log(JSON.stringify({ count: COUNT, finalise, pdf, pdfBytes, last: last.number }));
} finally {
  await db.destroy();
}
