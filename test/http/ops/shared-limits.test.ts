/**
 * Rate limits shared by the instances: two apps (two "instances") with the
 * same REDIS_URL and prefix count one visitor's contact messages together, so
 * the limit holds across them; without Redis each instance counts alone
 * (today's behaviour on one host). Redis runs on this machine (127.0.0.1:6379).
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { csrfOf, request } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';

const MESSAGE = { name: 'Alice Martin', email: 'alice@exemple.fr', message: 'Bonjour, une question sur les licences.' };

describe('rate limits shared across instances through Redis (REDIS_URL)', function () {
  this.timeout(30000);
  const contexts: TestContext[] = [];
  after(async () => { for (const c of contexts) await c.close(); });

  const instance = async (env: Record<string, string>) => {
    const ctx = await createTestContext({ env: { CONTACT_PER_HOUR: '2', ...env } });
    contexts.push(ctx);
    return ctx;
  };
  const send = async (ctx: TestContext): Promise<number> => {
    const agent = request.agent(ctx.app);
    const csrf = await csrfOf(agent, '/contact');
    return (await agent.post('/contact').type('form').send({ ...MESSAGE, _csrf: csrf })).status;
  };

  it('counts a visitor on both instances together with Redis, on each alone without it', async () => {
    const shared = { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: `test-${randomBytes(6).toString('hex')}:` };
    const [a, b] = [await instance(shared), await instance(shared)];
    expect(await send(a)).to.equal(303);
    expect(await send(b)).to.equal(303);
    expect(await send(a)).to.equal(429); // the third message of the hour, whichever instance gets it
    expect(await send(b)).to.equal(429);

    const [c, d] = [await instance({}), await instance({})];
    expect([await send(c), await send(c), await send(d), await send(d)]).to.deep.equal([303, 303, 303, 303]);
    expect(await send(c)).to.equal(429);
  });
});
