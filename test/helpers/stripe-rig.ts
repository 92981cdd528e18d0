/**
 * A test context with online payments on: the app listening on a free port
 * (the fake hosted pages redirect the browser back to it, the fakes post their
 * events to its webhooks) and the fake Stripe API of fake-stripe.ts behind
 * STRIPE_API_BASE (startStripeRig), or the fake PayPal API of fake-paypal.ts
 * behind PAYPAL_API_BASE (startPayPalRig). Also a paid plan and partners
 * subscribed to it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AccountsRepository, hashPassword } from '../../src/accounts/index.js';
import { SYSTEM_ACTOR } from '../../src/audit/index.js';
import type { Invoice } from '../../src/billing/index.js';
import { insertedId } from '../../src/platform/db.js';
import { PASSWORD } from './accounts.js';
import { waitFor } from './wait.js';
import { createTestContext, type ContextOptions, type TestContext } from './context.js';
import { startFakePayPal, type FakePayPal } from './fake-paypal.js';
import { FAKE_STRIPE_KEY, FAKE_WEBHOOK_SECRET, FakeStripe } from './fake-stripe.js';

export interface GatewayRig {
  ctx: TestContext;
  /** `http://127.0.0.1:<port>` of the app. */
  base: string;
  plan: number;
  /** A verified partner without subscription (as registered after billing started); returns the account id. */
  partner(email: string): Promise<number>;
  /** Rows of `table` matching `where`. */
  count(table: string, where?: Record<string, unknown>): Promise<number>;
  /** The inbound_events row of gateway event `eventId` once its processing ended (processed, ignored or failed); waits for it. */
  eventRow(eventId: string): Promise<Record<string, unknown>>;
  /** `email` subscribes to the plan: their pending subscription's open invoice. */
  subscribed(email: string): Promise<{ account: number; invoice: Invoice }>;
  close(): Promise<void>;
}

export interface StripeRig extends GatewayRig {
  fake: FakeStripe;
}

export interface PayPalRig extends GatewayRig {
  fake: FakePayPal;
}

/** PayPal's credentials as the fake knows them (the shapes of the developer dashboard's sandbox app). */
export const FAKE_PAYPAL = { clientId: 'AYSq3RDGsmBLJE-otTkBtM-jBRd1TCQwFf9RGfwddNXWz0uFU9ztymylOhRS',
  clientSecret: 'EGnHDxD_qRPdaLdZz8iCr8N7_MzF-YHPTkjs6NKYQvQSBngp4PTTVWkPZRbL', webhookId: '1JE4291016473214C' };

export async function startStripeRig(opts: ContextOptions = {}): Promise<StripeRig> {
  const fake = await new FakeStripe().start();
  const rig = await startRig(opts, { STRIPE_SECRET_KEY: FAKE_STRIPE_KEY, STRIPE_WEBHOOK_SECRET: FAKE_WEBHOOK_SECRET, STRIPE_API_BASE: fake.url },
    () => fake.close());
  fake.webhookUrl = `${rig.base}/webhooks/stripe`;
  return { ...rig, fake };
}

export async function startPayPalRig(opts: ContextOptions = {}): Promise<PayPalRig> {
  const fake = await startFakePayPal(FAKE_PAYPAL);
  const rig = await startRig(opts, { PAYPAL_CLIENT_ID: FAKE_PAYPAL.clientId, PAYPAL_CLIENT_SECRET: FAKE_PAYPAL.clientSecret,
    PAYPAL_WEBHOOK_ID: FAKE_PAYPAL.webhookId, PAYPAL_API_BASE: fake.url }, () => fake.close());
  fake.webhookUrl = `${rig.base}/webhooks/paypal`;
  return { ...rig, fake };
}

async function startRig(opts: ContextOptions, gatewayEnv: Record<string, string>, closeFake: () => Promise<void>): Promise<GatewayRig> {
  let handler: http.RequestListener = (_req, res) => { res.writeHead(503).end(); };
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ctx = await createTestContext({ ...opts, env: { ...gatewayEnv, BASE_URL: base,
    BILLING_PAYMENT_INSTRUCTIONS: 'IBAN FR76 3000 6000 0112 3456 7890 189', ...opts.env } });
  handler = ctx.app;
  const now = ctx.clock.now().toISOString();
  const plan = insertedId(await ctx.db('plans').insert({
    slug: 'atelier', name_fr: 'Atelier', name_en: 'Workshop', description_fr: 'Pour les imprimeurs', description_en: 'For printers', type: 'monthly',
    price: 2900, currency: 'EUR', billing_cycle: 'month', limits: JSON.stringify({ units_per_period: 250 }), is_active: true, is_public: true,
    features: '[]', display_order: 1, created_at: now, updated_at: now,
  }).returning('id'));
  const partner = async (email: string): Promise<number> => (await new AccountsRepository(ctx.db).insert({
    email, passwordHash: await hashPassword(PASSWORD), role: 'partner', state: 'active', company: 'Imprimerie Test', name: 'Claire Test',
    phone: '0102030405', country: 'FR', locale: 'fr', termsAcceptedAt: ctx.clock.now(), verifiedAt: ctx.clock.now(),
  }, ctx.clock.now())).id;
  return {
    ctx, base, plan, partner,
    count: async (table, where = {}) => Number(((await ctx.db(table).where(where).count({ n: '*' }).first()) as { n: unknown }).n),
    eventRow: (eventId) => waitFor(async () => {
      const row = (await ctx.db('inbound_events').where({ event_id: eventId }).first()) as Record<string, unknown> | undefined;
      return row && !['received', 'processing'].includes(String(row.status)) ? row : null;
    }, { what: `event ${eventId} processed` }),
    async subscribed(email) {
      const account = await partner(email);
      const { invoice } = await ctx.handle.subscriptions.subscribe(account, plan, SYSTEM_ACTOR);
      return { account, invoice: invoice! };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ctx.close();
      await closeFake();
    },
  };
}
