/**
 * Helpers to use the HTML forms as a browser would (cookies kept by a supertest agent).
 * Every value read from a page's fields (CSRF token, confirmation id, the hidden fields
 * a confirmation step repeats) goes through `fieldValue`/`hiddenFields`, which decode
 * HTML entities as a browser does before it posts them back.
 */
import type { RequestListener } from 'node:http';
import request from 'supertest';

export type Agent = ReturnType<typeof request.agent>;

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Text with its HTML character references decoded (`&amp;`, `&#39;`, `&#x27;`, `&quot;`…), as a browser reads an attribute or text. */
export function decodeHtml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (ref: string, body: string) => {
    if (body[0] === '#') return String.fromCodePoint(body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : Number(body.slice(1)));
    return NAMED[body.toLowerCase()] ?? ref;
  });
}

/** An attribute of one tag's text (`<input …>`), decoded, or null. */
function attribute(tag: string, name: string): string | null {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m ? decodeHtml(m[1]!) : null;
}

/** The `<input>` tags of a page. */
function inputs(html: string): string[] {
  return [...html.matchAll(/<input\b[^>]*>/g)].map((m) => m[0]);
}

/** The value of the first input named `name` in a page, decoded; null when there is none. */
export function fieldValue(html: string, name: string): string | null {
  const tag = inputs(html).find((t) => attribute(t, 'name') === name);
  return tag === undefined ? null : (attribute(tag, 'value') ?? '');
}

/** The hidden inputs of a page (the confirmation step repeats the form this way), name → decoded value. */
export function hiddenFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of inputs(html)) {
    const name = attribute(tag, 'name');
    if (attribute(tag, 'type') === 'hidden' && name !== null) out[name] = attribute(tag, 'value') ?? '';
  }
  return out;
}

/** The `_csrf` hidden field's value in a page. */
export function csrfFrom(html: string, where = 'the page'): string {
  const token = fieldValue(html, '_csrf');
  if (!token) throw new Error(`no CSRF field in ${where}`);
  return token;
}

/** A cookie-keeping agent and the CSRF token of the form at `path`. */
export async function formAgent(app: RequestListener, path: string, lang = 'fr'): Promise<{ agent: Agent; csrf: string }> {
  const agent = request.agent(app);
  const res = await agent.get(path).set('Accept-Language', lang).expect(200);
  return { agent, csrf: csrfFrom(res.text) };
}
