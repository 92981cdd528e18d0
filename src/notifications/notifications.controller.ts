/**
 * The notifications page (notifications.router.ts): the list, newest first,
 * 25 a page; "mark as read" and "mark all as read" (post/redirect/get, back
 * to the page the form was on); "open" marks the notification read, then
 * leads (303) to its in-site path. Another account's notification is a 404.
 */
import type { Request, Response } from 'express';
import { NotFoundError } from '../errors/index.js';
import { flash } from '../http/flash.js';
import { boundedInt, INT4_MAX } from '../http/query.js';
import type { NotificationsService } from './notifications.service.js';

const LIST = '/notifications';

/** The route's notification id, else a 404 (`1e3`, `-1`, `abc` are no ids). */
function idOf(req: Request): number {
  const id = boundedInt(req.params.id, 1, INT4_MAX);
  if (id === null) throw new NotFoundError('No such notification');
  return id;
}

/** The list page to come back to: `page` of the form or query (1..10 000), page 1 left out. */
function back(value: unknown): string {
  const page = boundedInt(value, 1, 10_000);
  return page && page > 1 ? `${LIST}?page=${page}` : LIST;
}

export function createNotificationsController(notifications: NotificationsService) {
  return {
    /** GET /notifications?page=N */
    list: async (req: Request, res: Response): Promise<void> => {
      const result = await notifications.list(req.account!.id, boundedInt(req.query.page, 1, 10_000) ?? 1);
      const link = (page: number): string => (page > 1 ? `${LIST}?page=${page}` : LIST);
      res.render('notifications/list', {
        title: req.t('notifications:title'), ...result,
        pg: { page: result.page, pages: result.pages, total: result.total,
          prev: result.page > 1 ? link(result.page - 1) : null, next: result.page < result.pages ? link(result.page + 1) : null },
      });
    },

    /** POST /notifications/:id/read (page) */
    read: async (req: Request, res: Response): Promise<void> => {
      await notifications.markRead(req.account!.id, idOf(req));
      flash(req, 'success', 'notifications:flash.read');
      res.redirect(303, back((req.body as Record<string, unknown> | undefined)?.page));
    },

    /** POST /notifications/read-all (page) */
    readAll: async (req: Request, res: Response): Promise<void> => {
      const count = await notifications.markAllRead(req.account!.id);
      flash(req, 'success', count ? 'notifications:flash.all_read' : 'notifications:flash.none_unread');
      res.redirect(303, back((req.body as Record<string, unknown> | undefined)?.page));
    },

    /** POST /notifications/:id/open — read, then to its in-site path (or back to the list when it has none). */
    open: async (req: Request, res: Response): Promise<void> => {
      const link = await notifications.open(req.account!.id, idOf(req));
      res.redirect(303, link ?? LIST);
    },
  };
}
