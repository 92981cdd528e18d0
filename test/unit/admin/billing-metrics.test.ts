/**
 * The billing dashboard's arithmetic (src/admin/billing/billing-metrics.ts)
 * and its period (report-period.ts): how a partner's month is classified,
 * that movements always add up to the closing MRR, rounding of twelfths,
 * month starts in the display time zone.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { activityMonths, classify, mrrMonths, summaryOf, toMinor } from '../../../src/admin/billing/billing-metrics.js';
import { monthStart, parsePeriod, periodOf } from '../../../src/admin/billing/report-period.js';
import type { FlipRow } from '../../../src/admin/billing/reports.repository.js';

const PERIOD = periodOf('2026-01', '2026-04', 'Europe/Paris');
const flip = (accountId: number, bucket: number, mrr12: number, ons = mrr12 > 0 ? 1 : 0): FlipRow =>
  ({ accountId, currency: 'EUR', bucket, mrr12, subs: Math.sign(mrr12), ons });

describe('billing dashboard figures', () => {
  it('classifies a partner’s month from its MRR at the start and at the end', () => {
    expect(classify(0, 1200, false)).to.deep.equal({ kind: 'new12', amount: 1200 });
    expect(classify(0, 1200, true)).to.deep.equal({ kind: 'reactivation12', amount: 1200 });
    expect(classify(1200, 0, true)).to.deep.equal({ kind: 'churn12', amount: 1200 });
    expect(classify(1200, 3000, true)).to.deep.equal({ kind: 'expansion12', amount: 1800 });
    expect(classify(3000, 1200, true)).to.deep.equal({ kind: 'contraction12', amount: 1800 });
    expect(classify(1200, 1200, true)).to.equal(null);
  });

  it('follows one partner through an upgrade, a downgrade, a cancellation and a return', () => {
    // Paying 49 € before the period; upgrade to 99 € in January, downgrade to an annual 480 € (40 €/month) in February,
    // cancel in March, come back at 49 € in April.
    const flips = [flip(1, 0, 4900 * 12), flip(1, 1, (9900 - 4900) * 12), flip(1, 2, 48000 - 9900 * 12), flip(1, 3, -48000), flip(1, 4, 4900 * 12)];
    const months = mrrMonths(flips, PERIOD).map((m) => [m.month, toMinor(m.opening12), toMinor(m.new12), toMinor(m.expansion12),
      toMinor(m.reactivation12), toMinor(m.contraction12), toMinor(m.churn12), toMinor(m.closing12)]);
    expect(months).to.deep.equal([
      ['2026-01', 4900, 0, 5000, 0, 0, 0, 9900],
      ['2026-02', 9900, 0, 0, 0, 5900, 0, 4000],
      ['2026-03', 4000, 0, 0, 0, 0, 4000, 0],
      ['2026-04', 0, 0, 0, 4900, 0, 0, 4900],
    ]);
  });

  it('always closes each month at opening + new + expansion + reactivation − contraction − churn', () => {
    const flipArb = fc.record({
      accountId: fc.integer({ min: 1, max: 6 }), bucket: fc.integer({ min: 0, max: 4 }), price: fc.integer({ min: 1, max: 100000 }),
    });
    fc.assert(fc.property(fc.array(flipArb, { maxLength: 40 }), (raw) => {
      // Alternate on/off per partner so that no partner goes below zero, as events do.
      const paying = new Map<number, number>();
      const flips = raw.sort((a, b) => a.bucket - b.bucket).map((r) => {
        const current = paying.get(r.accountId);
        if (current === undefined) paying.set(r.accountId, r.price);
        else paying.delete(r.accountId);
        return flip(r.accountId, r.bucket, current === undefined ? r.price * 12 : -current * 12);
      });
      for (const m of mrrMonths(flips, PERIOD)) {
        expect(m.closing12).to.equal(m.opening12 + m.new12 + m.expansion12 + m.reactivation12 - m.contraction12 - m.churn12);
        expect(Math.min(m.new12, m.expansion12, m.reactivation12, m.contraction12, m.churn12)).to.be.at.least(0);
      }
    }));
  });

  it('counts partners lost per month and gives LTV = ARPU ÷ the period’s monthly logo churn', () => {
    const flips = [flip(1, 0, 4900 * 12), flip(2, 0, 4900 * 12), flip(3, 0, 4900 * 12), flip(4, 0, 4900 * 12), flip(4, 2, -4900 * 12)];
    const activity = activityMonths(flips, [], [{ bucket: 2, ended: 4, converted: 1 }], PERIOD);
    expect(activity.map((a) => [a.month, a.payingPartners, a.churnedPartners, a.logoChurn, a.payingSubscriptions, a.conversion])).to.deep.equal([
      ['2026-01', 4, 0, 0, 4, null], ['2026-02', 4, 1, 25, 3, 25], ['2026-03', 3, 0, 0, 3, null], ['2026-04', 3, 0, 0, 3, null],
    ]);
    const summary = summaryOf([{ currency: 'EUR', subscriptions: 3, accounts: 3, mrr12: 3 * 4900 * 12 }], 3, mrrMonths(flips, PERIOD), activity, []);
    // 1 lost of 4 + 4 + 3 + 3 = 14 partner-months: 7.1 % a month; ARPU 49 € → LTV 49 × 14 = 686 €.
    expect(summary.logoChurn).to.equal(7.1);
    expect(summary.currencies[0]).to.include({ mrr: 14700, arr: 176400, arpu: 4900, ltv: 68600 });
  });

  it('rounds twelfths of a minor unit half away from zero', () => {
    expect([toMinor(6), toMinor(5), toMinor(-6), toMinor(48000), toMinor(10001 * 12 + 7)]).to.deep.equal([1, 0, -1, 4000, 10002]);
  });

  it('starts months at midnight in the display time zone, winter and summer', () => {
    expect(monthStart('2026-01', 'Europe/Paris').toISOString()).to.equal('2025-12-31T23:00:00.000Z');
    expect(monthStart('2026-04', 'Europe/Paris').toISOString()).to.equal('2026-03-31T22:00:00.000Z');
    expect(monthStart('2026-11', 'America/New_York').toISOString()).to.equal('2026-11-01T04:00:00.000Z');
    expect(monthStart('2026-03', 'UTC').toISOString()).to.equal('2026-03-01T00:00:00.000Z');
  });

  it('reads the period: twelve months by default, field errors for bad months', () => {
    const now = new Date('2026-12-31T23:30:00Z'); // already January in Paris
    expect(parsePeriod({}, now, 'Europe/Paris').period).to.include({ from: '2026-02', to: '2027-01' });
    expect(parsePeriod({ from: '2026-03', to: '2026-05' }, now, 'UTC').period.months).to.deep.equal(['2026-03', '2026-04', '2026-05']);
    for (const bad of ['2026-13', '1999-12', '2026-1', 'x', '2101-01']) expect(parsePeriod({ from: bad }, now, 'UTC').errors).to.have.property('from');
    expect(parsePeriod({ from: '2026-06', to: '2026-05' }, now, 'UTC').errors).to.deep.equal({ to: 'admin-billing-dashboard:errors.order' });
    expect(parsePeriod({ from: '2020-01', to: '2025-01' }, now, 'UTC').errors).to.deep.equal({ from: 'admin-billing-dashboard:errors.too_long' });
    expect(parsePeriod({ from: '2020-02', to: '2025-01' }, now, 'UTC').errors).to.deep.equal({});
  });
});
