/**
 * SubscriptionsService on the run's database: the states and their events
 * and audit rows, the first payment that activates and credits the units
 * once, the legacy subscription replaced, cancel at period end and its undo,
 * upgrade (prorated credit note) and downgrade (at period end), the
 * recharge gate.
 */
import { expect } from 'chai';
import type { Invoice } from '../../src/billing/index.js';
import { subsBed, type SubsBed } from './subscriptions-setup.js';

describe('SubscriptionsService', () => {
  let bed: SubsBed;
  let partner: number;
  let pro: number;
  beforeEach(async () => {
    bed = await subsBed();
    partner = await bed.partner();
    pro = await bed.plan({ price: 10000, setup_fee: 2000 });
  });
  afterEach(async () => { await bed.close(); });

  const pay = (inv: Invoice, key: string, date = '2026-11-22') =>
    bed.payments.recordManual(inv.id, { amount: inv.amountDue, method: 'bank_transfer', reference: inv.number!, date, idempotencyKey: key }, bed.actor);
  const events = async (id: number) => (await bed.subs.events(id)).map((e) => `${e.event}:${e.fromState ?? ''}>${e.toState}`);

  it('starts pending with a finalised invoice; the payment activates it and credits the units once, with audit rows', async () => {
    const { subscription, invoice } = await bed.subs.subscribe(partner, pro, bed.actor);
    expect(subscription.state).to.equal('pending');
    expect(invoice).to.include({ status: 'open', totalHt: 12000, totalTtc: 14400, subscriptionId: subscription.id });
    expect(invoice!.number).to.match(/^FA-2026-\d{6}$/);
    expect(await bed.subs.gate(partner)).to.equal('pending');
    const again = await bed.subs.subscribe(partner, pro, bed.actor);
    expect(again.subscription.id).to.equal(subscription.id);
    expect(again.invoice!.id).to.equal(invoice!.id);

    await pay(invoice!, 'pay-first-0001');
    const now = (await bed.subs.byId(subscription.id))!;
    expect(now).to.include({ state: 'active', periodStart: '2026-11-22', periodEnd: '2026-12-22' });
    expect(await bed.ledger.balance(partner)).to.equal(500);
    expect(await bed.ledger.hasReference(partner, invoice!.number!)).to.equal(true);
    expect(await bed.subs.gate(partner)).to.equal(null);
    expect(await events(subscription.id)).to.deep.equal(['created:>pending', 'activated:pending>active']);
    const audit = (await bed.db('audit_log').where('action', 'like', 'subscription.%').orderBy('id').select('action')).map((r: { action: string }) => r.action);
    expect(audit).to.deep.equal(['subscription.created', 'subscription.activated']);
    // The hook again (a second settlement of the same invoice) credits nothing more.
    await bed.db.transaction((trx) => bed.subs.invoicePaidIn(trx, { ...invoice!, status: 'paid' }, bed.actor));
    expect(await bed.ledger.balance(partner)).to.equal(500);
    await new Promise((r) => setImmediate(r));
    expect(bed.sent.map((m) => m.kind)).to.include.members(['invoice_issued', 'payment_received', 'welcome']);
  });

  it('replaces the legacy subscription when the new one is paid, linked to it', async () => {
    await bed.legacyPlanId();
    await bed.subs.startLegacy(partner, bed.actor);
    const legacy = (await bed.subs.current(partner)).current!;
    expect(legacy.state).to.equal('active');
    const { subscription, invoice } = await bed.subs.subscribe(partner, pro, bed.actor);
    expect(subscription.previousSubscriptionId).to.equal(legacy.id);
    expect(await bed.subs.gate(partner)).to.equal(null); // legacy still runs until the payment
    await pay(invoice!, 'pay-legacy-001');
    expect((await bed.subs.byId(legacy.id))!.state).to.equal('cancelled');
    expect(await events(legacy.id)).to.deep.equal(['created:>active', 'replaced:active>cancelled']);
    expect((await bed.subs.current(partner)).current!.id).to.equal(subscription.id);
  });

  it('schedules a cancellation at period end and undoes it; refuses a second undo with a field error', async () => {
    const { subscription, invoice } = await bed.subs.subscribe(partner, pro, bed.actor);
    await pay(invoice!, 'pay-cancel-001');
    await bed.subs.cancelAtPeriodEnd(partner, bed.actor);
    expect((await bed.subs.byId(subscription.id))!.cancelAtPeriodEnd).to.equal(true);
    await bed.subs.undoCancel(partner, bed.actor);
    expect((await bed.subs.byId(subscription.id))!.cancelAtPeriodEnd).to.equal(false);
    const err = await bed.subs.undoCancel(partner, bed.actor).catch((e: unknown) => e);
    expect(err).to.have.property('fields').that.deep.equals({ form: 'subscriptions:errors.not_cancelled' });
    expect((await events(subscription.id)).slice(2)).to.deep.equal(['cancel_scheduled:active>active', 'cancel_undone:active>active']);
  });

  it('upgrades now with a prorated credit note applied to the new invoice; downgrades at period end', async () => {
    const { subscription, invoice } = await bed.subs.subscribe(partner, pro, bed.actor);
    await pay(invoice!, 'pay-upgrade-01');
    bed.clock.advance(15 * 86400); // 2026-12-07: 15 of the 30 days left
    const premium = await bed.plan({ price: 30000, limits: JSON.stringify({ units_per_period: 2000 }) });
    const next = await bed.subs.changePlan(partner, premium, bed.actor);
    expect(next).to.include({ state: 'active', previousSubscriptionId: subscription.id, price: 30000, periodStart: '2026-12-07' });
    expect((await bed.subs.byId(subscription.id))!.state).to.equal('cancelled');
    const docs = await bed.invoices.ofAccount(partner);
    const note = docs.find((d) => d.kind === 'credit_note')!;
    expect(note).to.include({ totalHt: 6000, creditedInvoiceId: invoice!.id }); // half of 12000 HT
    const upgradeInvoice = docs.find((d) => d.kind === 'invoice' && d.subscriptionId === next.id)!;
    expect(upgradeInvoice).to.include({ totalTtc: 36000, creditApplied: 7200, amountDue: 28800, status: 'open' });

    const cheap = await bed.plan({ price: 5000 });
    await bed.subs.changePlan(partner, cheap, bed.actor);
    const after = (await bed.subs.byId(next.id))!;
    expect(after).to.include({ state: 'active', scheduledPlanId: cheap });
    expect((await events(next.id)).at(-1)).to.equal('downgrade_scheduled:active>active');
  });

  it('refuses a plan that is not offered with a field error and writes nothing', async () => {
    const hidden = await bed.plan({ is_public: false });
    for (const id of [hidden, 999999, Number.NaN]) {
      const err = await bed.subs.subscribe(partner, id, bed.actor).catch((e: unknown) => e);
      expect(err).to.have.property('fields').that.deep.equals({ plan: 'subscriptions:errors.plan_unavailable' });
    }
    expect(await bed.subs.history(partner)).to.have.length(0);
    expect(await bed.subs.gate(partner)).to.equal('none');
  });
});
