/** Helpers of the subscription tests over HTTP: a paid plan, a partner who paid its first invoice, the clock and the daily job moved to a day. */
import { expect } from 'chai';
import { SYSTEM_ACTOR } from '../../src/audit/index.js';
import { insertedId } from '../../src/platform/db.js';
import { createAccount } from './accounts.js';
import type { TestContext } from './context.js';

let seq = 0;

/** A public monthly plan of `price` minor units (EUR) giving `units` per period; returns its id. */
export async function paidPlan(ctx: TestContext, fields: Record<string, unknown> = {}): Promise<number> {
  seq += 1;
  const now = ctx.clock.now().toISOString();
  return insertedId(await ctx.db('plans').insert({
    slug: `pro-${seq}`, name_fr: `Professionnel ${seq}`, name_en: `Professional ${seq}`, type: 'monthly', price: 10000, currency: 'EUR',
    billing_cycle: 'month', limits: JSON.stringify({ units_per_period: 500, max_installations: 3 }), is_active: true, is_public: true, created_at: now,
    updated_at: now, ...fields,
  }).returning('id'));
}

/** A partner `email` subscribed to `planId` today and paid: its subscription is active. Returns the account and subscription ids. */
export async function payingPartner(ctx: TestContext, email: string, planId: number): Promise<{ accountId: number; subId: number }> {
  const accountId = await createAccount(ctx, email);
  const { subscription, invoice } = await ctx.handle.subscriptions.subscribe(accountId, planId, SYSTEM_ACTOR);
  await ctx.handle.billing.payments.recordManual(invoice!.id, { amount: invoice!.amountDue, method: 'bank_transfer', reference: invoice!.number!,
    date: ctx.clock.now().toISOString().slice(0, 10), idempotencyKey: `first-payment-${accountId}` }, SYSTEM_ACTOR);
  expect((await ctx.handle.subscriptions.byId(subscription.id))!.state).to.equal('active');
  return { accountId, subId: subscription.id };
}

/** Move the clock to `day` at 10:00 UTC (never back) and run the daily job as of that day. */
export async function runOn(ctx: TestContext, day: string): Promise<void> {
  const seconds = (Date.parse(`${day}T10:00:00Z`) - ctx.clock.now().getTime()) / 1000;
  expect(seconds, `the clock goes forward to ${day}`).to.be.at.least(0);
  ctx.clock.advance(seconds);
  const report = await ctx.handle.billingRun.run(day);
  expect(report.errors, `billing run of ${day}`).to.equal(0);
}

/** The state of subscription `id`. */
export async function stateOf(ctx: TestContext, id: number): Promise<string> {
  return (await ctx.handle.subscriptions.byId(id))!.state;
}
