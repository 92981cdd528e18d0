/** Helpers to use the HTML forms as a browser would (cookies kept by a supertest agent). */
import type { RequestListener } from 'node:http';
import request from 'supertest';

export type Agent = ReturnType<typeof request.agent>;

/** The `_csrf` hidden field's value in a page. */
export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m?.[1]) throw new Error('no CSRF field in the page');
  return m[1];
}

/** A cookie-keeping agent and the CSRF token of the form at `path`. */
export async function formAgent(app: RequestListener, path: string, lang = 'fr'): Promise<{ agent: Agent; csrf: string }> {
  const agent = request.agent(app);
  const res = await agent.get(path).set('Accept-Language', lang).expect(200);
  return { agent, csrf: csrfFrom(res.text) };
}
