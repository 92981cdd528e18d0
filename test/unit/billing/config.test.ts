import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../src/config/index.js';

describe('billing configuration', () => {
  it('starts with the defaults of the issue and an unconfigured seller', () => {
    const b = loadConfig({}).billing;
    expect(b).to.include({ vatRateBp: 2000, vatRegime: 'standard', currency: 'EUR', invoicePrefix: 'FA', creditNotePrefix: 'AV', paymentTermsDays: 30,
      latePenaltyRateBp: undefined, pendingDays: 14, runAt: '06:00', timezone: 'Europe/Paris', sellerConfigured: false });
    expect(b.seller).to.deep.equal({ name: undefined, address: undefined, siret: undefined, vatNumber: undefined, rcs: undefined, capital: undefined });
  });

  it('is configured once name, address and SIRET are set, and reads rates with two decimals', () => {
    const b = loadConfig({ BILLING_SELLER_NAME: 'Artisan ND', BILLING_SELLER_ADDRESS: 'Lyon', BILLING_SELLER_SIRET: '123 456 789 00012',
      BILLING_VAT_RATE: '5.5', BILLING_LATE_PENALTY_RATE: '12.25', BILLING_CURRENCY: 'XOF' }).billing;
    expect(b).to.include({ sellerConfigured: true, vatRateBp: 550, latePenaltyRateBp: 1225, currency: 'XOF' });
    expect(b.seller.siret).to.equal('12345678900012');
  });

  it('names every invalid billing key', () => {
    let err: unknown;
    try {
      loadConfig({ BILLING_VAT_RATE: '150', BILLING_CURRENCY: 'BTC', BILLING_INVOICE_PREFIX: 'fa', BILLING_RUN_AT: '25:00', BILLING_TIMEZONE: 'Mars/Base',
        BILLING_SELLER_SIRET: '12', BILLING_PAYMENT_TERMS_DAYS: '90', BILLING_VAT_REGIME: 'none' });
    } catch (e) { err = e; }
    expect(err).to.be.instanceOf(ConfigError);
    const keys = (err as ConfigError).problems.map((p) => p.split(':')[0]);
    expect(keys).to.include.members(['BILLING_VAT_RATE', 'BILLING_CURRENCY', 'BILLING_INVOICE_PREFIX', 'BILLING_RUN_AT', 'BILLING_TIMEZONE',
      'BILLING_SELLER_SIRET', 'BILLING_PAYMENT_TERMS_DAYS', 'BILLING_VAT_REGIME']);
    expect(() => loadConfig({ BILLING_CREDIT_NOTE_PREFIX: 'FA' })).to.throw(ConfigError, /BILLING_CREDIT_NOTE_PREFIX/);
  });
});
