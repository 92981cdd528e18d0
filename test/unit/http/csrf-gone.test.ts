/** Where a form posted from a session that no longer exists is sent (src/http/csrf.ts goneTarget). */
import { expect } from 'chai';
import { goneTarget } from '../../../src/http/csrf.js';

describe('forms from a session that has ended', () => {
  it('sends partner and admin forms to the login page, whatever the Referer', () => {
    expect(goneTarget('/admin/partners/2/suspend', '/admin/partners/2/suspend')).to.equal('/subscription/login');
    expect(goneTarget('/admin/partners/2/suspend', '/admin/partners/2')).to.equal('/subscription/login');
    expect(goneTarget('/subscription/recharge/confirm', '/subscription/recharge')).to.equal('/subscription/login');
    expect(goneTarget('/subscription/account/password', '/subscription/account')).to.equal('/subscription/login');
  });

  it('sends public forms back to their page, never elsewhere', () => {
    expect(goneTarget('/contact', '/contact?lang=en')).to.equal('/contact?lang=en');
    expect(goneTarget('/subscription/forgot', '/subscription/forgot')).to.equal('/subscription/forgot');
    expect(goneTarget('/contact', null)).to.equal('/subscription/login');
    expect(goneTarget('/contact', '//evil.example/')).to.equal('/subscription/login');
  });
});
