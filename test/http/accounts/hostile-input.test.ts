/**
 * Property test (fast-check): random and hostile strings — very long ones,
 * NUL and control characters, `__proto__`, unicode, arrays — posted to every
 * form of the account pages never give a 5xx and never create an account.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { createAccount, csrfOf, loginAgent } from '../../helpers/accounts.js';
import { formAgent } from '../../helpers/forms.js';

const hostile = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', '\u0000', 'a\u0000b@example.fr', '\r\nBcc: x@evil.example', '<script>alert(1)</script>',
    "' OR 1=1 --", '😀'.repeat(200), 'x'.repeat(5000), 'é'.repeat(129), ' ', '%00', '../../etc/passwd', 'on', 'FR', 'fr'),
);

const FORMS: { path: string; page: string; fields: string[] }[] = [
  {
    path: '/subscription/register',
    page: '/subscription/register',
    fields: ['company', 'name', 'email', 'phone', 'country', 'password', 'password_confirm', 'terms'],
  },
  { path: '/subscription/login', page: '/subscription/login', fields: ['email', 'password', 'next'] },
  { path: '/subscription/forgot', page: '/subscription/forgot', fields: ['email'] },
  { path: '/subscription/verify/resend', page: '/subscription/register', fields: ['email'] },
  { path: '/subscription/reset', page: '/subscription/forgot', fields: ['token', 'password', 'password_confirm'] },
];
const LOGGED_IN_FORMS = [
  { path: '/subscription/account/profile', fields: ['company', 'name', 'phone', 'country', 'locale'] },
  { path: '/subscription/account/password', fields: ['current_password', 'password', 'password_confirm'] },
];

function encode(fields: string[], values: string[], extra: string[]): string {
  const pairs = fields.map((f, i) => `${encodeURIComponent(f)}=${encodeURIComponent(values[i] ?? '')}`);
  return [...pairs, ...extra].join('&');
}

describe('account forms under hostile input (fast-check)', function () {
  this.timeout(120000);
  let ctx: TestContext;
  before(async () => { ctx = await createTestContext({ env: { TRUST_PROXY: '1' } }); });
  after(async () => { await ctx.close(); });

  for (const form of FORMS) {
    it(`POST ${form.path} never answers 5xx nor creates an account`, async () => {
      const { agent, csrf } = await formAgent(ctx.app, form.page);
      let n = 0;
      const fieldValues = fc.array(hostile, { minLength: form.fields.length, maxLength: form.fields.length });
      await fc.assert(fc.asyncProperty(fieldValues, fc.boolean(), async (values, duplicate) => {
        n += 1;
        // Repeated keys (arrays) and prototype keys, beside the fields.
        const extra = [`_csrf=${encodeURIComponent(csrf)}`, ...(duplicate ? [`${form.fields[0]}=again`, '__proto__=x', 'role=superadmin'] : [])];
        const res = await agent.post(form.path).set('X-Forwarded-For', `203.0.113.${n % 250}`).type('form').send(encode(form.fields, values, extra));
        expect(res.status, res.text.slice(0, 300)).to.be.below(500);
      }), { numRuns: 40 });
      // Garbage never makes a valid registration (12+ characters, matching passwords, terms, a country, a phone…).
      expect(await ctx.db('accounts').select('email')).to.have.length(0);
    });
  }

  for (const form of LOGGED_IN_FORMS) {
    it(`POST ${form.path} (logged in) never answers 5xx and never changes role or e-mail`, async () => {
      const email = `fuzz-${form.path.length}@example.fr`;
      const id = await createAccount(ctx, email);
      const agent = await loginAgent(ctx, email);
      const csrf = await csrfOf(agent, '/subscription/account');
      await fc.assert(fc.asyncProperty(fc.array(hostile, { minLength: form.fields.length, maxLength: form.fields.length }), async (values) => {
        const extra = [`_csrf=${encodeURIComponent(csrf)}`, 'role=superadmin', 'email=x@evil.example'];
        const res = await agent.post(form.path).type('form').send(encode(form.fields, values, extra));
        expect(res.status, res.text.slice(0, 300)).to.be.below(500);
      }), { numRuns: 25 });
      expect(await ctx.db('accounts').where({ id }).first()).to.include({ role: 'partner', email });
    });
  }
});
