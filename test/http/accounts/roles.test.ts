import { expect } from 'chai';
import type { Role } from '../../../src/accounts/index.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { createAccount, loginAgent, request } from '../../helpers/accounts.js';

type Who = 'anonymous' | Role;
const WHO: Who[] = ['anonymous', 'partner', 'customer', 'support', 'admin', 'superadmin'];

// Route → expected status for each visitor (303: sent to the login page).
const TABLE: [string, Record<Who, number>][] = [
  ['/subscription/dashboard', { anonymous: 303, partner: 200, customer: 403, support: 403, admin: 403, superadmin: 403 }],
  ['/subscription/account', { anonymous: 303, partner: 200, customer: 200, support: 200, admin: 200, superadmin: 200 }],
  ['/admin', { anonymous: 303, partner: 403, customer: 403, support: 200, admin: 200, superadmin: 200 }],
  ['/subscription/login', { anonymous: 200, partner: 303, customer: 303, support: 303, admin: 303, superadmin: 303 }],
  ['/', { anonymous: 200, partner: 200, customer: 200, support: 200, admin: 200, superadmin: 200 }],
];

describe('role guard: routes × roles', () => {
  let ctx: TestContext;
  const agents = new Map<Who, ReturnType<typeof request.agent>>();

  before(async () => {
    ctx = await createTestContext();
    agents.set('anonymous', request.agent(ctx.app));
    for (const role of WHO.slice(1) as Role[]) {
      await createAccount(ctx, `${role}@example.fr`, role);
      agents.set(role, await loginAgent(ctx, `${role}@example.fr`));
    }
  });
  after(async () => { await ctx.close(); });

  for (const [path, expected] of TABLE) {
    for (const who of WHO) {
      it(`GET ${path} as ${who} → ${expected[who]}`, async () => {
        const res = await agents.get(who)!.get(path);
        expect(res.status).to.equal(expected[who]);
        if (expected[who] === 403) expect(res.text).to.contain('Action refusée');
        if (expected[who] === 303 && who === 'anonymous') expect(res.headers.location).to.match(/^\/subscription\/login\?next=/);
      });
    }
  }
});
