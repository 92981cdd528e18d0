/** DownloadBlocksService: one block per IP, each change with one audit row, the download routes told at once. */
import { expect } from 'chai';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import { DownloadBlocksService } from '../../../src/downloads/index.js';
import { ConflictError, ERR } from '../../../src/errors/index.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';

describe('DownloadBlocksService', function () {
  this.timeout(30_000);
  let ctx: TestContext;
  let service: DownloadBlocksService;
  let changes: number;

  beforeEach(async () => {
    ctx = await createTestContext({ seed: false });
    changes = 0;
    service = new DownloadBlocksService({ db: ctx.db, clock: ctx.clock, audit: ctx.handle.audit, changed: () => { changes += 1; } });
  });
  afterEach(async () => ctx.close());

  const audits = async (action: string) => (await ctx.handle.audit.list({ action }, 10)).map((r) => r.details);

  it('blocks an IP once: a second block is a conflict that writes nothing', async () => {
    const id = await service.block('203.0.113.5', 'scraping', SYSTEM_ACTOR);
    expect(changes).to.equal(1);
    let failure: unknown;
    try {
      await service.block('203.0.113.5', 'again', SYSTEM_ACTOR);
    } catch (err) { failure = err; }
    expect(failure).to.be.instanceOf(ConflictError).and.to.have.property('code', ERR.IP_ALREADY_BLOCKED);
    expect((await service.list()).map((b) => [b.id, b.ip, b.reason])).to.deep.equal([[id, '203.0.113.5', 'scraping']]);
    expect(await audits('download.ip_blocked')).to.deep.equal([{ ip: '203.0.113.5', reason: 'scraping' }]);
    expect(changes).to.equal(1);
  });

  it('unblocks once: lifting a block already gone writes no second audit row', async () => {
    await service.block('2001:db8::1', 'abuse', SYSTEM_ACTOR);
    const block = (await service.byIp('2001:db8::1'))!;
    expect(await service.unblock(block, SYSTEM_ACTOR)).to.equal(true);
    expect(await service.unblock(block, SYSTEM_ACTOR)).to.equal(false);
    expect(await service.allIps()).to.deep.equal([]);
    expect(await audits('download.ip_unblocked')).to.deep.equal([{ ip: '2001:db8::1', reason: 'abuse' }]);
  });
});
