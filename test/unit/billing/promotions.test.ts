import { expect } from 'chai';
import { parsePromotion, percentBp } from '../../../src/admin/billing/promotion-forms.js';
import { discountLines, discountOf, promotionErrors, type PromotionFields } from '../../../src/billing/index.js';
import { computeTotals } from '../../../src/billing/money.js';

const VALID: PromotionFields = {
  code: 'ETE-2026', name: 'Été', kind: 'percentage', value: 1000, currency: null, maxUses: null, maxUsesPerCustomer: 1, appliesTo: 'first',
  startsOn: '2026-06-01', endsOn: '2026-08-31', isActive: true, autoApply: false, newCustomersOnly: false, minAmount: 0, planIds: [],
};

const FORM = { code: 'ete_2026', name: 'Été', kind: 'percentage', value: '12,5', currency: '', max_uses: '', max_uses_per_customer: '1',
  applies_to: 'both', starts_on: '2026-06-01', ends_on: '2026-08-31', min_amount: '', is_active: 'yes' };

describe('promotion codes (pure)', () => {
  describe('discountOf and discountLines (money.ts rule step 2)', () => {
    it('rounds a percentage half away from zero to the minor unit and never goes past the HT', () => {
      expect(discountOf({ kind: 'percentage', value: 1000 }, 995)).to.equal(100); // 99,5 → 100
      expect(discountOf({ kind: 'percentage', value: 1000 }, 994)).to.equal(99); // 99,4 → 99
      expect(discountOf({ kind: 'percentage', value: 1250 }, 1)).to.equal(0); // 0,125 → 0
      expect(discountOf({ kind: 'percentage', value: 10000 }, 4900)).to.equal(4900);
      expect(discountOf({ kind: 'fixed', value: 500 }, 4900)).to.equal(500);
      expect(discountOf({ kind: 'fixed', value: 10_000 }, 4900)).to.equal(4900);
      expect(discountOf({ kind: 'percentage', value: 2000 }, Number.MAX_SAFE_INTEGER)).to.equal(1801439850948198); // exact with BigInt
    });

    it('rounds XOF, which has no minor unit, to the franc', () => {
      expect(discountOf({ kind: 'percentage', value: 1000 }, 9995)).to.equal(1000); // 999,5 F → 1 000 F
      expect(discountOf({ kind: 'percentage', value: 333 }, 15000)).to.equal(500); // 499,5 F → 500 F
    });

    it('takes the discount off the lines in order, each at most its own HT, so VAT is computed on the discounted base', () => {
      const lines = [{ description: 'Abonnement', quantity: 1, unitPrice: 4900 }, { description: 'Mise en service', quantity: 1, unitPrice: 2000 }];
      const out = discountLines(lines, 5500);
      expect(out.map((l) => l.discount ?? 0)).to.deep.equal([4900, 600]);
      const totals = computeTotals(out.map((l) => ({ ...l, vatRateBp: 2000 })));
      expect(totals).to.include({ ht: 1400, vat: 280, ttc: 1680 });
      expect(discountLines(lines, 0).map((l) => l.discount ?? 0)).to.deep.equal([0, 0]);
    });
  });

  describe('promotionErrors', () => {
    it('accepts a valid code', () => {
      expect(promotionErrors(VALID)).to.deep.equal({});
      expect(promotionErrors({ ...VALID, kind: 'fixed', value: Number.MAX_SAFE_INTEGER, currency: 'XOF' })).to.deep.equal({});
    });

    it('refuses a percentage of 0 or above 100 %, a fixed amount that is not a positive safe integer or has no currency', () => {
      expect(promotionErrors({ ...VALID, value: 15000 })).to.have.property('value', 'admin-promotions:errors.percentage');
      expect(promotionErrors({ ...VALID, value: 0 })).to.have.property('value');
      expect(promotionErrors({ ...VALID, value: 12.5 })).to.have.property('value');
      expect(promotionErrors({ ...VALID, kind: 'fixed', value: 2 ** 53, currency: 'EUR' })).to.have.property('value', 'admin-promotions:errors.fixed');
      expect(promotionErrors({ ...VALID, kind: 'fixed', value: -5, currency: 'EUR' })).to.have.property('value');
      expect(promotionErrors({ ...VALID, kind: 'fixed', value: 500 })).to.have.property('currency', 'admin-promotions:errors.currency_required');
      expect(promotionErrors({ ...VALID, currency: 'ZZZ' as 'EUR' })).to.have.property('currency');
    });

    it('refuses codes outside [A-Z0-9_-]{3,32}, control characters, bad days, an end before the start and bad limits', () => {
      for (const code of ['AB', 'A'.repeat(33), 'ETE 2026', 'ete', 'ÉTÉ', 'ETE\u00002026', 'ETE\n2026']) {
        expect(promotionErrors({ ...VALID, code }), JSON.stringify(code)).to.have.property('code', 'admin-promotions:errors.code');
      }
      expect(promotionErrors({ ...VALID, name: 'Été\u0007' })).to.have.property('name');
      expect(promotionErrors({ ...VALID, startsOn: '2026-02-30' })).to.have.property('starts_on', 'admin-promotions:errors.day');
      expect(promotionErrors({ ...VALID, endsOn: '9999-01-01' })).to.have.property('ends_on', 'admin-promotions:errors.day');
      expect(promotionErrors({ ...VALID, endsOn: '2026-05-31' })).to.have.property('ends_on', 'admin-promotions:errors.ends_before');
      expect(promotionErrors({ ...VALID, startsOn: '2026-06-01', endsOn: '2026-06-01' })).to.deep.equal({});
      expect(promotionErrors({ ...VALID, maxUses: 0 })).to.have.property('max_uses');
      expect(promotionErrors({ ...VALID, maxUsesPerCustomer: 1.5 })).to.have.property('max_uses_per_customer');
      expect(promotionErrors({ ...VALID, minAmount: 100 })).to.have.property('currency', 'admin-promotions:errors.currency_required');
      expect(promotionErrors({ ...VALID, planIds: [0] })).to.have.property('plan_ids');
    });
  });

  describe('the admin form (parsePromotion)', () => {
    it('reads a percent with two decimals into basis points and upper-cases the code', () => {
      expect(percentBp('12,5')).to.equal(1250);
      expect(percentBp('100')).to.equal(10000);
      expect(percentBp('1e2')).to.equal(null);
      const r = parsePromotion({ ...FORM, plan_3: 'yes', plan_x: 'yes', plan_4: 'no' });
      expect(r.ok && r.data).to.deep.include({ code: 'ETE_2026', value: 1250, appliesTo: 'both', maxUses: null, planIds: [3], isActive: true });
    });

    it('reads money in the chosen currency (XOF without decimals) and refuses hostile values with field errors', () => {
      const fixed = parsePromotion({ ...FORM, kind: 'fixed', value: '15 000', currency: 'XOF', min_amount: '20000' });
      expect(fixed.ok && fixed.data).to.deep.include({ value: 15000, currency: 'XOF', minAmount: 20000 });
      const errors = (body: Record<string, string>) => { const r = parsePromotion({ ...FORM, ...body }); return r.ok ? {} : r.errors; };
      expect(errors({ value: '150' })).to.have.property('value', 'admin-promotions:errors.percentage');
      expect(errors({ value: '-10' })).to.have.property('value');
      expect(errors({ kind: 'fixed', currency: 'XOF', value: '10,5' })).to.have.property('value', 'admin-billing:errors.amount_precision');
      expect(errors({ kind: 'fixed', currency: 'EUR', value: '90071992547409.92' })).to.have.property('value', 'admin-billing:errors.amount_too_large');
      expect(errors({ kind: 'fixed', currency: '', value: '10' })).to.deep.equal({ currency: 'admin-promotions:errors.currency_required' });
      expect(errors({ currency: 'BTC' })).to.have.property('currency', 'admin-promotions:errors.currency');
      expect(errors({ max_uses: '-1' })).to.have.property('max_uses');
      expect(errors({ max_uses: '99999999999' })).to.have.property('max_uses');
      expect(errors({ starts_on: '2026-13-01' })).to.have.property('starts_on');
      expect(errors({ kind: 'bogus' })).to.have.property('kind');
      expect(errors({ applies_to: 'always' })).to.have.property('applies_to');
    });
  });
});
