/**
 * The key-file delivery API: knowing an Installation Code is not enough to
 * mark its files delivered (and so block their revocation). An anonymous
 * fetch gets no file and changes nothing; an installation that opens the
 * portal's challenge with its secret key gets its files, which then count
 * as delivered.
 */
import { expect } from 'chai';
import { createAccount, loginAgent, request } from '../helpers/accounts.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import type { Agent } from '../helpers/forms.js';
import { applyAs, credit, installationProof, newInstallation, postConfirmed, recharge, type TestInstallation } from '../helpers/recharge.js';

describe('GET /api/v1/installations/:code/keyfiles', () => {
  let ctx: TestContext;
  let partnerId: number;
  let partner: Agent;
  let admin: Agent;
  let inst: TestInstallation;
  let id: string;
  beforeEach(async () => {
    ctx = await createTestContext();
    partnerId = await createAccount(ctx, 'p@example.fr');
    await createAccount(ctx, 'admin@example.fr', 'admin');
    await credit(ctx, partnerId, 100);
    partner = await loginAgent(ctx, 'p@example.fr');
    admin = await loginAgent(ctx, 'admin@example.fr');
    inst = newInstallation();
    id = await recharge(partner, inst, 30);
  });
  afterEach(async () => ctx.close());

  it('gives an anonymous fetch no file, so a recharge never delivered can still be revoked', async () => {
    for (const path of [`/api/v1/installations/${inst.code}/keyfiles`, `/api/v1/installations/${inst.formatted}/keyfiles?after_serial=0`]) {
      const res = await request(ctx.app).get(path);
      expect(res.status, path).to.equal(401);
      expect(res.body).to.include({ success: false, error: 'INSTALLATION_PROOF_REQUIRED' });
      expect(JSON.stringify(res.body)).to.not.contain('"file"');
    }
    expect((await ctx.db('recharges').where({ id }).first()).delivered_at).to.equal(null);
    expect((await partner.get(`/subscription/recharges/${id}`).expect(200)).text).to.contain('pas encore téléchargé');

    const revoked = await postConfirmed(admin, `/admin/recharges/${id}`, `/admin/recharges/${id}/revoke`, { reason: 'Erreur de saisie' });
    expect(revoked.final.status).to.equal(303);
    expect((await ctx.db('recharges').where({ id }).first()).state).to.equal('revoked');
    expect(await ctx.handle.ledger.balance(partnerId)).to.equal(100);
  });

  it('serves the files to the installation that opens the challenge, and they count as delivered', async () => {
    const challenge = await request(ctx.app).post(`/api/v1/installations/${inst.formatted}/challenge`).expect(200).expect('Cache-Control', 'no-store');
    expect(challenge.body.expires_at).to.equal('2026-11-22T10:05:00Z');
    const proof = await installationProof(ctx, inst);
    const res = await request(ctx.app).get(`/api/v1/installations/${inst.code}/keyfiles`).set('X-Installation-Proof', proof).expect(200);
    expect(res.body.keyfiles.map((f: { id: string }) => f.id)).to.deep.equal([id]);
    expect(applyAs(ctx, inst, Buffer.from(res.body.keyfiles[0].file, 'base64')).payload).to.include({ units: 30, serial: 1 });
    expect((await ctx.db('recharges').where({ id }).first()).delivered_at).to.not.equal(null);

    const refused = await postConfirmed(admin, `/admin/recharges/${id}`, `/admin/recharges/${id}/revoke`, { reason: 'trop tard' });
    expect(refused.first.status).to.equal(409);
    expect(await ctx.handle.ledger.balance(partnerId)).to.equal(70);
  });

  it('refuses a proof made for another installation, a forged one and an expired one, delivering nothing', async () => {
    const other = newInstallation();
    const cases: [string, string][] = [
      [await installationProof(ctx, other), 'for another installation'],
      [Buffer.alloc(56, 1).toString('base64'), 'forged'],
      ['not base64 at all!', 'malformed'],
    ];
    const late = await installationProof(ctx, inst);
    for (const [proof, what] of cases) {
      const res = await request(ctx.app).get(`/api/v1/installations/${inst.code}/keyfiles`).set('X-Installation-Proof', proof);
      expect(res.status, what).to.equal(401);
      expect(res.body.error, what).to.equal('INSTALLATION_PROOF_INVALID');
    }
    ctx.clock.advance(5 * 60 + 1);
    const expired = await request(ctx.app).get(`/api/v1/installations/${inst.code}/keyfiles`).set('X-Installation-Proof', late);
    expect([expired.status, expired.body.error]).to.deep.equal([401, 'INSTALLATION_PROOF_INVALID']);
    expect((await ctx.db('recharges').where({ id }).first()).delivered_at).to.equal(null);
  });

  it('answers a bad Installation Code on the challenge with the documented JSON error', async () => {
    const bad = await request(ctx.app).post('/api/v1/installations/NOT-A-CODE/challenge').expect(400);
    expect(bad.body).to.include({ success: false, error: 'INVALID_INSTALLATION_CODE' });
  });
});
