/**
 * English texts follow English typography: no space (plain, no-break or
 * narrow no-break) before a colon, semicolon, question or exclamation mark.
 * That space is French typography ("Code : 42"), wrong in English ("Code: 42").
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { pino } from 'pino';
import { AccountMails } from '../../../src/accounts/index.js';
import { createI18n, NAMESPACES } from '../../../src/http/i18n.js';
import type { MailMessage } from '../../../src/platform/mailer.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const FRENCH_SPACE = /[ \u00a0\u202f\u2009][:;?!]/;

/** Every string of a parsed locale file with its dotted key. */
function strings(value: unknown, prefix = ''): [string, string][] {
  if (typeof value === 'string') return [[prefix, value]];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => strings(v, prefix ? `${prefix}.${k}` : k));
}

describe('English typography', () => {
  it('puts no space before : ; ? ! in any English locale text', () => {
    const bad: string[] = [];
    for (const ns of NAMESPACES) {
      const parsed = JSON.parse(fs.readFileSync(path.join(ROOT, 'src', 'locales', 'en', `${ns}.json`), 'utf8')) as unknown;
      for (const [key, text] of strings(parsed)) if (FRENCH_SPACE.test(text)) bad.push(`${ns}:${key} = ${JSON.stringify(text)}`);
    }
    expect(bad).to.deep.equal([]);
  });

  it('puts no space before : ; ? ! in the English account mails (text and HTML parts), and keeps it in French', async () => {
    const sent: MailMessage[] = [];
    const mailer = { send: async (m: MailMessage) => { sent.push(m); return { messageId: 'x' }; }, close: () => undefined };
    const mails = new AccountMails({ mailer, t: createI18n('fr', false).t, viewsDir: path.join(ROOT, 'views'), baseUrl: 'https://portal.test', logger: pino({ level: 'silent' }) });
    const kinds = ['verify', 'already_registered', 'lockout', 'reset', 'password_changed'] as const;
    for (const kind of kinds) await mails.send(kind, 'a@example.test', 'en', '/subscription/x', { minutes: 15, hours: 24 });
    await mails.send('reset', 'a@example.test', 'fr', '/subscription/x', { minutes: 30 });
    const french = sent.pop()!;
    expect(french.text).to.match(FRENCH_SPACE);
    for (const m of sent) {
      const html = (m.html ?? '').replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ');
      expect(`${m.subject}\n${m.text}`, m.subject).not.to.match(FRENCH_SPACE);
      expect(html, m.subject).not.to.match(FRENCH_SPACE);
    }
  });
});
