import path from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadConfig, ROOT_DIR } from '../../../src/config/index.js';

describe('config: loadConfig', () => {
  it('gives the documented defaults on an empty environment', () => {
    const c = loadConfig({});
    expect(c.port).to.equal(3000);
    expect(c.host).to.equal('127.0.0.1');
    expect(c.baseUrl).to.equal('http://127.0.0.1:3000');
    expect(c.database).to.deep.equal({ client: 'sqlite', filename: path.join(ROOT_DIR, 'db', 'artisan_nd.sqlite') });
    expect(c.trustProxy).to.equal(0);
    expect(c.defaultLocale).to.equal('fr');
    expect(c.downloads).to.include({ perHour: 10, concurrent: 3, accel: 'none' });
    expect(c.secureCookies).to.equal(false);
    expect(c.smtpUrl).to.equal(undefined);
    expect(Object.isFrozen(c) && Object.isFrozen(c.downloads)).to.equal(true);
  });

  it('accepts sqlite: and postgres:// database URLs', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite:tmp/x.sqlite' }).database).to.deep.equal({ client: 'sqlite', filename: path.join(ROOT_DIR, 'tmp', 'x.sqlite') });
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h:5432/d', DATABASE_SCHEMA: 'portal' }).database).to.deep.equal({ client: 'pg', url: 'postgres://u@h:5432/d', schema: 'portal' });
  });

  it('marks cookies secure when BASE_URL is https', () => {
    expect(loadConfig({ BASE_URL: 'https://portal.example.com/' })).to.include({ secureCookies: true, baseUrl: 'https://portal.example.com' });
  });

  it('lists every invalid key in one readable error', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', TRUST_PROXY: 'true', DEFAULT_LOCALE: 'de', ADMIN_EMAIL: 'nobody', SESSION_SECRET: 'short' });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const key of ['PORT', 'TRUST_PROXY', 'DEFAULT_LOCALE', 'ADMIN_EMAIL', 'SESSION_SECRET']) expect(problems).to.contain(key);
    expect((err as Error).message).to.match(/^Invalid configuration:\n {2}- /);
  });

  it('refuses a database URL of an unknown kind', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://root@localhost/x' })).to.throw(ConfigError, /DATABASE_URL/);
  });

  it('reads CLIENT_KEY_REQUIRED_PRODUCTS as a list of product codes (empty by default) and refuses anything else', () => {
    expect([...loadConfig({}).clientKeys.requiredProducts]).to.deep.equal([]);
    expect([...loadConfig({ CLIENT_KEY_REQUIRED_PRODUCTS: ' artisan_nd, easyfacture ,artisan_nd,' }).clientKeys.requiredProducts])
      .to.deep.equal(['artisan_nd', 'easyfacture']);
    for (const bad of ['artisan nd', 'Artisan_ND', 'a', 'x;y']) {
      expect(() => loadConfig({ CLIENT_KEY_REQUIRED_PRODUCTS: bad }), bad).to.throw(ConfigError, /CLIENT_KEY_REQUIRED_PRODUCTS: comma-separated product codes/);
    }
  });
});
