/** Helpers of the billing admin page tests: staff agents, posting a page's form, the audit rows of an action as shown in English. */
import type { Role } from '../../src/accounts/index.js';
import { auditSummary } from '../../src/audit/index.js';
import { createI18n } from '../../src/http/i18n.js';
import { createAccount, csrfOf, loginAgent } from './accounts.js';
import type { TestContext } from './context.js';
import { hiddenFields, type Agent } from './forms.js';

const en = createI18n('en', false).t.en;

/** A logged-in staff member of `role`. */
export async function staffAgent(ctx: TestContext, role: Exclude<Role, 'partner'>, email = `${role}@artisan-nd.test`): Promise<Agent> {
  await createAccount(ctx, email, role);
  return loginAgent(ctx, email);
}

/** Post `fields` to `action` with the CSRF token of `page`. */
export async function postForm(agent: Agent, page: string, action: string, fields: Record<string, string>) {
  const csrf = await csrfOf(agent, page);
  return agent.post(action).type('form').send({ ...fields, _csrf: csrf });
}

/** Post the confirmation page's form that `first` (a 200 confirmation page) holds. */
export async function confirm(agent: Agent, action: string, first: { text: string }) {
  return agent.post(action).type('form').send(hiddenFields(first.text));
}

/** The audit rows of `action`, newest first, with their English summary. */
export async function auditRows(ctx: TestContext, action: string): Promise<{ targetId: string | null; summary: string }[]> {
  return (await ctx.handle.audit.list({ action }, 100)).map((r) => ({ targetId: r.targetId, summary: auditSummary(en, r) }));
}

/** The text of an HTML page without its tags, whitespace collapsed, the common entities decoded. */
export function textOf(html: string): string {
  return html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&#34;|&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&').replace(/[\s\u00a0\u202f]+/g, ' ');
}
