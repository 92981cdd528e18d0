/**
 * Instances sharing Redis: two apps (two "instances") with the same
 * REDIS_URL and prefix count one visitor's contact messages together, so the
 * limit holds across them (without Redis each instance counts alone, today's
 * behaviour on one host), and a content change on one drops the cached pages
 * of the other. Redis runs on this machine (127.0.0.1:6379).
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { csrfOf, request } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { waitFor } from '../../helpers/wait.js';

const MESSAGE = { name: 'Alice Martin', email: 'alice@exemple.fr', message: 'Bonjour, une question sur les licences.' };

describe('instances sharing Redis (REDIS_URL): rate limits and page cache clears', function () {
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

  it('drops the cached public pages of every instance when one of them changes content', async () => {
    const shared = { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: `test-${randomBytes(6).toString('hex')}:`, PAGE_CACHE_TTL: '600' };
    const [a, b] = [await instance(shared), await instance(shared)];
    await request(b.app).get('/').expect(200);
    expect(b.handle.pageCache.size).to.equal(1);
    // A change on instance a (a release published, a plan or the catalogue changed); b's subscription is made when it
    // starts, asynchronously: the change is repeated until b has heard one.
    await waitFor(() => {
      a.handle.pageCache.clear();
      return b.handle.pageCache.size === 0 || null;
    }, { what: 'instance b dropping its cached page' });
  });
});
