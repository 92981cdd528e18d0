/**
 * The license component's services as the admin pages call them:
 * LicensesService.changeState and extend (computed from the locked row),
 * ProductsService (audit facts, the API's copy refreshed at once).
 */
import { expect } from 'chai';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import { ProductsService } from '../../../src/licenses/index.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { activate, machine, makeBatch, trial } from '../../helpers/licenses.js';

const DAY = 86_400_000;

describe('license services called by the admin pages', function () {
  this.timeout(30_000);
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await createTestContext({ seed: false });
  });
  afterEach(async () => ctx.close());

  const idOf = async (machineId: string) => Number((await ctx.db('licenses').where({ machine_id: machineId }).first('id')).id);
  const details = async (action: string) => (await ctx.handle.audit.list({ action }, 10)).map((r) => r.details);

  describe('LicensesService.changeState', () => {
    it('records the state the license was in when the change was made, and refuses a change its state does not allow', async () => {
      const id = await idOf((await trial(ctx)).machineId);
      const licenses = ctx.handle.licenses;
      expect(await licenses.changeState(id, 'suspend', 'unpaid', SYSTEM_ACTOR)).to.equal(true);
      expect(await licenses.changeState(id, 'suspend', 'twice', SYSTEM_ACTOR)).to.equal(false);
      // An admin who saw it active revokes it: the row says it went from suspended.
      expect(await licenses.changeState(id, 'revoke', 'fraud', SYSTEM_ACTOR)).to.equal(true);
      expect(await details('license.revoked')).to.deep.equal([{ from: 'suspended', to: 'revoked', reason: 'fraud', context: 'reason' }]);
      expect(await details('license.suspended')).to.have.length(1);
      expect(await licenses.changeState(id, 'reinstate', null, SYSTEM_ACTOR)).to.equal(true);
      expect(await details('license.reinstated')).to.deep.equal([{ from: 'revoked', to: 'active', reason: null, context: null }]);
      expect(await licenses.changeState(999_999, 'revoke', 'x', SYSTEM_ACTOR)).to.equal(false);
    });
  });

  describe('LicensesService.extend', () => {
    it('adds days to the later of the expiry and now, or sets a date; never extends a lifetime license', async () => {
      const id = await idOf((await trial(ctx)).machineId);
      const row = async () => new Date((await ctx.db('licenses').where({ id }).first('expires_at')).expires_at as string);
      const start = await row();
      expect((await ctx.handle.licenses.extend(id, { days: 10 }, 'goodwill', SYSTEM_ACTOR))!.getTime()).to.equal(start.getTime() + 10 * DAY);
      // Expired long ago: the days count from now.
      await ctx.db('licenses').where({ id }).update({ expires_at: new Date(ctx.clock.now().getTime() - 100 * DAY).toISOString() });
      const fromNow = (await ctx.handle.licenses.extend(id, { days: 5 }, 'renewed', SYSTEM_ACTOR))!;
      expect(fromNow.getTime()).to.equal(Math.floor(ctx.clock.now().getTime() / 1000) * 1000 + 5 * DAY);
      expect((await row()).getTime()).to.equal(fromNow.getTime());
      const until = new Date('2030-01-31T23:59:59Z');
      expect(await ctx.handle.licenses.extend(id, { until }, 'contract', SYSTEM_ACTOR)).to.deep.equal(until);
      expect((await details('license.extended')).map((d) => d!.after_at)).to.have.members([
        new Date(start.getTime() + 10 * DAY).toISOString(), fromNow.toISOString(), until.toISOString(),
      ]);

      const [code] = await makeBatch(ctx, 'easyfacture', 'lifetime', 1);
      const lifetime = machine();
      await activate(ctx, code!, lifetime);
      expect(await ctx.handle.licenses.extend(await idOf(lifetime), { days: 10 }, 'x', SYSTEM_ACTOR)).to.equal(null);
      expect(await details('license.extended')).to.have.length(3);
    });
  });

  describe('ProductsService', () => {
    it('refuses a taken code, audits the policy as facts, and serves the new policy from its cache at once', async () => {
      const products = new ProductsService({ db: ctx.db, clock: ctx.clock, audit: ctx.handle.audit });
      const policy = { name: 'POS', trialDays: 14, graceDays: 3, maxActivations: 2, heartbeatIntervalSeconds: 3600, renewalUrl: '' };
      const id = (await products.create('pos', policy, SYSTEM_ACTOR))!;
      expect(await products.create('pos', policy, SYSTEM_ACTOR)).to.equal(null);
      expect(await details('product.created')).to.deep.equal([
        { code: 'pos', name: 'POS', trial_days: 14, grace_days: 3, max_activations: 2, heartbeat_seconds: 3600, renewal_url: '' },
      ]);
      expect((await products.cache.byCodeOf('pos'))!.trialDays).to.equal(14);
      await products.update((await products.byId(id))!, { ...policy, trialDays: 30 }, SYSTEM_ACTOR);
      expect((await products.cache.get(id))!.trialDays, 'within the cache lifetime').to.equal(30);
      expect((await details('product.updated'))[0]).to.include({ code: 'pos', before_trial_days: 14, after_trial_days: 30 });
    });
  });
});
