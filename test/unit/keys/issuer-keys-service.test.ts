/** IssuerKeysService.rotate: the audit row commits with the key, and a stale or concurrent rotation changes nothing. */
import { expect } from 'chai';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import { ConflictError, ERR } from '../../../src/errors/index.js';
import { IssuerKeysService } from '../../../src/keys/index.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';

describe('IssuerKeysService.rotate', function () {
  this.timeout(30_000);
  let ctx: TestContext;
  let service: IssuerKeysService;

  beforeEach(async () => {
    ctx = await createTestContext({ seed: false });
    service = new IssuerKeysService({ db: ctx.db, keys: ctx.keys, audit: ctx.handle.audit });
  });
  afterEach(async () => ctx.close());

  const kids = async () => (await ctx.db('issuer_keys').orderBy('id')).map((r: { kid: string; status: string }) => `${r.kid}:${r.status}`);
  const audits = async () => (await ctx.handle.audit.list({ action: 'issuer_key.rotated' }, 10)).map((r) => r.details);

  it('rotates with the audit row of the actor, and lists the new key first', async () => {
    const before = service.signingKid;
    const r = await service.rotate(SYSTEM_ACTOR, before);
    expect(r.before).to.equal(before);
    expect(service.signingKid).to.equal(r.after);
    expect(await audits()).to.deep.equal([{ before, after: r.after }]);
    expect((await service.list()).map((k) => [k.kid, k.status, k.files])).to.deep.equal([[r.after, 'active', 0], [before, 'retired', 0]]);
  });

  it('refuses a rotation expecting a key that is not active any more (ISSUER_KEY_CHANGED) and changes nothing', async () => {
    const before = await kids();
    let failure: unknown;
    try {
      await service.rotate(SYSTEM_ACTOR, '0000000000000000');
    } catch (err) { failure = err; }
    expect(failure).to.be.instanceOf(ConflictError).and.to.have.property('code', ERR.ISSUER_KEY_CHANGED);
    expect(await kids()).to.deep.equal(before);
    expect(await audits()).to.deep.equal([]);
  });

  it('lets one of two rotations at once expecting the same key win', async () => {
    const kid = service.signingKid;
    const results = await Promise.allSettled([service.rotate(SYSTEM_ACTOR, kid), service.rotate(SYSTEM_ACTOR, kid)]);
    expect(results.map((r) => r.status).sort()).to.deep.equal(['fulfilled', 'rejected']);
    expect(await kids()).to.have.length(2);
    expect(await audits()).to.have.length(1);
  });
});
