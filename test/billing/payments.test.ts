/**
 * Manual payments and the credit balance on the run's database: partial
 * payments, an overpayment turned into credit, a double submit recorded
 * once, credit used at the next finalisation earliest expiry first.
 */
import { expect } from 'chai';
import type { Invoice, ManualPaymentInput } from '../../src/billing/index.js';
import { billingBed, type BillingBed } from './setup.js';

const LINE = { description: 'Abonnement Pro', quantity: 1, unitPrice: 10000 }; // 120.00 € TTC

describe('PaymentsService.recordManual', () => {
  let bed: BillingBed;
  let partner: number;
  let inv: Invoice;
  beforeEach(async () => {
    bed = await billingBed();
    partner = await bed.partner();
    inv = await bed.invoices.finalise(await bed.invoices.createDraft(partner, [LINE]), bed.actor);
  });
  afterEach(async () => { await bed.close(); });

  const pay = (amount: number, key: string, more: Partial<ManualPaymentInput> = {}) =>
    bed.payments.recordManual(inv.id, { amount, method: 'bank_transfer', reference: 'VIR-42', date: '2026-11-22', idempotencyKey: key, ...more }, bed.actor);

  it('adds partial payments and marks the invoice paid when they reach the amount due', async () => {
    const first = await pay(5000, 'key-first-0001');
    expect(first.invoice).to.include({ status: 'open', amountPaid: 5000 });
    const second = await pay(7000, 'key-second-002');
    expect(second.invoice).to.include({ status: 'paid', amountPaid: 12000 });
    expect(second.overpayment).to.equal(0);
    expect((await bed.invoices.byId(inv.id))!.paidAt!.toISOString()).to.equal('2026-11-22T00:00:00.000Z');
    expect((await bed.payments.ofInvoice(inv.id)).map((p) => p.amount)).to.deep.equal([5000, 7000]);
    const audit = await bed.db('audit_log').where({ action: 'payment.recorded' }).count({ n: '*' }).first();
    expect(Number(audit!.n)).to.equal(2);
  });

  it('puts an overpayment on the credit balance, used at the next finalisation', async () => {
    const res = await pay(15000, 'key-over-00001');
    expect(res.invoice).to.include({ status: 'paid', amountPaid: 12000 });
    expect(res.overpayment).to.equal(3000);
    expect(await bed.credits.balance(partner, 'EUR')).to.equal(3000);
    const next = await bed.invoices.finalise(await bed.invoices.createDraft(partner, [LINE]), bed.actor);
    expect(next).to.include({ totalTtc: 12000, creditApplied: 3000, amountDue: 9000, status: 'open' });
    expect(await bed.credits.balance(partner, 'EUR')).to.equal(0);
  });

  it('records one payment for a double submit, also when both arrive at once', async () => {
    const [a, b] = await Promise.all([pay(12000, 'key-double-001'), pay(12000, 'key-double-001')]);
    expect([a.repeated, b.repeated].sort()).to.deep.equal([false, true]);
    expect(a.payment.id).to.equal(b.payment.id);
    expect(await bed.payments.ofInvoice(inv.id)).to.have.length(1);
    expect((await bed.invoices.byId(inv.id))!).to.include({ status: 'paid', amountPaid: 12000 });
    expect(await bed.credits.balance(partner, 'EUR')).to.equal(0);
  });

  it('refuses bad input with field errors and writes nothing', async () => {
    const cases: [number, Partial<ManualPaymentInput>, Record<string, string>][] = [
      [0, {}, { amount: 'billing:errors.amount_required' }],
      [-5, {}, { amount: 'billing:errors.amount_required' }],
      [1.5, {}, { amount: 'billing:errors.amount_required' }],
      [2 ** 53, {}, { amount: 'billing:errors.amount_required' }],
      [100, { method: 'card' }, { method: 'billing:errors.method_invalid' }],
      [100, { date: '2026-02-30' }, { date: 'billing:errors.date_invalid' }],
      [100, { date: '2026-11-23' }, { date: 'billing:errors.date_invalid' }],
      [100, { date: '2026-11-01' }, { date: 'billing:errors.date_invalid' }],
      [100, { reference: 'x'.repeat(201) }, { reference: 'billing:errors.reference_too_long' }],
      [100, { idempotencyKey: 'short' }, { form: 'billing:errors.idempotency_key' }],
    ];
    for (const [amount, more, fields] of cases) {
      let err: unknown;
      await pay(amount, 'key-bad-input-1', more).catch((e: unknown) => { err = e; });
      expect(err, JSON.stringify(more)).to.have.property('fields').that.deep.equals(fields);
    }
    expect(await bed.payments.ofInvoice(inv.id)).to.have.length(0);
  });

  it('refuses a payment on a paid invoice', async () => {
    await pay(12000, 'key-full-00001');
    let err: unknown;
    await pay(100, 'key-after-0001').catch((e: unknown) => { err = e; });
    expect(err).to.have.property('fields').that.deep.equals({ form: 'billing:errors.not_payable' });
  });
});

describe('CreditsService', () => {
  let bed: BillingBed;
  beforeEach(async () => { bed = await billingBed(); });
  afterEach(async () => { await bed.close(); });

  it('uses credit earliest expiry first, ignores expired credit, and never goes below zero', async () => {
    const partner = await bed.partner();
    const day = 86400_000;
    const now = bed.clock.now().getTime();
    await bed.credits.grant({ accountId: partner, kind: 'manual', amount: 5000, currency: 'EUR', reason: 'sans fin' }, bed.actor);
    const promo = { accountId: partner, kind: 'promotion', currency: 'EUR' } as const;
    await bed.credits.grant({ ...promo, amount: 2000, reason: 'bientôt', expiresAt: new Date(now + 10 * day) }, bed.actor);
    await bed.credits.grant({ ...promo, amount: 900, reason: 'passé', expiresAt: new Date(now - day) }, bed.actor);
    expect(await bed.credits.balance(partner, 'EUR')).to.equal(7000);
    const inv = await bed.invoices.finalise(await bed.invoices.createDraft(partner, [{ description: 'Pack', quantity: 1, unitPrice: 2500 }]), bed.actor);
    expect(inv).to.include({ totalTtc: 3000, creditApplied: 3000, amountDue: 0, status: 'paid' });
    const lots = await bed.credits.lots(partner, 'EUR');
    expect(lots.map((l) => [l.reference, l.remaining])).to.deep.equal([[null, 4000]]);
    const big = await bed.invoices.finalise(await bed.invoices.createDraft(partner, [{ description: 'Pack', quantity: 1, unitPrice: 10000 }]), bed.actor);
    expect(big).to.include({ creditApplied: 4000, amountDue: 8000 });
    expect(await bed.credits.balance(partner, 'EUR')).to.equal(0);
  });
});
