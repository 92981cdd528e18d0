import crypto from 'node:crypto';
import { expect } from 'chai';
import { API_KEY, BASE62, bearerApiKey, hashApiKey, KEY_RANDOM_CHARS, newApiKey } from '../../../src/packages/index.js';

describe('client API keys (sk_<plan>_<random>)', () => {
  it('has the seed’s form, with at least 128 bits of base62 randomness', () => {
    const key = newApiKey('pro');
    expect(key).to.match(/^sk_pro_[0-9A-Za-z]{22}$/);
    expect(API_KEY.test(key)).to.equal(true);
    expect(KEY_RANDOM_CHARS * Math.log2(62)).to.be.at.least(128);
    expect(newApiKey('starter-plus')).to.match(/^sk_starter-plus_[0-9A-Za-z]{22}$/);
  });

  it('draws every base62 character and never the same key twice in 2 000 draws', () => {
    const keys = new Set(Array.from({ length: 2000 }, () => newApiKey('basic')));
    expect(keys.size).to.equal(2000);
    const seen = new Set([...keys].join('').replace(/sk_basic_/g, ''));
    expect([...BASE62].every((c) => seen.has(c))).to.equal(true);
  });

  it('refuses a plan that is not a slug (the key would not parse back)', () => {
    for (const plan of ['', 'Pro', 'a_b', '-pro', 'x'.repeat(33), 'pro plan']) expect(() => newApiKey(plan), plan).to.throw(/plan slug/);
  });

  it('is stored as its SHA-256 in hex', () => {
    const key = newApiKey('pro');
    expect(hashApiKey(key)).to.equal(crypto.createHash('sha256').update(key).digest('hex')).and.match(/^[0-9a-f]{64}$/);
  });

  it('reads Bearer sk_… from an Authorization header and nothing else', () => {
    expect(bearerApiKey('Bearer sk_pro_abc')).to.equal('sk_pro_abc');
    expect(bearerApiKey('bearer   sk_pro_abc')).to.equal('sk_pro_abc');
    for (const h of [undefined, '', 'Bearer andt_123', 'Basic sk_pro_abc', 'Bearer sk_pro_abc extra']) expect(bearerApiKey(h), String(h)).to.equal(null);
  });
});
