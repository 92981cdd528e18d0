/** The `inbound_events` table (written only through InboundEventsService). Timestamps as ISO 8601 UTC. */
import type { GatewayName } from '../billing/index.js';
import type { Db } from '../platform/db.js';
import { toDateOrNull } from '../platform/time.js';

export type InboundStatus = 'received' | 'processing' | 'processed' | 'failed' | 'ignored';

export interface InboundEvent {
  id: number;
  gateway: GatewayName;
  eventId: string;
  type: string;
  payload: string;
  status: InboundStatus;
  attempts: number;
  lastError: string | null;
  reason: string | null;
  receivedAt: Date | null;
  processedAt: Date | null;
  nextAttemptAt: Date | null;
}

function toEvent(r: Record<string, unknown>): InboundEvent {
  return {
    id: Number(r.id), gateway: r.gateway as GatewayName, eventId: String(r.event_id), type: String(r.type), payload: String(r.payload),
    status: r.status as InboundStatus, attempts: Number(r.attempts), lastError: (r.last_error as string | null) ?? null,
    reason: (r.reason as string | null) ?? null,
    receivedAt: toDateOrNull(r.received_at), processedAt: toDateOrNull(r.processed_at), nextAttemptAt: toDateOrNull(r.next_attempt_at),
  };
}

export class InboundEventsRepository {
  constructor(private readonly db: Db) {}

  with(trx: Db): InboundEventsRepository {
    return new InboundEventsRepository(trx);
  }

  /** A failed or ignored event `received` again (a replay); false for any other status. */
  async reopen(id: number): Promise<boolean> {
    return Number(await this.db('inbound_events').where({ id }).whereIn('status', ['failed', 'ignored'])
      .update({ status: 'received', next_attempt_at: null, reason: null })) === 1;
  }

  /**
   * Store verified events as `received`, in one statement (one commit for a burst of deliveries); an event whose
   * (gateway, event id) is stored already is left as it is. Returns each event's row id and whether it was new,
   * keyed `<gateway> <event id>`.
   */
  async insertMany(events: { gateway: GatewayName; eventId: string; type: string; payload: string }[], now: Date):
    Promise<Map<string, { id: number; duplicate: boolean }>> {
    const out = new Map<string, { id: number; duplicate: boolean }>();
    const unique = [...new Map(events.map((e) => [`${e.gateway} ${e.eventId}`, e])).values()];
    const inserted = (await this.db('inbound_events').insert(unique.map((e) => ({
      gateway: e.gateway, event_id: e.eventId, type: e.type, payload: e.payload, status: 'received', attempts: 0, received_at: now.toISOString(),
    }))).onConflict(['gateway', 'event_id']).ignore().returning(['id', 'gateway', 'event_id'])) as Record<string, unknown>[];
    for (const r of inserted) out.set(`${String(r.gateway)} ${String(r.event_id)}`, { id: Number(r.id), duplicate: false });
    const known = unique.filter((e) => !out.has(`${e.gateway} ${e.eventId}`));
    for (const gateway of new Set(known.map((e) => e.gateway))) {
      const rows = (await this.db('inbound_events').where({ gateway }).whereIn('event_id', known.filter((e) => e.gateway === gateway).map((e) => e.eventId))
        .select('id', 'event_id')) as Record<string, unknown>[];
      for (const r of rows) out.set(`${gateway} ${String(r.event_id)}`, { id: Number(r.id), duplicate: true });
    }
    return out;
  }

  async byId(id: number): Promise<InboundEvent | null> {
    const row = (await this.db('inbound_events').where({ id }).first()) as Record<string, unknown> | undefined;
    return row ? toEvent(row) : null;
  }

  async byEventId(gateway: GatewayName, eventId: string): Promise<InboundEvent | null> {
    const row = (await this.db('inbound_events').where({ gateway, event_id: eventId }).first()) as Record<string, unknown> | undefined;
    return row ? toEvent(row) : null;
  }

  /**
   * Take event `id` for processing if it is due: `received`, or `failed`/`processing` whose next_attempt_at has come
   * (a processing run that died leaves its lease, `leaseUntil`, to expire). One statement: of two instances, one wins.
   */
  async claim(id: number, now: Date, leaseUntil: Date): Promise<boolean> {
    const n = await this.db('inbound_events').where({ id })
      .andWhere((w) => w.where({ status: 'received' })
        .orWhere((d) => d.whereIn('status', ['failed', 'processing']).andWhere('next_attempt_at', '<=', now.toISOString())))
      .update({ status: 'processing', attempts: this.db.raw('?? + 1', ['attempts']), next_attempt_at: leaseUntil.toISOString() });
    return Number(n) === 1;
  }

  async finish(id: number, status: 'processed' | 'ignored', reason: string | null, now: Date): Promise<void> {
    await this.db('inbound_events').where({ id })
      .update({ status, reason, last_error: null, processed_at: now.toISOString(), next_attempt_at: null });
  }

  /** A failed run: the error kept, due again at `next` (null: given up). */
  async fail(id: number, error: string, next: Date | null): Promise<void> {
    await this.db('inbound_events').where({ id }).update({ status: 'failed', last_error: error.slice(0, 500), next_attempt_at: next?.toISOString() ?? null });
  }

  /**
   * Delete the events received before `before` that are done with: processed, ignored, or failed for good (no next
   * attempt); returns how many. Events still waiting for a run are kept whatever their age.
   */
  async deleteHandledBefore(before: Date): Promise<number> {
    return Number(await this.db('inbound_events').where('received_at', '<', before.toISOString())
      .where((w) => w.whereIn('status', ['processed', 'ignored']).orWhere((f) => f.where({ status: 'failed' }).whereNull('next_attempt_at')))
      .del());
  }

  /** Ids of events due for (another) processing run at `now`, oldest first. */
  async due(now: Date, limit: number): Promise<number[]> {
    const rows = (await this.db('inbound_events')
      .where((w) => w.where({ status: 'received' })
        .orWhere((d) => d.whereIn('status', ['failed', 'processing']).andWhere('next_attempt_at', '<=', now.toISOString())))
      .orderBy('id').limit(limit).select('id')) as { id: unknown }[];
    return rows.map((r) => Number(r.id));
  }
}
