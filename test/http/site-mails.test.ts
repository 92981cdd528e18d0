/** The account mails' text part: English without the French space before a colon, French with its narrow no-break space. */
import { expect } from 'chai';
import { createAccount, waitMail } from '../helpers/accounts.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { formAgent } from '../helpers/forms.js';

async function askReset(ctx: TestContext, email: string): Promise<void> {
  const { agent, csrf } = await formAgent(ctx.app, '/subscription/forgot');
  await agent.post('/subscription/forgot').type('form').send({ email, _csrf: csrf }).expect(303);
}

describe('account mails (views/mail)', () => {
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext(); });
  after(async () => { await ctx.close(); });

  it('puts no space before the colon in English', async () => {
    await createAccount(ctx, 'en-owner@example.fr');
    await ctx.db('accounts').where({ email: 'en-owner@example.fr' }).update({ locale: 'en' });
    await askReset(ctx, 'en-owner@example.fr');
    const mail = await waitMail(ctx, 'en-owner@example.fr');
    expect(mail.text).to.match(/^Choose a new password:\n/m);
    expect(mail.text).not.to.match(/[^\s] :/);
  });

  it('keeps a narrow no-break space before the colon in French', async () => {
    await createAccount(ctx, 'fr-owner@example.fr');
    await askReset(ctx, 'fr-owner@example.fr');
    const mail = await waitMail(ctx, 'fr-owner@example.fr');
    expect(mail.text).to.match(/^Choisir un nouveau mot de passe\u202f:\n/m);
  });
});
