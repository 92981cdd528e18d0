import type { Knex } from 'knex';

/**
 * Every partner account that is not closed gets an `active` subscription to
 * the `legacy` plan (free, no period end), so recharging, which will require
 * a live subscription, keeps working for the partners already there.
 * `down` removes those subscriptions only.
 */
export async function up(knex: Knex): Promise<void> {
  const plan = (await knex('plans').where({ slug: 'legacy' }).first('id', 'price', 'currency', 'billing_cycle', 'limits')) as
    { id: number; price: number; currency: string; billing_cycle: string; limits: string } | undefined;
  if (!plan) return;
  const partners = (await knex('accounts').where({ role: 'partner' }).whereNot({ state: 'closed' }).select('id')) as { id: number }[];
  const now = new Date().toISOString();
  for (let i = 0; i < partners.length; i += 200) {
    await knex('subscriptions').insert(partners.slice(i, i + 200).map((p) => ({
      account_id: p.id, plan_id: plan.id, state: 'active', price: plan.price, currency: plan.currency, billing_cycle: plan.billing_cycle,
      limits: plan.limits, current_period_start: now, current_period_end: null, created_at: now, updated_at: now,
    })));
  }
}

export async function down(knex: Knex): Promise<void> {
  const plan = (await knex('plans').where({ slug: 'legacy' }).first('id')) as { id: number } | undefined;
  if (plan) await knex('subscriptions').where({ plan_id: plan.id }).delete();
}
