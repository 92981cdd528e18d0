/** The page formatters (src/http/locals.ts) and the French plural forms i18next needs. */
import { expect } from 'chai';
import { createI18n } from '../../../src/http/i18n.js';
import { formattersFor } from '../../../src/http/locals.js';

describe('page formatters', () => {
  it('shows a date on the day it is in the display time zone', () => {
    const lateJune = new Date('2026-06-30T22:30:00Z'); // 00:30 on 1 July in Paris (UTC+2)
    expect(formattersFor('fr', 'Europe/Paris').date.format(lateJune)).to.equal('1 juillet 2026');
    expect(formattersFor('en', 'Europe/Paris').dateTime.format(lateJune)).to.equal('1 Jul 2026, 00:30');
    expect(formattersFor('en', 'UTC').date.format(lateJune)).to.equal('30 June 2026');
  });

  it('groups digits with a narrow no-break space in French and a comma in English', () => {
    expect(formattersFor('fr', 'UTC').number.format(1_000_000)).to.equal('1\u202f000\u202f000');
    expect(formattersFor('en', 'UTC').number.format(1_000_000)).to.equal('1,000,000');
  });

  it('finds a French text for a million (the "many" plural form), in words that agree', () => {
    const { t } = createI18n('fr', false);
    expect(t.fr('admin:list.count', { count: 1_000_000 })).to.equal('1\u202f000\u202f000 résultats');
    expect(t.fr('recharge.balance', { units: 1 })).to.equal('Votre solde : 1 unité.');
    expect(t.fr('admin-partners:flash.credited', { units: 1, name: 'Imprimerie Durand', balance: 1500 }))
      .to.equal('1 unité créditée à Imprimerie Durand ; nouveau solde : 1\u202f500.');
    expect(t.en('errors.429.text', { minutes: 1 })).to.equal('You made too many requests in a short time. Try again in 1 minute.');
    expect(t.fr('accounts.account.sessions_ended', { count: 2 })).to.equal('2 autres sessions fermées.');
  });
});
