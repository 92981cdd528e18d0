/**
 * /admin/webhooks: the notifications payment gateways sent (inbound_events),
 * newest first, searched by event id or type, filtered by gateway and status;
 * one event with its body as received, its attempts, last error or the reason
 * it was ignored. Admins replay a failed or ignored one after a confirmation
 * (InboundEventsService.replay: audited, processed again at once). Support reads.
 */
import type { Request, Response } from 'express';
import type { GatewayName } from '../../billing/index.js';
import { AppError, ERR, NotFoundError } from '../../errors/index.js';
import { actorOf } from '../../http/actor.js';
import { flash } from '../../http/flash.js';
import { boundedInt, INT4_MAX } from '../../http/query.js';
import type { InboundStatus } from '../../payments/index.js';
import type { AdminDeps } from '../context.js';
import { confirmed, pager, parseListQuery, queryString } from '../shared.js';
import { billingRenderer, canAct } from './render.js';
import { webhookReports } from './webhook-reports.js';
import type { InboundFilter } from './webhooks.repository.js';

const GATEWAYS: readonly GatewayName[] = ['stripe', 'paypal'];
const STATUSES: readonly InboundStatus[] = ['received', 'processing', 'processed', 'failed', 'ignored'];

/** The body as sent, indented when it is JSON (shown, never interpreted). */
function pretty(payload: string): string {
  try {
    return JSON.stringify(JSON.parse(payload), null, 2);
  } catch {
    return payload;
  }
}

export function createWebhooksController(deps: AdminDeps) {
  const render = billingRenderer(deps.config);
  const reads = webhookReports(deps.db);
  const load = async (req: Request) => {
    const id = boundedInt(req.params.id, 1, INT4_MAX);
    const event = id ? await deps.payments.inbound.byId(id) : null;
    if (!event) throw new NotFoundError('no such event');
    return event;
  };

  return {
    /** GET /admin/webhooks */
    list: async (req: Request, res: Response): Promise<void> => {
      const q = parseListQuery(req.query as Record<string, unknown>, ['id'], ['gateway', 'status']);
      const gateway = GATEWAYS.find((g) => g === q.params.gateway) ?? '';
      const status = STATUSES.find((s) => s === q.params.status) ?? '';
      if (!gateway) delete q.params.gateway;
      if (!status) delete q.params.status;
      const filter: InboundFilter = { q: q.q, gateway, status };
      const [rows, total] = await Promise.all([reads.list(filter, q.perPage, q.offset), reads.count(filter)]);
      render(req, res, 'webhooks', {
        title: req.t('payments:webhooks.title'), rows, total, query: q, gateway, status, gateways: GATEWAYS, statuses: STATUSES,
        filtered: Object.keys(q.params).length > 0, pg: pager(q, total, '/admin/webhooks'), qs: (extra: Record<string, string>) => queryString(q.params, extra),
      });
    },

    /** GET /admin/webhooks/:id */
    show: async (req: Request, res: Response): Promise<void> => {
      const event = await load(req);
      render(req, res, 'webhook', { title: req.t('payments:webhooks.event_title', { id: event.id }), event, body: pretty(event.payload),
        replayable: canAct(req) && (event.status === 'failed' || event.status === 'ignored') });
    },

    /** POST /admin/webhooks/:id/replay (confirmation step) */
    replay: async (req: Request, res: Response): Promise<void> => {
      const event = await load(req);
      if (!confirmed(req, res, {
        title: 'payments:webhooks.replay_title', message: 'payments:webhooks.replay_message', params: { event: event.eventId, type: event.type },
        action: `/admin/webhooks/${event.id}/replay`, back: `/admin/webhooks/${event.id}`, button: 'payments:webhooks.replay',
      })) return;
      try {
        await deps.payments.inbound.replay(event.id, actorOf(req));
        flash(req, 'success', 'payments:webhooks.replayed', { event: event.eventId });
      } catch (err) {
        if (!(err instanceof AppError && err.code === ERR.CONFLICT)) throw err;
        flash(req, 'error', 'payments:webhooks.not_replayable');
      }
      res.redirect(303, `/admin/webhooks/${event.id}`);
    },
  };
}
