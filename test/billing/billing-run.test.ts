/**
 * The daily job over 75 days on the run's database, the clock moved a day at
 * a time and the job run twice each morning: a partner who pays every invoice
 * on time, one who pays ten days late (past_due, then active, never
 * suspended), one who stops paying (past_due, suspended at J+14, cancelled at
 * J+30, the invoice uncollectible). Checks the states, the mails, consecutive
 * invoice numbers and the units credited once per paid period, and that the
 * second run of a day does nothing.
 */
import { expect } from 'chai';
import { BillingRun, type Invoice } from '../../src/billing/index.js';
import { addDays } from '../../src/billing/subscriptions.periods.js';
import { subsBed, type SubsBed } from './subscriptions-setup.js';

describe('billing:run over 75 days (renewals and dunning)', function () {
  this.timeout(180000);
  let bed: SubsBed;
  after(async () => { await bed.close(); });

  it('renews, reminds, dunns, suspends and cancels each step once; a late payment brings the subscription back', async () => {
    bed = await subsBed();
    bed.clock.advance(-5 * 3600); // 2026-11-22 05:00 UTC: the job's morning
    const plan = await bed.plan({ price: 10000 });
    const [onTime, late, never] = [await bed.partner(), await bed.partner(), await bed.partner()];
    const run = new BillingRun({ db: bed.db, subscriptions: bed.subs });
    const subOf = new Map<number, number>();
    let key = 0;
    const pay = async (inv: Invoice, day: string) => {
      key += 1;
      await bed.payments.recordManual(inv.id, { amount: inv.amountDue - inv.amountPaid, method: 'bank_transfer', reference: inv.number!, date: day,
        idempotencyKey: `clock-pay-${key}` }, bed.actor);
    };
    const unpaid = async (partner: number) =>
      (await bed.invoices.ofAccount(partner)).filter((i) => i.kind === 'invoice' && ['open', 'overdue'].includes(i.status));
    for (const p of [onTime, late, never]) {
      const { subscription, invoice } = await bed.subs.subscribe(p, plan, bed.actor);
      subOf.set(p, subscription.id);
      await pay(invoice!, '2026-11-22');
    }
    const states: Record<string, string[]> = { onTime: [], late: [], never: [] };
    for (let d = 0; d < 75; d += 1) {
      const today = addDays('2026-11-22', d);
      const first = await run.run(today);
      expect(first.errors, today).to.equal(0);
      const events = await bed.db('subscription_events').count({ n: '*' }).first();
      const mails = bed.sent.length;
      const second = await run.run(today);
      expect(second.steps, `second run of ${today}`).to.deep.equal({});
      expect(bed.sent.length).to.equal(mails);
      expect(Number((await bed.db('subscription_events').count({ n: '*' }).first())!.n)).to.equal(Number(events!.n));
      for (const inv of await unpaid(onTime)) if (addDays(inv.dueDate!, -2) <= today) await pay(inv, today);
      for (const inv of await unpaid(late)) if (addDays(inv.dueDate!, 10) <= today) await pay(inv, today);
      for (const [name, p] of [['onTime', onTime], ['late', late], ['never', never]] as const) {
        const s = (await bed.subs.byId(subOf.get(p)!))!.state;
        if (states[name]!.at(-1) !== s) states[name]!.push(s);
      }
      await new Promise((r) => setImmediate(r));
      bed.clock.advance(86400);
    }
    expect(states).to.deep.equal({
      onTime: ['active'], late: ['active', 'past_due', 'active', 'past_due', 'active'], never: ['active', 'past_due', 'suspended', 'cancelled'],
    });
    const events = (await bed.subs.events(subOf.get(never)!)).map((e) => `${e.createdAt.toISOString().slice(0, 10)} ${e.event}`);
    expect(events).to.deep.equal(['2026-11-22 created', '2026-11-22 activated', '2026-12-22 renewed', '2026-12-22 past_due', '2027-01-05 suspended',
      '2027-01-21 cancelled']);

    const numbers = (await bed.db('invoices').where({ kind: 'invoice' }).orderBy('chain_seq').select('number', 'account_id', 'status')) as
      { number: string; account_id: number; status: string }[];
    expect(numbers.map((n) => Number(n.number.slice(-6)))).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(numbers.map((n) => n.number.slice(0, 7))).to.deep.equal(['FA-2026', 'FA-2026', 'FA-2026', 'FA-2026', 'FA-2026', 'FA-2026', 'FA-2027', 'FA-2027']);
    expect(numbers.filter((n) => n.account_id === never).map((n) => n.status)).to.deep.equal(['paid', 'uncollectible']);
    expect(await bed.ledger.balance(onTime)).to.equal(1500);
    expect(await bed.ledger.balance(late)).to.equal(1500);
    expect(await bed.ledger.balance(never)).to.equal(500);

    const kinds = (p: number) => bed.sent.filter((m) => m.accountId === p).map((m) => m.kind);
    expect(kinds(onTime)).to.deep.equal(['invoice_issued', 'payment_received', 'welcome', 'renewal_coming', 'reminder', 'payment_received',
      'renewal_coming', 'reminder', 'payment_received']);
    expect(kinds(late)).to.deep.equal(['invoice_issued', 'payment_received', 'welcome', 'renewal_coming', 'reminder', 'dunning_0', 'dunning_3', 'dunning_7',
      'payment_received', 'renewal_coming', 'reminder', 'dunning_0', 'dunning_3', 'dunning_7', 'payment_received']);
    expect(kinds(never)).to.deep.equal(['invoice_issued', 'payment_received', 'welcome', 'renewal_coming', 'reminder', 'dunning_0', 'dunning_3', 'dunning_7',
      'dunning_14', 'suspended', 'cancelled']);
  });
});
