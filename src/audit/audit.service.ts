/**
 * Audit trail (ASVS 5.0 §16): who did what, to what, from where, when.
 * Actions are dotted names (`account.registered`, `login.failed`, …);
 * `summary` is a short, secret-free description (never a password or token).
 */
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import { AuditRepository, type AuditRow } from './audit.repository.js';

/** Who acts, and from where (the request's IP and user agent). */
export interface Actor {
  id: number | null;
  email: string | null;
  ip: string | null;
  userAgent: string | null;
}

export const SYSTEM_ACTOR: Actor = Object.freeze({ id: null, email: null, ip: null, userAgent: 'cli' });

export class AuditService {
  readonly repo: AuditRepository;

  constructor(db: Db, private readonly clock: Clock) {
    this.repo = new AuditRepository(db);
  }

  /** Append one row. `db` may be a transaction, so the row commits with its cause. */
  async record(actor: Actor, action: string, target: { type: string; id: string | number } | null, summary = '', db?: Db): Promise<void> {
    const repo = db ? new AuditRepository(db) : this.repo;
    await repo.insert({
      actorId: actor.id,
      actorEmail: actor.email,
      action,
      targetType: target?.type ?? null,
      targetId: target ? String(target.id) : null,
      summary,
      ip: actor.ip,
      userAgent: actor.userAgent,
    }, this.clock.now());
  }

  list(filter: Parameters<AuditRepository['list']>[0], limit?: number): Promise<AuditRow[]> {
    return this.repo.list(filter, limit);
  }
}
