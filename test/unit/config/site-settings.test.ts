/** DISPLAY_TIMEZONE and the LEGAL_* identity (src/config). */
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../src/config/index.js';

describe('config: display time zone and legal identity', () => {
  it('defaults to Europe/Paris and to an unset identity (a fresh start works)', () => {
    const c = loadConfig({});
    expect(c.displayTimezone).to.equal('Europe/Paris');
    expect(Object.values(c.legal).every((v) => v === undefined)).to.equal(true);
  });

  it('accepts an IANA zone and refuses a name Intl does not know', () => {
    expect(loadConfig({ DISPLAY_TIMEZONE: 'America/New_York' }).displayTimezone).to.equal('America/New_York');
    expect(() => loadConfig({ DISPLAY_TIMEZONE: 'Mars/Olympus' })).to.throw(ConfigError, /DISPLAY_TIMEZONE/);
  });

  it('reads the legal identity, trimmed, and checks the contact address', () => {
    const c = loadConfig({ LEGAL_PUBLISHER_NAME: '  Atelier Numéro SARL ', LEGAL_HOST_NAME: 'OVH SAS', LEGAL_CONTACT_EMAIL: 'legal@example.fr' });
    expect(c.legal).to.include({ publisherName: 'Atelier Numéro SARL', hostName: 'OVH SAS', contactEmail: 'legal@example.fr', publisherAddress: undefined });
    expect(() => loadConfig({ LEGAL_CONTACT_EMAIL: 'nobody' })).to.throw(ConfigError, /LEGAL_CONTACT_EMAIL/);
  });
});
