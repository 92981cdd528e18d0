/**
 * The daily job runs its steps in batches (several steps per transaction,
 * each in its savepoint: src/billing/billing-run.ts). A step that fails
 * undoes only itself: the other steps of its batch keep their invoices,
 * states and mails, and the failed one is done on the next run, once.
 */
import { expect } from 'chai';
import { BillingRun } from '../../src/billing/index.js';
import { subsBed, type SubsBed } from './subscriptions-setup.js';

describe('billing:run batches', () => {
  let bed: SubsBed;
  after(async () => { await bed.close(); });

  it('keeps the other steps of a batch when one fails, and does the failed one on the next run', async () => {
    bed = await subsBed();
    const plan = await bed.plan({ price: 10000 });
    const partners = [await bed.partner(), await bed.partner(), await bed.partner()];
    const subs: number[] = [];
    for (const p of partners) subs.push((await bed.subs.subscribe(p, plan, bed.actor)).subscription.id);
    // Never paid: every one expires after BILLING_PENDING_DAYS, its invoice cancelled by a credit note.
    bed.clock.advance(bed.config.billing.pendingDays * 86400);
    const day = bed.clock.now().toISOString().slice(0, 10);
    const run = new BillingRun({ db: bed.db, subscriptions: bed.subs });
    // The middle partner's step fails once, after its credit note is written: its savepoint must take it back.
    const real = bed.invoices.creditNoteIn.bind(bed.invoices);
    let failures = 0;
    bed.invoices.creditNoteIn = async (trx, invoiceId, input, actor) => {
      const note = await real(trx, invoiceId, input, actor);
      if (note.accountId === partners[1] && failures === 0) throw new Error(`credit note refused ${(failures += 1)}`);
      return note;
    };

    const first = await run.run(day);
    expect(first).to.include({ errors: 1 });
    expect(first.steps).to.deep.equal({ expire: 2 });
    const states = async () => Promise.all(subs.map(async (id) => (await bed.subs.byId(id))!.state));
    expect(await states()).to.deep.equal(['expired', 'pending', 'expired']);
    const notes = async () => (await bed.db('invoices').where({ kind: 'credit_note' }).orderBy('id').select('account_id')).map((r) => Number(r.account_id));
    expect(await notes()).to.deep.equal([partners[0], partners[2]]);
    expect(Number((await bed.db('billing_steps').where({ subscription_id: subs[1] }).count({ n: '*' }).first())!.n)).to.equal(0);

    const second = await run.run(day);
    expect(second).to.include({ errors: 0 });
    expect(second.steps).to.deep.equal({ expire: 1 });
    expect(await states()).to.deep.equal(['expired', 'expired', 'expired']);
    expect(await notes()).to.deep.equal([partners[0], partners[2], partners[1]]);
    const numbers = (await bed.db('invoices').where({ kind: 'credit_note' }).orderBy('chain_seq').select('number')).map((r) => String(r.number).slice(-6));
    expect(numbers).to.deep.equal(['000001', '000002', '000003']);
    expect((await run.run(day)).steps).to.deep.equal({});
  });
});
