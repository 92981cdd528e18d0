/**
 * A plan's new price and the running subscriptions: without the admin's word
 * they keep their snapshot price at renewal; with it, each partner is mailed
 * the old and new prices and the date, and the new price bills the first
 * period starting at least PRICE_NOTICE_DAYS (30) later, not before.
 */
import { expect } from 'chai';
import { BillingRun, PRICE_NOTICE_DAYS, type Plan } from '../../src/billing/index.js';
import { addDays } from '../../src/billing/subscriptions.periods.js';
import { subsBed, type SubsBed } from './subscriptions-setup.js';

describe('a plan price applied to renewals (with notice)', function () {
  this.timeout(120000);
  let bed: SubsBed;
  afterEach(async () => { await bed.close(); });

  const fields = (p: Plan, price: number) => {
    const { id: _id, createdAt: _c, updatedAt: _u, slug: _s, ...rest } = p as Plan & { createdAt?: unknown; updatedAt?: unknown };
    return { ...rest, price };
  };

  it('keeps the snapshot price without the admin’s word, and bills the new price from the first period after the notice with it', async () => {
    bed = await subsBed();
    const planId = await bed.plan({ price: 10000 });
    const [kept, moved] = [await bed.partner(), await bed.partner()];
    for (const p of [kept, moved]) {
      const { invoice } = await bed.subs.subscribe(p, planId, bed.actor);
      await bed.payments.recordManual(invoice!.id, { amount: invoice!.amountDue, method: 'bank_transfer', reference: invoice!.number!, date: '2026-11-22',
        idempotencyKey: `price-test-pay-${p}` }, bed.actor);
    }
    const plan = (await bed.plans.byId(planId))!;
    // A first edit without the box: nobody is told, the running subscriptions keep their price.
    expect(await bed.plans.update(planId, fields(plan, 11000), bed.actor)).to.deep.equal({ scheduled: 0 });
    expect(bed.sent.filter((m) => m.kind === 'price_change')).to.have.length(0);
    expect((await bed.subs.current(moved)).current).to.include({ price: 10000, nextPrice: null });
    // `kept` is moved onto a twin plan at 10 000 that nobody edits; the second edit of the plan applies 12 000 to renewals.
    await bed.db('subscriptions').where({ account_id: kept }).update({ plan_id: await bed.plan({ price: 10000 }) });
    expect(await bed.plans.update(planId, fields(plan, 12000), bed.actor, { applyToRenewals: true })).to.deep.equal({ scheduled: 1 });
    const from = addDays('2026-11-22', PRICE_NOTICE_DAYS);
    const notice = bed.sent.find((m) => m.kind === 'price_change')!;
    expect(notice).to.deep.include({ accountId: moved });
    expect(notice.params).to.include({ from: '22 décembre 2026', from_en: 'December 22, 2026' });
    expect(notice.params.old).to.match(/^100,00\s€$/);
    expect(notice.params.new_en).to.equal('€120.00');
    const sub = (await bed.subs.current(moved)).current!;
    expect(sub).to.include({ price: 10000, nextPrice: 12000, nextPriceFrom: from });
    expect((await bed.subs.events(sub.id)).map((e) => e.event)).to.include('price_change_scheduled');

    // The period starting 2026-12-22 (= the notice date) is billed at the new price; `kept` stays at 10 000.
    const run = new BillingRun({ db: bed.db, subscriptions: bed.subs });
    for (let d = 1; d <= 31; d += 1) {
      bed.clock.advance(86400);
      await run.run(addDays('2026-11-22', d));
    }
    const renewal = async (p: number) => (await bed.invoices.ofAccount(p)).filter((i) => i.kind === 'invoice').map((i) => i.totalHt);
    expect(await renewal(moved)).to.have.members([10000, 12000]);
    expect(await renewal(kept)).to.deep.equal([10000, 10000]);
    expect((await bed.subs.current(moved)).current).to.include({ price: 12000, nextPrice: null, nextPriceFrom: null, periodStart: '2026-12-22' });
  });
});
