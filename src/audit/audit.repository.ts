/**
 * The append-only `audit_log` table. This repository only inserts and reads:
 * no code path updates or deletes an audit row.
 */
import type { Db } from '../platform/db.js';
import { toDate } from '../platform/time.js';

export interface AuditEntry {
  actorId: number | null;
  actorEmail: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  summary: string;
  ip: string | null;
  userAgent: string | null;
}

export interface AuditRow extends AuditEntry {
  id: number;
  createdAt: Date;
}

export class AuditRepository {
  constructor(private readonly db: Db) {}

  async insert(e: AuditEntry, at: Date): Promise<void> {
    await this.db('audit_log').insert({
      actor_id: e.actorId,
      actor_email: e.actorEmail,
      action: e.action,
      target_type: e.targetType,
      target_id: e.targetId,
      summary: e.summary.slice(0, 2000),
      ip: e.ip,
      user_agent: e.userAgent?.slice(0, 512) ?? null,
      created_at: at.toISOString(),
    });
  }

  /** Rows about a target or by an actor, newest first. */
  async list(filter: { action?: string; targetType?: string; targetId?: string; actorId?: number }, limit = 100): Promise<AuditRow[]> {
    const q = this.db('audit_log').orderBy('id', 'desc').limit(limit);
    if (filter.action) q.where('action', filter.action);
    if (filter.targetType) q.where('target_type', filter.targetType);
    if (filter.targetId) q.where('target_id', filter.targetId);
    if (filter.actorId) q.where('actor_id', filter.actorId);
    const rows = (await q) as Record<string, unknown>[];
    return rows.map((r) => ({
      id: Number(r.id),
      actorId: r.actor_id === null ? null : Number(r.actor_id),
      actorEmail: (r.actor_email as string | null) ?? null,
      action: String(r.action),
      targetType: (r.target_type as string | null) ?? null,
      targetId: (r.target_id as string | null) ?? null,
      summary: String(r.summary),
      ip: (r.ip as string | null) ?? null,
      userAgent: (r.user_agent as string | null) ?? null,
      createdAt: toDate(r.created_at),
    }));
  }
}
