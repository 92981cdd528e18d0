/**
 * A test context with card payments on: the app listening on a free port (the
 * fake Checkout page redirects the browser back to it, the fake posts its
 * events to its webhook) and the fake Stripe API of fake-stripe.ts behind
 * STRIPE_API_BASE. Also a paid plan and partners subscribed to it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AccountsRepository, hashPassword } from '../../src/accounts/index.js';
import { SYSTEM_ACTOR } from '../../src/audit/index.js';
import type { Invoice } from '../../src/billing/index.js';
import { insertedId } from '../../src/platform/db.js';
import { PASSWORD } from './accounts.js';
import { createTestContext, type ContextOptions, type TestContext } from './context.js';
import { FAKE_STRIPE_KEY, FAKE_WEBHOOK_SECRET, FakeStripe } from './fake-stripe.js';

export interface StripeRig {
  ctx: TestContext;
  fake: FakeStripe;
  /** `http://127.0.0.1:<port>` of the app. */
  base: string;
  plan: number;
  /** A verified partner without subscription (as registered after billing started); returns the account id. */
  partner(email: string): Promise<number>;
  /** `email` subscribes to the plan: their pending subscription's open invoice. */
  subscribed(email: string): Promise<{ account: number; invoice: Invoice }>;
  close(): Promise<void>;
}

export async function startStripeRig(opts: ContextOptions = {}): Promise<StripeRig> {
  const fake = await new FakeStripe().start();
  let handler: http.RequestListener = (_req, res) => { res.writeHead(503).end(); };
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ctx = await createTestContext({ ...opts, env: { STRIPE_SECRET_KEY: FAKE_STRIPE_KEY, STRIPE_WEBHOOK_SECRET: FAKE_WEBHOOK_SECRET,
    STRIPE_API_BASE: fake.url, BASE_URL: base, BILLING_PAYMENT_INSTRUCTIONS: 'IBAN FR76 3000 6000 0112 3456 7890 189', ...opts.env } });
  handler = ctx.app;
  fake.webhookUrl = `${base}/webhooks/stripe`;
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
    ctx, fake, base, plan, partner,
    async subscribed(email) {
      const account = await partner(email);
      const { invoice } = await ctx.handle.subscriptions.subscribe(account, plan, SYSTEM_ACTOR);
      return { account, invoice: invoice! };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ctx.close();
      await fake.close();
    },
  };
}
