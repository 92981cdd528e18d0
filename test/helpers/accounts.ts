/** Helpers for tests of the account flows: mails, links, accounts and logged-in agents. */
import { expect } from 'chai';
import { simpleParser } from 'mailparser';
import request from 'supertest';
import { AccountsRepository, hashPassword, type Role } from '../../src/accounts/index.js';
import { SYSTEM_ACTOR } from '../../src/audit/index.js';
import { sentMails, type TestContext } from './context.js';
import { csrfFrom, formAgent, type Agent } from './forms.js';
import { waitFor } from './wait.js';

export const PASSWORD = 'un cheval correct agrafe';

export interface ParsedMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** The mails sent so far, decoded. */
export async function mails(ctx: TestContext): Promise<ParsedMail[]> {
  return Promise.all(sentMails(ctx).map(async (raw) => {
    const m = await simpleParser(raw);
    const to = Array.isArray(m.to) ? m.to[0]?.text : m.to?.text;
    return { to: to ?? '', subject: m.subject ?? '', text: m.text ?? '', html: typeof m.html === 'string' ? m.html : '' };
  }));
}

/** Wait (mails leave without being awaited) for the `n`-th mail to `to`, 1-based; returns it. */
export async function waitMail(ctx: TestContext, to: string, n = 1, ms = 3000): Promise<ParsedMail> {
  return waitFor(async () => (await mails(ctx)).filter((m) => m.to === to)[n - 1], { timeout: ms, interval: 25, what: `mail #${n} to ${to}` });
}

/** The path (with query) of the first link in `mail` that contains `fragment`. */
export function linkIn(mail: ParsedMail, fragment: string): string {
  const escaped = fragment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`https?://[^/\\s]+([^\\s"<>]*?${escaped}[^\\s"<>]*)`).exec(mail.text);
  if (!m?.[1]) throw new Error(`no link with ${fragment} in:\n${mail.text}`);
  return m[1];
}

export const REGISTRATION = {
  company: 'Imprimerie Durand', name: 'Marie Durand', email: 'marie@imprimerie.fr', phone: '+33 1 23 45 67 89', country: 'FR',
  password: PASSWORD, password_confirm: PASSWORD, terms: 'on',
};

/** Register through the form; returns the agent used. */
export async function register(ctx: TestContext, fields: Partial<typeof REGISTRATION> = {}, lang = 'fr'): Promise<Agent> {
  const { agent, csrf } = await formAgent(ctx.app, '/subscription/register', lang);
  await agent.post('/subscription/register').set('Accept-Language', lang).type('form').send({ ...REGISTRATION, ...fields, _csrf: csrf }).expect(303);
  return agent;
}

/** An active account created directly through the services (fast set-up). */
export async function createAccount(ctx: TestContext, email: string, role: Role = 'partner', password = PASSWORD): Promise<number> {
  if (role === 'partner') {
    const account = await new AccountsRepository(ctx.db).insert({
      email, passwordHash: await hashPassword(password), role, state: 'active', company: 'Société Test', name: 'Test', phone: '0102030405',
      country: 'FR', locale: 'fr', termsAcceptedAt: ctx.clock.now(), verifiedAt: ctx.clock.now(),
    }, ctx.clock.now());
    // A partner as the ones there before billing: on the `legacy` plan, so recharging works as it always did.
    await ctx.handle.subscriptions.startLegacy(account.id, SYSTEM_ACTOR);
    return account.id;
  }
  return (await ctx.handle.accounts.createStaff(email, password, role, SYSTEM_ACTOR)).id;
}

/** A logged-in agent. */
export async function loginAgent(ctx: TestContext, email: string, password = PASSWORD, lang = 'fr'): Promise<Agent> {
  const { agent, csrf } = await formAgent(ctx.app, '/subscription/login', lang);
  const res = await agent.post('/subscription/login').type('form').send({ email, password, _csrf: csrf });
  expect(res.status, res.text.slice(0, 500)).to.equal(303);
  return agent;
}

/** The CSRF token of a page the agent can see. */
export async function csrfOf(agent: Agent, path: string): Promise<string> {
  const res = await agent.get(path).expect(200);
  return csrfFrom(res.text, path);
}

export { request };
