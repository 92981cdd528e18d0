import { expect } from 'chai';
import { hashToken } from '../../../src/accounts/tokens.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { createAccount, csrfOf, loginAgent } from '../../helpers/accounts.js';

describe('POST /admin/api-tokens', () => {
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext({ seed: false }); });
  after(async () => { await ctx.close(); });

  it('shows the whole "Authorization: Bearer <token>" line in one labelled read-only field, ready to copy', async () => {
    await createAccount(ctx, 'admin@example.fr', 'admin');
    for (const lang of ['fr', 'en'] as const) {
      const agent = await loginAgent(ctx, 'admin@example.fr', undefined, lang);
      const csrf = await csrfOf(agent, `/admin/api-tokens?lang=${lang}`);
      const res = await agent.post('/admin/api-tokens').type('form').send({ label: `script ${lang}`, _csrf: csrf }).expect(200);
      const field = /<textarea id="new-token-header" readonly[^>]*>([^<]*)<\/textarea>/.exec(res.text);
      expect(field, 'a read-only textarea').to.not.equal(null);
      const line = field![1]!;
      expect(line).to.match(/^Authorization: Bearer andt_[A-Za-z0-9_-]{43}$/);
      const token = line.slice('Authorization: Bearer '.length);
      const row = (await ctx.db('api_tokens').where({ label: `script ${lang}` }).first()) as { token_hash: string };
      expect(row.token_hash).to.equal(hashToken(token));
      const label = /<label for="new-token-header">([^<]+)<\/label>/.exec(res.text)?.[1];
      expect(label).to.equal(lang === 'fr' ? 'En-tête Authorization (la ligne entière)' : 'Authorization header (the whole line)');
      expect(res.text).not.to.contain('…</code>');
    }
  });
});
