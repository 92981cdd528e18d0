import { expect } from 'chai';
import { policyDetails } from '../../../src/licenses/index.js';
import { auditSentence } from '../../helpers/audit.js';

describe('audit sentences of product policies', () => {
  const policy = { name: 'POS', trialDays: 14, graceDays: 3, maxActivations: 2, heartbeatIntervalSeconds: 3600, renewalUrl: '' };

  it('reads a new product in the reader’s language, an empty renewal address as a dash', () => {
    const row = { action: 'product.created', details: { code: 'pos', ...policyDetails(policy) } };
    expect(auditSentence(row, 'fr')).to.equal('pos : « POS », essai 14 j, grâce 3 j, machines au plus : 2, heartbeat toutes les 3600 s, renouvellement —');
    expect(auditSentence(row, 'en')).to.equal('pos: “POS”, trial 14 d, grace 3 d, machines at most: 2, heartbeat every 3600 s, renewal —');
  });

  it('reads a policy change as before → after', () => {
    const details = { code: 'pos', ...policyDetails(policy, 'before_'), ...policyDetails({ ...policy, trialDays: 30, renewalUrl: '/renew' }, 'after_') };
    expect(auditSentence({ action: 'product.updated', details }, 'fr')).to.match(/essai 14 j, .* renouvellement — → « POS », essai 30 j, .* renouvellement \/renew$/);
  });
});
