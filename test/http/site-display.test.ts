/** Dates in DISPLAY_TIMEZONE, numbers and plurals in the page language; CSV stays ISO 8601 UTC. */
import { expect } from 'chai';
import { createAccount, loginAgent } from '../helpers/accounts.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { credit, newInstallation, recharge } from '../helpers/recharge.js';

const NNBSP = '\u202f';

describe('dates, numbers and plurals on pages', () => {
  describe('with the default time zone (Europe/Paris)', () => {
    let ctx: TestContext;
    before(async () => { ctx = await createTestContext(); });
    after(async () => { await ctx.close(); });

    it('shows a time of 10:00 UTC as 11:00 in November, in French and English, without a "UTC" suffix', async () => {
      await createAccount(ctx, 'tz@example.fr');
      const agent = await loginAgent(ctx, 'tz@example.fr');
      const fr = (await agent.get('/subscription/account').expect(200)).text;
      expect(fr).to.contain('22 nov. 2026, 11:00').and.not.contain('10:00 UTC').and.not.contain(' UTC<');
      const en = (await agent.get('/subscription/account?lang=en').expect(200)).text;
      expect(en).to.contain('22 Nov 2026, 11:00');
    });

    it('groups the digits of a balance the French way (narrow no-break space) and the English way', async () => {
      const id = await createAccount(ctx, 'big@example.fr');
      await credit(ctx, id, 1_234_567);
      const agent = await loginAgent(ctx, 'big@example.fr');
      const fr = (await agent.get('/subscription/dashboard').expect(200)).text;
      expect(fr).to.contain(`>1${NNBSP}234${NNBSP}567<`);
      const form = (await agent.get('/subscription/recharge').expect(200)).text;
      expect(form).to.contain(`Votre solde : 1${NNBSP}234${NNBSP}567 unités.`);
      const en = (await agent.get('/subscription/dashboard?lang=en').expect(200)).text;
      expect(en).to.contain('>1,234,567<');
    });

    it('writes real plurals: "1 recharge", "1 unité", never "recharge(s)"', async () => {
      const id = await createAccount(ctx, 'one@example.fr');
      await credit(ctx, id, 10);
      const agent = await loginAgent(ctx, 'one@example.fr');
      const rid = await recharge(agent, newInstallation(), 1);
      const history = (await agent.get('/subscription/recharges').expect(200)).text;
      expect(history).to.contain('>1 recharge</p>').and.not.contain('recharge(s)');
      const show = (await agent.get(`/subscription/recharges/${rid}`).expect(200)).text;
      expect(show).to.contain('1 unité pour').and.not.contain('1 unités');
      const en = (await agent.get(`/subscription/recharges/${rid}?lang=en`).expect(200)).text;
      expect(en).to.contain('1 unit for').and.not.contain('1 units');
      await recharge(agent, newInstallation(), 2);
      expect((await agent.get('/subscription/recharges').expect(200)).text).to.contain('>2 recharges</p>');
    });

    it('keeps CSV exports in ISO 8601 UTC', async () => {
      const agent = await loginAgent(ctx, 'one@example.fr');
      const csv = (await agent.get('/subscription/recharges?format=csv').expect(200)).text;
      expect(csv).to.match(/\n2026-11-22T10:00:00(\.000)?Z[,;]/);
    });
  });

  describe('with DISPLAY_TIMEZONE=America/New_York', () => {
    let ctx: TestContext;
    before(async () => { ctx = await createTestContext({ env: { DISPLAY_TIMEZONE: 'America/New_York' } }); });
    after(async () => { await ctx.close(); });

    it('shows the same moment at 05:00', async () => {
      await createAccount(ctx, 'ny@example.fr');
      const agent = await loginAgent(ctx, 'ny@example.fr');
      expect((await agent.get('/subscription/account').expect(200)).text).to.contain('22 nov. 2026, 05:00');
    });
  });
});
