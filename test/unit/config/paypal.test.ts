import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../src/config/index.js';

const KEYS = { PAYPAL_CLIENT_ID: 'AYSq3RDGsmBLJE-otTkBtM', PAYPAL_CLIENT_SECRET: 'EGnHDxD_qRPdaLdZz8iCr8N7', PAYPAL_WEBHOOK_ID: '1JE4291016473214C' };

describe('PayPal configuration', () => {
  it('leaves PayPal off when none of its keys is set', () => {
    expect(loadConfig({}).paypal).to.equal(undefined);
    expect(loadConfig({ PAYPAL_ENVIRONMENT: 'production', PAYPAL_CLIENT_ID: '' }).paypal).to.equal(undefined);
  });

  it('is configured with client id, secret and webhook id; sandbox unless told, the fake\'s address without its trailing slash', () => {
    expect(loadConfig(KEYS).paypal).to.deep.equal({ clientId: KEYS.PAYPAL_CLIENT_ID, clientSecret: KEYS.PAYPAL_CLIENT_SECRET,
      webhookId: KEYS.PAYPAL_WEBHOOK_ID, environment: 'sandbox', apiBase: undefined });
    expect(loadConfig({ ...KEYS, PAYPAL_ENVIRONMENT: 'production', PAYPAL_API_BASE: 'http://127.0.0.1:4010/' }).paypal)
      .to.include({ environment: 'production', apiBase: 'http://127.0.0.1:4010' });
  });

  it('names the missing keys when PayPal is half configured, without showing the values', () => {
    let err: unknown;
    try { loadConfig({ PAYPAL_CLIENT_ID: KEYS.PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET: KEYS.PAYPAL_CLIENT_SECRET }); } catch (e) { err = e; }
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).problems).to.have.length(1);
    expect((err as ConfigError).problems[0]).to.match(/^PAYPAL_WEBHOOK_ID: PayPal needs/);
    expect((err as Error).message).not.to.include(KEYS.PAYPAL_CLIENT_SECRET);
  });

  it('names every malformed PayPal key', () => {
    let err: unknown;
    try {
      loadConfig({ PAYPAL_CLIENT_ID: 'id with spaces', PAYPAL_CLIENT_SECRET: 'sec\u0000ret', PAYPAL_WEBHOOK_ID: 'WH-1', PAYPAL_ENVIRONMENT: 'live',
        PAYPAL_API_BASE: 'ftp://fake' });
    } catch (e) { err = e; }
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => p.split(':')[0])).to.have.members(['PAYPAL_CLIENT_ID', 'PAYPAL_CLIENT_SECRET', 'PAYPAL_WEBHOOK_ID',
      'PAYPAL_ENVIRONMENT', 'PAYPAL_API_BASE']);
    expect((err as Error).message).not.to.include('sec\u0000ret');
  });
});
