/**
 * Hostile query strings on the list pages: a NUL or another control
 * character in a search or filter is dropped, and the page answers as for
 * the text without it (PostgreSQL refuses a NUL in a text parameter: before,
 * every admin list and the partner's history answered 500 there).
 */
import { expect } from 'chai';
import { createAccount, loginAgent } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import type { Agent } from '../../helpers/forms.js';

const LISTS: [string, string[]][] = [
  ['/admin/partners', ['q', 'state']],
  ['/admin/installations', ['q', 'owner']],
  ['/admin/recharges', ['q', 'partner']],
  ['/admin/releases', ['q']],
  ['/admin/downloads', ['ip', 'status', 'release']],
  ['/admin/messages', ['q']],
  ['/admin/audit', ['actor', 'action', 'target_type', 'target_id', 'ip']],
];

describe('admin lists: control characters in the query string', function () {
  this.timeout(60000);
  let ctx: TestContext;
  let admin: Agent;
  before(async () => {
    ctx = await createTestContext();
    await createAccount(ctx, 'nul-partner@example.fr');
    await createAccount(ctx, 'nul-admin@example.fr', 'admin');
    admin = await loginAgent(ctx, 'nul-admin@example.fr');
  });
  after(async () => ctx.close());

  for (const [page, filters] of LISTS) {
    it(`GET ${page} answers its page and CSV with a NUL in ${filters.join(', ')}`, async () => {
      for (const f of filters) {
        const res = await admin.get(`${page}?${f}=nul%00-partner`);
        expect(res.status, `${page}?${f}`).to.equal(200);
        if (page !== '/admin/releases' && page !== '/admin/messages') {
          expect((await admin.get(`${page}?${f}=a%00b&format=csv`)).status, `${page}?${f} CSV`).to.equal(200);
        }
      }
    });
  }

  it('finds the partner searched with a NUL in the middle, as without it', async () => {
    const res = await admin.get('/admin/partners?q=nul-%00partner').expect(200);
    expect(res.text).to.contain('nul-partner@example.fr');
  });

  it('answers the partner\'s recharge history with a NUL in the search', async () => {
    const partner = await loginAgent(ctx, 'nul-partner@example.fr');
    await partner.get('/subscription/recharges?q=%00').expect(200);
    await partner.get('/subscription/recharges?q=a%00b&format=csv').expect(200);
  });
});
