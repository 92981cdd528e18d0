/**
 * Admin area: /admin/tickets, the support queue. Support, admin and
 * superadmin all work tickets (read, reply, assign, close).
 *
 * - GET  /admin/tickets                                 queue: status, assignee (me / unassigned / anyone), search in subject and
 *                                                       customer e-mail, last activity first, pages of 50
 * - GET  /admin/tickets/:id                             the thread, reply, assign, close
 * - POST /admin/tickets/:id/reply                       staff reply: the ticket waits for the customer (pending), who is mailed
 * - POST /admin/tickets/:id/assign                      assign to self, another staff member or nobody (audit `ticket.assigned`)
 * - POST /admin/tickets/:id/close                       close after confirmation (audit `ticket.closed`)
 * - GET  /admin/tickets/:id/attachments/:attachmentId   an attachment, as a download
 *
 * SupportService (src/support) reads and writes the tickets, with the audit rows.
 */
import { Router, type Request, type Response } from 'express';
import { NotFoundError, ValidationError } from '../../errors/index.js';
import { actorOf } from '../../http/actor.js';
import { flash } from '../../http/flash.js';
import {
  parseReply, sendAttachment, supportIdOf, TICKET_STATUSES, ticketIdOf, type SupportService, type TicketSearch, type TicketStatus,
} from '../../support/index.js';
import type { AdminDeps } from '../context.js';
import { confirmed, pager, parseListQuery, queryString, staffOnly } from '../shared.js';

const ASSIGNED = ['', 'me', 'none'] as const;
type Fields = Record<string, string>;

async function renderShow(req: Request, res: Response, support: SupportService, status: number, values: Fields, errors: Fields): Promise<void> {
  const [thread, staff] = await Promise.all([support.thread(ticketIdOf(req)), support.staff()]);
  if (!thread) throw new NotFoundError('no such ticket');
  res.status(status).render('admin/tickets/show', { title: req.t('support:show.title', { id: thread.ticket.id }), thread, staff, values, errors });
}

function queue(support: SupportService) {
  return async (req: Request, res: Response): Promise<void> => {
    const q = parseListQuery(req.query as Record<string, unknown>, ['activity'], ['status', 'assigned']);
    const status = (TICKET_STATUSES as readonly string[]).includes(q.params.status ?? '') ? (q.params.status as TicketStatus) : '';
    const assigned = (ASSIGNED as readonly string[]).includes(q.params.assigned ?? '') ? (q.params.assigned as TicketSearch['assigned']) : '';
    if (!status) delete q.params.status;
    if (!assigned) delete q.params.assigned;
    const filter: TicketSearch = { status, assigned, staffId: req.account!.id, q: q.q };
    const { rows, total } = await support.search(filter, q.offset, q.perPage);
    res.render('admin/tickets/list', {
      title: req.t('support:admin.title'), rows, total, query: q, status, assigned, statuses: ['', ...TICKET_STATUSES], assignedOptions: ASSIGNED,
      filtered: Object.keys(q.params).length > 0, pg: pager(q, total, '/admin/tickets'), qs: (extra: Record<string, string>) => queryString(q.params, extra),
    });
  };
}

export function createAdminTicketsRouter(deps: AdminDeps): Router {
  const { support } = deps;
  const router = Router();
  router.get('/admin/tickets', staffOnly, queue(support));
  router.get('/admin/tickets/:id', staffOnly, (req: Request, res: Response) => renderShow(req, res, support, 200, { message: '' }, {}));

  router.post('/admin/tickets/:id/reply', staffOnly, async (req: Request, res: Response) => {
    const id = ticketIdOf(req);
    const parsed = parseReply(req.body);
    const message = typeof (req.body as Fields | undefined)?.message === 'string' ? (req.body as Fields).message! : '';
    if (!parsed.ok) return renderShow(req, res, support, 422, { message }, parsed.errors);
    if (!(await support.reply(req.account!, id, parsed.data.message, [], true))) throw new NotFoundError('no such ticket');
    flash(req, 'success', 'support:flash.replied');
    res.redirect(303, `/admin/tickets/${id}`);
  });

  router.post('/admin/tickets/:id/assign', staffOnly, async (req: Request, res: Response) => {
    const id = ticketIdOf(req);
    const raw = (req.body as Record<string, unknown> | undefined)?.assignee;
    // 'me', '' (nobody) or a staff member's id.
    const assignee = raw === 'me' ? req.account!.id : raw === '' ? null : supportIdOf(raw);
    try {
      if (assignee === null && raw !== '') throw new ValidationError({ assignee: 'support:errors.assignee' });
      const changed = await support.assign(actorOf(req), id, assignee);
      if (changed === null) throw new NotFoundError('no such ticket');
      flash(req, changed ? 'success' : 'info', changed ? 'support:flash.assigned' : 'support:flash.unchanged');
      res.redirect(303, `/admin/tickets/${id}`);
    } catch (err) {
      if (err instanceof ValidationError) return renderShow(req, res, support, 422, { message: '' }, err.fields);
      throw err;
    }
  });

  router.post('/admin/tickets/:id/close', staffOnly, async (req: Request, res: Response) => {
    const id = ticketIdOf(req);
    if (!(await support.thread(id))) throw new NotFoundError('no such ticket');
    if (!confirmed(req, res, {
      title: 'support:close.confirm_title', message: 'support:close.confirm_staff', params: { id }, action: `/admin/tickets/${id}/close`,
      back: `/admin/tickets/${id}`, button: 'support:close.button', danger: true,
    })) return;
    const closed = await support.close({ ...actorOf(req), id: req.account!.id }, id, true);
    if (closed === null) throw new NotFoundError('no such ticket');
    flash(req, closed ? 'success' : 'info', closed ? 'support:flash.closed' : 'support:flash.already_closed');
    res.redirect(303, `/admin/tickets/${id}`);
  });

  router.get('/admin/tickets/:id/attachments/:attachmentId', staffOnly, async (req: Request, res: Response) => {
    const attachmentId = supportIdOf(req.params.attachmentId);
    await sendAttachment(res, attachmentId === null ? null : await support.attachment(ticketIdOf(req), attachmentId));
  });
  return router;
}
