import { expect } from 'chai';
import { computeTotals, divideRounded, formatMoney, parseAmount, percentOf, toDecimalString } from '../../../src/billing/money.js';

const norm = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('billing money', () => {
  describe('parseAmount', () => {
    it('reads French and English typing into minor units', () => {
      expect(parseAmount('12,50', 'EUR')).to.deep.equal({ minor: 1250 });
      expect(parseAmount('12.50', 'EUR')).to.deep.equal({ minor: 1250 });
      expect(parseAmount('1 000', 'EUR')).to.deep.equal({ minor: 100000 });
      expect(parseAmount('1\u202f000,5', 'EUR')).to.deep.equal({ minor: 100050 });
      expect(parseAmount(' 7 ', 'EUR')).to.deep.equal({ minor: 700 });
    });

    it('reads XOF, which has no minor unit, and refuses its decimals', () => {
      expect(parseAmount('15 000', 'XOF')).to.deep.equal({ minor: 15000 });
      expect(parseAmount('15000,00', 'XOF')).to.deep.equal({ minor: 15000 });
      expect(parseAmount('15000,5', 'XOF')).to.deep.equal({ error: 'precision' });
    });

    it('refuses negatives, extra decimals, garbage and amounts past 2^53 - 1 minor units', () => {
      expect(parseAmount('-1', 'EUR')).to.deep.equal({ error: 'negative' });
      expect(parseAmount('1,234', 'EUR')).to.deep.equal({ error: 'precision' });
      for (const t of ['', 'abc', '1,2,3', '1e5', '12 €', '0x10', '1.5.', ',5']) expect(parseAmount(t, 'EUR'), t).to.deep.equal({ error: 'format' });
      expect(parseAmount('90071992547409.91', 'EUR')).to.deep.equal({ minor: Number.MAX_SAFE_INTEGER });
      expect(parseAmount('90071992547409.92', 'EUR')).to.deep.equal({ error: 'too_large' });
      expect(parseAmount('9007199254740992', 'XOF')).to.deep.equal({ error: 'too_large' });
    });
  });

  describe('formatMoney', () => {
    it('formats by locale with the currency, exactly, also near 2^53', () => {
      expect(norm(formatMoney(123450, 'EUR', 'fr'))).to.equal('1 234,50 €');
      expect(formatMoney(123450, 'EUR', 'en')).to.equal('€1,234.50');
      expect(norm(formatMoney(15000, 'XOF', 'fr'))).to.equal('15 000 F CFA');
      expect(norm(formatMoney(Number.MAX_SAFE_INTEGER, 'EUR', 'fr'))).to.equal('90 071 992 547 409,91 €');
      expect(toDecimalString(-5, 'EUR')).to.equal('-0.05');
    });
  });

  describe('the rounding rule', () => {
    it('rounds half away from zero', () => {
      expect(divideRounded(25n, 10n)).to.equal(3n);
      expect(divideRounded(-25n, 10n)).to.equal(-3n);
      expect(divideRounded(24n, 10n)).to.equal(2n);
      expect(percentOf(1005, 550)).to.equal(55); // 55.275 → 55
      expect(percentOf(10, 2500)).to.equal(3); // 2.5 → 3
    });

    it('computes VAT per rate on the sum of HT, not line by line (5.5 % and 20 %)', () => {
      // Three lines of 0.01 € at 20 %: per line 0.002 rounds to 0 three times; on the sum 0.03 → 0.006 → 0.01.
      const t = computeTotals([
        { quantity: 1, unitPrice: 1, vatRateBp: 2000 }, { quantity: 1, unitPrice: 1, vatRateBp: 2000 }, { quantity: 1, unitPrice: 1, vatRateBp: 2000 },
        { quantity: 3, unitPrice: 335, vatRateBp: 550 },
      ]);
      expect(t.vatBreakdown).to.deep.equal([{ rateBp: 550, base: 1005, vat: 55 }, { rateBp: 2000, base: 3, vat: 1 }]);
      expect(t).to.include({ ht: 1008, vat: 56, ttc: 1064 });
    });

    it('takes a discount off the HT before VAT', () => {
      const t = computeTotals([{ quantity: 2, unitPrice: 5000, vatRateBp: 2000, discount: percentOf(10000, 1500) }]);
      expect(t).to.include({ ht: 8500, vat: 1700, ttc: 10200 });
      expect(t.lines).to.deep.equal([8500]);
    });

    it('totals an XOF invoice in whole francs', () => {
      const t = computeTotals([{ quantity: 1, unitPrice: 9999, vatRateBp: 1800 }]);
      expect(t).to.include({ ht: 9999, vat: 1800, ttc: 11799 }); // 1799.82 → 1800
    });

    it('refuses fractional quantities, negative prices, discounts above the line and totals past 2^53', () => {
      expect(() => computeTotals([{ quantity: 1.5, unitPrice: 1, vatRateBp: 0 }])).to.throw();
      expect(() => computeTotals([{ quantity: 1, unitPrice: -1, vatRateBp: 0 }])).to.throw();
      expect(() => computeTotals([{ quantity: 1, unitPrice: 1, vatRateBp: 0, discount: 2 }])).to.throw();
      expect(() => computeTotals([{ quantity: 1, unitPrice: 1, vatRateBp: 10001 }])).to.throw();
      expect(() => computeTotals([{ quantity: 2, unitPrice: Number.MAX_SAFE_INTEGER, vatRateBp: 0 }])).to.throw();
    });
  });
});
