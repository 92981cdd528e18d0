/**
 * Hostile query strings on the list pages: a NUL or another control
 * character in a search or filter is a 400 page (src/http/control-chars.ts;
 * PostgreSQL refuses a NUL in a text parameter: before, every admin list and
 * the partner's history answered 500 there); LIKE and SQL metacharacters are
 * searched as text.
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
  ['/admin/packages', ['q']],
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
    it(`GET ${page} answers the 400 page, never a 500, with a NUL in ${filters.join(', ')}; its page with metacharacters`, async () => {
      for (const f of filters) {
        const res = await admin.get(`${page}?${f}=nul%00-partner`);
        expect(res.status, `${page}?${f}`).to.equal(400);
        expect(res.text).to.contain('Caractère non autorisé');
        if (page !== '/admin/releases' && page !== '/admin/messages') {
          expect((await admin.get(`${page}?${f}=a%00b&format=csv`)).status, `${page}?${f} CSV`).to.equal(400);
        }
        expect((await admin.get(`${page}?${f}=${encodeURIComponent("%_\\' OR 1=1--")}`)).status, `${page}?${f} metacharacters`).to.equal(200);
      }
    });
  }

  it('searches LIKE metacharacters as text', async () => {
    expect((await admin.get('/admin/partners?q=nul-partner').expect(200)).text).to.contain('nul-partner@example.fr');
    expect((await admin.get('/admin/partners?q=nul%25partner').expect(200)).text).not.to.contain('nul-partner@example.fr');
  });

  it('answers the partner\'s recharge history with a NUL in the search with the 400 page', async () => {
    const partner = await loginAgent(ctx, 'nul-partner@example.fr');
    await partner.get('/subscription/recharges?q=%00').expect(400);
    await partner.get('/subscription/recharges?q=a%00b&format=csv').expect(400);
  });
});
