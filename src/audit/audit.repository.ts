/**
 * The append-only `audit_log` table. This repository only inserts and reads:
 * no code path updates or deletes an audit row (test/http/admin/audit.test.ts
 * checks that this class has no such method, and the database refuses it:
 * db/migrations/20261122030400_audit-log-append-only.ts).
 */
import type { Knex } from 'knex';
import type { Db } from '../platform/db.js';
import { toDate } from '../platform/time.js';

export interface AuditEntry {
  actorId: number | null;
  actorEmail: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  /** Rows written before `details` existed: their English text as stored; '' for newer rows. */
  summary: string;
  /** The facts of the row (see AuditDetails), null for older rows. */
  details: AuditDetails | null;
  ip: string | null;
  userAgent: string | null;
}

/**
 * The parameters of an audit row's sentence (states, units, names, reasons
 * typed by staff…), rendered in the reader's language by src/audit/audit-text.ts.
 * `context` selects a variant of the sentence (i18next context).
 */
export type AuditDetails = Readonly<Record<string, string | number | boolean | null>>;

export interface AuditRow extends AuditEntry {
  id: number;
  createdAt: Date;
}

/**
 * What the admin audit page filters on; every field optional, combined with AND.
 * - `actor`: part of the actor's e-mail (case-insensitive);
 * - `action`: an exact action, or a prefix when it ends with `*` (`account.*`);
 * - `targetType`, `targetId`, `ip`: exact;
 * - `from` (inclusive) / `before` (exclusive): the created_at range.
 */
export interface AuditSearch {
  actor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  ip?: string;
  from?: Date | null;
  before?: Date | null;
}

/** `%`, `_` and `\` escaped for a LIKE pattern used with `ESCAPE '\'`. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function parseDetails(v: unknown): AuditDetails | null {
  if (typeof v !== 'string' || v === '') return null;
  try {
    const parsed = JSON.parse(v) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as AuditDetails) : null;
  } catch {
    return null;
  }
}

function toRow(r: Record<string, unknown>): AuditRow {
  return {
    id: Number(r.id),
    actorId: r.actor_id === null || r.actor_id === undefined ? null : Number(r.actor_id),
    actorEmail: (r.actor_email as string | null) ?? null,
    action: String(r.action),
    targetType: (r.target_type as string | null) ?? null,
    targetId: (r.target_id as string | null) ?? null,
    summary: String(r.summary ?? ''),
    details: parseDetails(r.details),
    ip: (r.ip as string | null) ?? null,
    userAgent: (r.user_agent as string | null) ?? null,
    createdAt: toDate(r.created_at),
  };
}

export class AuditRepository {
  constructor(private readonly db: Db) {}

  /** The same repository inside a transaction (or on the plain database). */
  with(trx: Db): AuditRepository {
    return new AuditRepository(trx);
  }

  async insert(e: AuditEntry, at: Date): Promise<void> {
    await this.db('audit_log').insert({
      actor_id: e.actorId,
      actor_email: e.actorEmail,
      action: e.action,
      target_type: e.targetType,
      target_id: e.targetId,
      summary: e.summary.slice(0, 2000),
      details: e.details ? JSON.stringify(e.details) : null,
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
    return ((await q) as Record<string, unknown>[]).map(toRow);
  }

  /** One row by id, or null. */
  async byId(id: number): Promise<AuditRow | null> {
    const r = (await this.db('audit_log').where({ id }).first()) as Record<string, unknown> | undefined;
    return r ? toRow(r) : null;
  }

  private filtered(f: AuditSearch): Knex.QueryBuilder {
    const q = this.db('audit_log');
    if (f.actor) q.whereRaw("lower(coalesce(actor_email, '')) like ? escape '\\'", [`%${escapeLike(f.actor.toLowerCase())}%`]);
    if (f.action?.endsWith('*')) q.whereRaw("lower(action) like ? escape '\\'", [`${escapeLike(f.action.slice(0, -1).toLowerCase())}%`]);
    else if (f.action) q.where('action', f.action);
    if (f.targetType) q.where('target_type', f.targetType);
    if (f.targetId) q.where('target_id', f.targetId);
    if (f.ip) q.where('ip', f.ip);
    if (f.from) q.where('created_at', '>=', f.from.toISOString());
    if (f.before) q.where('created_at', '<', f.before.toISOString());
    return q;
  }

  /** The rows matching `f`, newest first (by id: the order they were written), `limit` from `offset`. */
  async search(f: AuditSearch, offset: number, limit: number): Promise<AuditRow[]> {
    const rows = (await this.filtered(f).orderBy('id', 'desc').offset(offset).limit(limit)) as Record<string, unknown>[];
    return rows.map(toRow);
  }

  /** How many rows match `f`. */
  async count(f: AuditSearch): Promise<number> {
    const [row] = (await this.filtered(f).count({ n: '*' })) as { n: unknown }[];
    return Number(row?.n ?? 0);
  }

  /**
   * The rows matching `f`, newest first, in batches of `batch` read by id
   * (keyset, so memory stays flat), at most `cap` rows in all.
   */
  async *scan(f: AuditSearch, cap: number, batch = 2000): AsyncGenerator<AuditRow[]> {
    let below: number | null = null;
    let left = cap;
    while (left > 0) {
      const q = this.filtered(f).orderBy('id', 'desc').limit(Math.min(batch, left));
      if (below !== null) q.where('id', '<', below);
      const rows = (await q) as Record<string, unknown>[];
      if (rows.length === 0) return;
      yield rows.map(toRow);
      below = Number(rows.at(-1)!.id);
      left -= rows.length;
    }
  }

  /** Every distinct action written so far, sorted. */
  async actions(): Promise<string[]> {
    const rows = (await this.db('audit_log').distinct('action').orderBy('action')) as { action: string }[];
    return rows.map((r) => String(r.action));
  }

  /** Every distinct target type written so far, sorted. */
  async targetTypes(): Promise<string[]> {
    const rows = (await this.db('audit_log').whereNotNull('target_type').distinct('target_type').orderBy('target_type')) as { target_type: string }[];
    return rows.map((r) => String(r.target_type));
  }
}
