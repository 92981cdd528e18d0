import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../src/config/index.js';

describe('Stripe configuration (STRIPE_*)', () => {
  it('leaves card payments off without keys, and reads a test API address into host, port and protocol', () => {
    expect(loadConfig({}).stripe).to.equal(undefined);
    const s = loadConfig({ STRIPE_SECRET_KEY: 'sk_test_abc123', STRIPE_WEBHOOK_SECRET: 'whsec_xyz789', STRIPE_API_BASE: 'http://127.0.0.1:4242' }).stripe;
    expect(s).to.deep.equal({ secretKey: 'sk_test_abc123', webhookSecret: 'whsec_xyz789', api: { host: '127.0.0.1', port: 4242, protocol: 'http' } });
    expect(loadConfig({ STRIPE_SECRET_KEY: 'sk_live_abc', STRIPE_WEBHOOK_SECRET: 'whsec_1' }).stripe!.api).to.equal(undefined);
  });

  it('refuses one key without the other and keys that are not Stripe’s, naming them without echoing their value', () => {
    expect(() => loadConfig({ STRIPE_SECRET_KEY: 'sk_test_abc' })).to.throw(ConfigError, /STRIPE_WEBHOOK_SECRET/);
    let err: unknown;
    try {
      loadConfig({ STRIPE_SECRET_KEY: 'pk_test_public', STRIPE_WEBHOOK_SECRET: 'secret', STRIPE_API_BASE: 'ftp://x' });
    } catch (e) { err = e; }
    expect((err as ConfigError).problems.map((p) => p.split(':')[0])).to.include.members(['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_API_BASE']);
    expect((err as ConfigError).message).not.to.contain('pk_test_public');
  });
});
