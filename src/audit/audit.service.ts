/**
 * Audit trail (ASVS 5.0 §16): who did what, to what, from where, when.
 * Actions are dotted names (`account.registered`, `login.failed`, …);
 * `details` are the facts of the row (never a password or token), turned
 * into a sentence in the reader's language by audit-text.ts.
 */
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import { AuditRepository, type AuditDetails, type AuditRow, type AuditSearch } from './audit.repository.js';

/** Who acts, and from where (the request's IP and user agent). */
export interface Actor {
  id: number | null;
  email: string | null;
  ip: string | null;
  userAgent: string | null;
}

/** What an action was done to: a type (`account`, `recharge`, …) and its id. */
export interface AuditTarget {
  type: string;
  id: string | number;
}

export const SYSTEM_ACTOR: Actor = Object.freeze({ id: null, email: null, ip: null, userAgent: 'cli' });

/** Details values are cut to this many characters (a reason typed by staff, a label). */
const MAX_DETAIL_CHARS = 500;

function clip(details: AuditDetails): AuditDetails {
  const out: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(details)) out[k] = typeof v === 'string' ? v.slice(0, MAX_DETAIL_CHARS) : v;
  return out;
}

export class AuditService {
  private readonly repo: AuditRepository;

  constructor(db: Db, private readonly clock: Clock) {
    this.repo = new AuditRepository(db);
  }

  /**
   * Append one row. `db` is required: the transaction of the change the row
   * records, so the row commits (or rolls back) with its cause; the plain
   * database only for events that change nothing else (a refused login).
   */
  async record(db: Db, actor: Actor, action: string, target: AuditTarget | null, details: AuditDetails = {}): Promise<void> {
    await this.repo.with(db).insert({
      actorId: actor.id,
      actorEmail: actor.email,
      action,
      targetType: target?.type ?? null,
      targetId: target ? String(target.id) : null,
      summary: '',
      details: clip(details),
      ip: actor.ip,
      userAgent: actor.userAgent,
    }, this.clock.now());
  }

  /** Rows about a target or by an actor, newest first (at most `limit`). */
  list(filter: Parameters<AuditRepository['list']>[0], limit?: number): Promise<AuditRow[]> {
    return this.repo.list(filter, limit);
  }

  /** One row by id, or null. */
  byId(id: number): Promise<AuditRow | null> {
    return this.repo.byId(id);
  }

  /** A page of the rows matching `search`, newest first, and how many match. */
  async search(search: AuditSearch, offset: number, limit: number): Promise<{ rows: AuditRow[]; total: number }> {
    const [rows, total] = await Promise.all([this.repo.search(search, offset, limit), this.repo.count(search)]);
    return { rows, total };
  }

  /** The rows matching `search` in batches (CSV export), at most `cap`. */
  scan(search: AuditSearch, cap: number): AsyncGenerator<AuditRow[]> {
    return this.repo.scan(search, cap);
  }

  /** The distinct actions and target types written so far (filter choices). */
  async vocabulary(): Promise<{ actions: string[]; targetTypes: string[] }> {
    const [actions, targetTypes] = await Promise.all([this.repo.actions(), this.repo.targetTypes()]);
    return { actions, targetTypes };
  }
}
