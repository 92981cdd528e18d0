import { expect } from 'chai';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { createAccount, csrfOf, loginAgent, PASSWORD, waitMail } from '../../helpers/accounts.js';

describe('the saved interface language of an account', () => {
  let ctx: TestContext;
  beforeEach(async () => { ctx = await createTestContext({ seed: false }); });
  afterEach(async () => { await ctx.close(); });

  it('shows an account that saved English its pages in English, whatever the browser asks, until ?lang= picks another for the session', async () => {
    const id = await createAccount(ctx, 'p@example.fr');
    await ctx.db('accounts').where({ id }).update({ locale: 'en' });
    // A French browser (Accept-Language fr), no ?lang=.
    const agent = await loginAgent(ctx, 'p@example.fr', PASSWORD, 'fr');
    const page = await agent.get('/subscription/account').set('Accept-Language', 'fr').expect(200);
    expect(page.text).to.contain('<html lang="en"').and.contain('My account');
    // ?lang=fr overrides it for the session, also on the next pages without ?lang=.
    expect((await agent.get('/subscription/account?lang=fr').expect(200)).text).to.contain('Mon compte');
    expect((await agent.get('/subscription/account').expect(200)).text).to.contain('Mon compte');
    // A new session follows the saved language again, and so do the mails.
    const again = await loginAgent(ctx, 'p@example.fr', PASSWORD, 'fr');
    expect((await again.get('/subscription/account').expect(200)).text).to.contain('My account');
    const csrf = await csrfOf(again, '/subscription/account');
    await again.post('/subscription/account/password').type('form')
      .send({ current_password: PASSWORD, password: 'a brand new passphrase', password_confirm: 'a brand new passphrase', _csrf: csrf }).expect(303);
    expect((await waitMail(ctx, 'p@example.fr')).text).to.match(/password/i).and.not.match(/mot de passe/i);
  });

  it('switches the pages at once to the language saved in the profile, over one picked with ?lang=', async () => {
    await createAccount(ctx, 'p@example.fr');
    const agent = await loginAgent(ctx, 'p@example.fr');
    expect((await agent.get('/subscription/account?lang=en').expect(200)).text).to.contain('My account');
    const csrf = await csrfOf(agent, '/subscription/account');
    await agent.post('/subscription/account/profile').type('form')
      .send({ company: 'Société Test', name: 'Test', phone: '0102030405', country: 'FR', locale: 'fr', _csrf: csrf }).expect(303);
    const page = (await agent.get('/subscription/account').expect(200)).text;
    expect(page).to.contain('Mon compte').and.contain('Votre profil a été enregistré.');
  });
});
