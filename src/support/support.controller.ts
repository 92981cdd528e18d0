/**
 * The customer's and partner's support pages (/support/tickets…): their
 * own tickets only; another account's ticket or attachment is a 404, as a
 * ticket that does not exist. Forms answer 422 with the field errors and
 * what was typed; uploads are checked by attachments.ts.
 */
import fs from 'node:fs';
import type { Request, Response } from 'express';
import { NotFoundError, ValidationError } from '../errors/index.js';
import { actorOf } from '../http/actor.js';
import { flash } from '../http/flash.js';
import { filesOf, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS } from './attachments.js';
import { idOf, parseReply, parseTicket, typedValues } from './support.schemas.js';
import type { SupportService, Thread } from './support.service.js';

export const PER_PAGE = 20;
const LIMITS = { maxFiles: MAX_ATTACHMENTS, maxMb: MAX_ATTACHMENT_BYTES / (1024 * 1024) };

type Fields = Record<string, string>;

/** The route's `:id` (ticket). @throws NotFoundError when it is not an id. */
export function ticketIdOf(req: Request): number {
  const id = idOf(req.params.id);
  if (id === null) throw new NotFoundError('no such ticket');
  return id;
}

/** The data of the pager partial for `page` of `total` rows at `basePath?page=`. */
export function simplePager(page: number, total: number, perPage: number, link: (page: number) => string) {
  const pages = Math.max(1, Math.ceil(total / perPage));
  return { page, pages, total, prev: page > 1 ? link(page - 1) : null, next: page < pages ? link(page + 1) : null };
}

/** `?page=` as 1..10 000 (anything else: 1). */
export function pageOf(value: unknown): number {
  return typeof value === 'string' && /^[1-9]\d{0,3}$/.test(value) ? Math.min(Number(value), 10_000) : 1;
}

/** Send an attachment: as a download (never shown inline), its detected type, not sniffed, not cached. */
export async function sendAttachment(res: Response, found: { attachment: { originalName: string; mime: string }; file: string } | null): Promise<void> {
  if (!found) throw new NotFoundError('no such attachment');
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(found.file);
  } catch {
    throw new NotFoundError('attachment file missing');
  }
  res.attachment(found.attachment.originalName);
  res.set({
    'Content-Type': found.attachment.mime, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'private, no-store',
    'Content-Security-Policy': "default-src 'none'; sandbox",
  });
  res.send(bytes);
}

export function createSupportController(service: SupportService) {
  const renderNew = async (req: Request, res: Response, status: number, values: Fields, errors: Fields): Promise<void> => {
    const licenses = await service.ownLicenses(req.account!.email);
    res.status(status).render('support/new', { title: req.t('support:new.title'), values, errors, licenses, limits: LIMITS });
  };
  const renderThread = (req: Request, res: Response, status: number, thread: Thread, values: Fields, errors: Fields): void => {
    res.status(status).render('support/show', {
      title: req.t('support:show.title', { id: thread.ticket.id }), thread, values, errors, limits: LIMITS,
    });
  };
  const ownThread = async (req: Request): Promise<Thread> => {
    const thread = await service.thread(ticketIdOf(req), req.account!.id);
    if (!thread) throw new NotFoundError('no such ticket');
    return thread;
  };

  return {
    list: async (req: Request, res: Response): Promise<void> => {
      const page = pageOf(req.query.page);
      const { rows, total } = await service.listOwn(req.account!.id, (page - 1) * PER_PAGE, PER_PAGE);
      res.render('support/list', {
        title: req.t('support:list.title'), rows, total, pg: simplePager(page, total, PER_PAGE, (p) => `/support/tickets?page=${p}`),
      });
    },

    /** The form; `?license=<id>` preselects that license when it is the account's. */
    newForm: async (req: Request, res: Response): Promise<void> => {
      const license = idOf(req.query.license);
      await renderNew(req, res, 200, { subject: '', message: '', license_id: license ? String(license) : '' }, {});
    },

    create: async (req: Request, res: Response): Promise<void> => {
      const values = typedValues(req.body, ['subject', 'message', 'license_id']);
      const files = filesOf(req);
      const parsed = parseTicket(req.body);
      const errors: Fields = parsed.ok ? {} : { ...parsed.errors };
      if (typeof files === 'string') errors.attachments = files;
      if (!parsed.ok || typeof files === 'string') return renderNew(req, res, 422, values, errors);
      const { subject, message, license_id: license } = parsed.data;
      try {
        const id = await service.open(req.account!, { subject, message, licenseId: license ? Number(license) : null }, files);
        flash(req, 'success', 'support:flash.opened', { id });
        res.redirect(303, `/support/tickets/${id}`);
      } catch (err) {
        if (err instanceof ValidationError) return renderNew(req, res, 422, values, err.fields);
        throw err;
      }
    },

    show: async (req: Request, res: Response): Promise<void> => {
      renderThread(req, res, 200, await ownThread(req), { message: '' }, {});
    },

    reply: async (req: Request, res: Response): Promise<void> => {
      const thread = await ownThread(req);
      const files = filesOf(req);
      const parsed = parseReply(req.body);
      const errors: Fields = parsed.ok ? {} : { ...parsed.errors };
      if (typeof files === 'string') errors.attachments = files;
      if (!parsed.ok || typeof files === 'string') return renderThread(req, res, 422, thread, typedValues(req.body, ['message']), errors);
      if (!(await service.reply(req.account!, thread.ticket.id, parsed.data.message, files, false))) throw new NotFoundError('no such ticket');
      flash(req, 'success', 'support:flash.replied');
      res.redirect(303, `/support/tickets/${thread.ticket.id}`);
    },

    /** Close, after a confirmation page (`confirm=yes` acts). */
    close: async (req: Request, res: Response): Promise<void> => {
      const thread = await ownThread(req);
      if ((req.body as Record<string, unknown> | undefined)?.confirm !== 'yes') {
        res.render('support/confirm-close', { title: req.t('support:close.title', { id: thread.ticket.id }), ticket: thread.ticket });
        return;
      }
      const closed = await service.close({ ...actorOf(req), id: req.account!.id }, thread.ticket.id, false);
      flash(req, closed ? 'success' : 'info', closed ? 'support:flash.closed' : 'support:flash.already_closed');
      res.redirect(303, `/support/tickets/${thread.ticket.id}`);
    },

    attachment: async (req: Request, res: Response): Promise<void> => {
      const attachmentId = idOf(req.params.attachmentId);
      const found = attachmentId === null ? null : await service.attachment(ticketIdOf(req), attachmentId, req.account!.id);
      await sendAttachment(res, found);
    },
  };
}
