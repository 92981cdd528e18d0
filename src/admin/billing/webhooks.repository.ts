/** What /admin/webhooks reads of `inbound_events` (nothing here writes: InboundEventsService does). */
import type { GatewayName } from '../../billing/index.js';
import type { InboundEvent, InboundStatus } from '../../payments/index.js';
import type { Db } from '../../platform/db.js';
import { toDateOrNull } from '../../platform/time.js';
import { likePattern } from '../shared.js';

/** The list's filter: a piece of the event id or type ('' = none), a gateway, a status. */
export interface InboundFilter {
  q: string;
  gateway: '' | GatewayName;
  status: '' | InboundStatus;
}

export type InboundRow = Omit<InboundEvent, 'payload'>;

function toRow(r: Record<string, unknown>): InboundRow {
  return {
    id: Number(r.id), gateway: r.gateway as GatewayName, eventId: String(r.event_id), type: String(r.type), status: r.status as InboundStatus,
    attempts: Number(r.attempts), lastError: (r.last_error as string | null) ?? null, reason: (r.reason as string | null) ?? null,
    receivedAt: toDateOrNull(r.received_at), processedAt: toDateOrNull(r.processed_at), nextAttemptAt: toDateOrNull(r.next_attempt_at),
  };
}

export class WebhooksAdminRepository {
  constructor(private readonly db: Db) {}

  private filtered(f: InboundFilter) {
    const q = this.db('inbound_events');
    if (f.q) {
      const p = likePattern(f.q);
      q.where((w) => w.whereRaw("lower(event_id) like ? escape '\\'", [p]).orWhereRaw("lower(type) like ? escape '\\'", [p]));
    }
    if (f.gateway) q.where({ gateway: f.gateway });
    if (f.status) q.where({ status: f.status });
    return q;
  }

  async count(f: InboundFilter): Promise<number> {
    const [row] = (await this.filtered(f).count({ n: '*' })) as { n: unknown }[];
    return Number(row?.n ?? 0);
  }

  /** A page of events, newest first, without their payload. */
  async list(f: InboundFilter, limit: number, offset: number): Promise<InboundRow[]> {
    const rows = (await this.filtered(f).orderBy('id', 'desc').limit(limit).offset(offset).select('id', 'gateway', 'event_id', 'type', 'status', 'attempts',
      'last_error', 'reason', 'received_at', 'processed_at', 'next_attempt_at')) as Record<string, unknown>[];
    return rows.map(toRow);
  }
}
