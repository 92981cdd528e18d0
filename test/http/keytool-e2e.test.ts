/**
 * End to end, as the issue describes it: keytool makes an installation, a
 * partner credited by the CLI path recharges it through the HTTP forms,
 * keytool applies the downloaded file, fetches the second one through the
 * API (proving it holds the installation key: the file then counts as
 * delivered, which an anonymous fetch cannot do), and a replay is refused.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createServer, type Server } from 'node:http';
import { expect } from 'chai';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { createAccount, loginAgent, request } from '../helpers/accounts.js';
import { credit, prepare } from '../helpers/recharge.js';
import { keytool } from '../helpers/archives.js';

describe('end to end: keytool ⇄ portal', function () {
  this.timeout(90000);
  let ctx: TestContext;
  let server: Server;
  let base: string;
  before(async () => {
    ctx = await createTestContext();
    server = createServer(ctx.app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    await ctx.close();
  });

  it('applies the downloaded key file once, fetches the next one through the API, refuses a replay', async () => {
    const home = path.join(ctx.dir, 'desktop');
    const init = await keytool(['init', '--home', home]);
    expect(init.code, init.err).to.equal(0);
    const code = (await keytool(['code', '--home', home])).out.trim();
    expect(code).to.match(/^([A-Z2-7]{5}-){10}[A-Z2-7]{5}$/);

    const partnerId = await createAccount(ctx, 'p@example.fr');
    await credit(ctx, partnerId, 1000);
    const agent = await loginAgent(ctx, 'p@example.fr');
    const doRecharge = async (units: string) => {
      const p = await prepare(agent, { installation_code: code, customer: 'Menuiserie Bois', units });
      // A second recharge of the installation within minutes: the partner ticks "yes, again".
      const again = p.text.includes('name="again"') ? { again: 'yes' } : {};
      const res = await agent.post('/subscription/recharge/confirm').type('form').send({ ...p.confirm, ...again }).expect(303);
      return String(res.headers.location);
    };
    const first = await doRecharge('250');
    const bin = await agent.get(`${first}/key.bin`).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    }).expect(200);
    const file = path.join(ctx.dir, 'recharge-1.bin');
    fs.writeFileSync(file, bin.body as Buffer);

    expect((await keytool(['trust', base, '--home', home])).code).to.equal(0);
    const applied = await keytool(['apply', file, '--home', home]);
    expect(applied.code, applied.err).to.equal(0);
    expect(applied.out).to.contain('+250 units (serial 1), quota now 250');

    const second = (await doRecharge('100')).split('/').pop()!;
    await request(ctx.app).get(`/api/v1/installations/${code}/keyfiles`).expect(401);
    expect((await ctx.db('recharges').where({ id: second }).first()).delivered_at, 'an anonymous fetch delivers nothing').to.equal(null);
    const fetched = await keytool(['fetch', base, '--home', home]);
    expect(fetched.code, fetched.err).to.equal(0);
    expect(fetched.out).to.contain('quota now 350');
    expect((await ctx.db('recharges').where({ id: second }).first()).delivered_at, 'keytool proved it holds the key').to.not.equal(null);

    const replay = await keytool(['apply', file, '--home', home]);
    expect(replay.code).to.equal(1);
    expect(replay.err).to.contain('ALREADY_APPLIED');
    expect((await keytool(['status', '--home', home])).out).to.contain('Quota: 350 units');
    expect(await ctx.handle.ledger.balance(partnerId)).to.equal(650);
  });
});
