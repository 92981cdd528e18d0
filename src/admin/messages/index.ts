/**
 * Admin area: /admin/messages, the contact form's messages.
 *
 * - GET  /admin/messages                 staff: list (unhandled first, newest first), state filter,
 *                                        search in name/e-mail/message, dates, pages of 50
 * - GET  /admin/messages/:id             staff: the whole message, a mailto: reply link
 * - POST /admin/messages/:id/handled     admin: mark handled   (audit `message.handled`)
 * - POST /admin/messages/:id/unhandled   admin: mark unhandled (audit `message.unhandled`)
 *
 * Support reads only: no action form is shown to it and the POST routes answer 403.
 * ContactService reads and writes the messages (with the audit rows).
 */
import { Router, type Request, type Response } from 'express';
import { actorOf } from '../../http/actor.js';
import { NotFoundError } from '../../errors/index.js';
import { flash } from '../../http/flash.js';
import type { ContactSearch } from '../../site/index.js';
import type { AdminDeps } from '../context.js';
import { adminOnly, pager, parseListQuery, queryString, staffOnly } from '../shared.js';

const STATES = ['', 'unhandled', 'handled'] as const;

/** The message id of `/admin/messages/:id`. @throws NotFoundError when it is not a positive integer. */
function idOf(req: Request): number {
  const raw = String(req.params.id ?? '');
  const id = /^[1-9]\d{0,9}$/.test(raw) ? Number(raw) : 0;
  if (!id || id > 2_147_483_647) throw new NotFoundError('no such message');
  return id;
}

/**
 * A `mailto:` link answering `email`, with a subject in the visitor's
 * language (RFC 6068: characters outside a safe set are percent-encoded).
 */
export function replyLink(email: string, subject: string): string {
  const address = email.replace(/[^A-Za-z0-9@._+-]/g, (c) => encodeURIComponent(c));
  return `mailto:${address}?subject=${encodeURIComponent(subject)}`;
}

export function createAdminMessagesRouter(deps: AdminDeps): Router {
  const { contact } = deps;
  const router = Router();

  router.get('/admin/messages', staffOnly, async (req: Request, res: Response) => {
    const q = parseListQuery(req.query as Record<string, unknown>, ['created'], ['state']);
    const state = (STATES as readonly string[]).includes(q.params.state ?? '') ? (q.params.state ?? '') as ContactSearch['state'] : '';
    if (!state) delete q.params.state;
    const filter: ContactSearch = { state, q: q.q, from: q.from, before: q.toExclusive };
    const [rows, total, unhandled] = await Promise.all([
      contact.search(filter, q.offset, q.perPage), contact.count(filter), contact.count({ state: 'unhandled' }),
    ]);
    res.render('admin/messages/list', {
      title: req.t('admin-messages:list.title'), rows, total, unhandled, query: q, state, states: STATES,
      filtered: Object.keys(q.params).length > 0, pg: pager(q, total, '/admin/messages'), qs: (extra: Record<string, string>) => queryString(q.params, extra),
    });
  });

  router.get('/admin/messages/:id', staffOnly, async (req: Request, res: Response) => {
    const message = await contact.byId(idOf(req));
    if (!message) throw new NotFoundError('no such message');
    const lng = message.locale === 'en' ? 'en' : 'fr';
    const subject = req.t('admin-messages:reply.subject', { lng, id: message.id });
    res.render('admin/messages/show', {
      title: req.t('admin-messages:show.title', { id: message.id }), message, reply: replyLink(message.email, subject),
    });
  });

  const setHandled = (handled: boolean) => async (req: Request, res: Response): Promise<void> => {
    const id = idOf(req);
    const changed = await contact.setHandled(id, handled, actorOf(req));
    if (changed === null) throw new NotFoundError('no such message');
    if (changed) flash(req, 'success', handled ? 'admin-messages:flash.handled' : 'admin-messages:flash.unhandled', { id });
    else flash(req, 'info', handled ? 'admin-messages:flash.already_handled' : 'admin-messages:flash.already_unhandled', { id });
    res.redirect(303, handled ? '/admin/messages' : `/admin/messages/${id}`);
  };
  router.post('/admin/messages/:id/handled', adminOnly, setHandled(true));
  router.post('/admin/messages/:id/unhandled', adminOnly, setHandled(false));
  return router;
}
