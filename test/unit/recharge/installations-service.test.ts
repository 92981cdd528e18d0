/** InstallationsService.transfer: the checks made in its transaction, and nothing written when one fails. */
import { expect } from 'chai';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import { ConflictError, ERR } from '../../../src/errors/index.js';
import { InstallationsService } from '../../../src/recharge/index.js';
import { createAccount } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';

describe('InstallationsService.transfer', function () {
  this.timeout(30_000);
  let ctx: TestContext;
  let service: InstallationsService;
  let oldId: number;
  let newId: number;
  let instId: number;

  beforeEach(async () => {
    ctx = await createTestContext({ seed: false });
    service = new InstallationsService({ db: ctx.db, clock: ctx.clock, audit: ctx.handle.audit });
    oldId = await createAccount(ctx, 'owner@example.fr');
    newId = await createAccount(ctx, 'receiver@example.fr');
    const now = ctx.clock.now().toISOString();
    const [row] = (await ctx.db('installations')
      .insert({ code: 'A'.repeat(32), partner_id: oldId, customer: 'Boulangerie', created_at: now, updated_at: now })
      .returning('id')) as ({ id: number } | number)[];
    instId = typeof row === 'object' ? Number(row.id) : Number(row);
  });
  afterEach(async () => ctx.close());

  const transfer = (partnerId = oldId, to = newId) => service.transfer({
    installation: { id: instId, code: 'A'.repeat(32), customer: 'Boulangerie', partnerId, ownerEmail: 'owner@example.fr' },
    to: { id: to, email: 'receiver@example.fr' }, reason: 'changes reseller',
  }, SYSTEM_ACTOR);

  async function codeOf(p: Promise<unknown>): Promise<string> {
    try {
      await p;
    } catch (err) {
      expect(err).to.be.instanceOf(ConflictError);
      return (err as ConflictError).code;
    }
    return 'none';
  }

  const owner = async () => Number((await ctx.db('installations').where({ id: instId }).first('partner_id')).partner_id);
  const audits = async () => Number((await ctx.db('audit_log').where({ action: 'installation.transferred' }).count({ n: '*' }).first())!.n);

  it('moves the installation and writes its audit row with the facts', async () => {
    await transfer();
    expect(await owner()).to.equal(newId);
    const [row] = await ctx.handle.audit.list({ action: 'installation.transferred' }, 10);
    expect(row!.details).to.deep.equal({
      code: `${'A'.repeat(10)}…`, customer: 'Boulangerie', before: 'owner@example.fr', after: 'receiver@example.fr',
      reason: 'changes reseller',
    });
  });

  it('refuses a receiving partner suspended meanwhile (TARGET_INACTIVE) and writes nothing', async () => {
    await ctx.db('accounts').where({ id: newId }).update({ state: 'suspended' });
    expect(await codeOf(transfer())).to.equal(ERR.TARGET_INACTIVE);
    expect(await owner()).to.equal(oldId);
    expect(await audits()).to.equal(0);
  });

  it('refuses when the owner changed since the admin looked (OWNER_CHANGED) and writes nothing', async () => {
    const thirdId = await createAccount(ctx, 'third@example.fr');
    await ctx.db('installations').where({ id: instId }).update({ partner_id: thirdId });
    expect(await codeOf(transfer())).to.equal(ERR.OWNER_CHANGED);
    expect(await owner()).to.equal(thirdId);
    expect(await audits()).to.equal(0);
  });
});
