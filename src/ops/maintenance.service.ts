/**
 * Maintenance mode (the one writer of `maintenance_mode`). The switch lives in the database so that every instance
 * sees it; each instance reads it at most once per `cacheSeconds` (requests in between use the copy, and the requests
 * arriving while it is read share that one query). Turning it on or off writes an audit row in the same transaction.
 */
import type { Actor, AuditService } from '../audit/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import { MAINTENANCE_OFF, MaintenanceRepository, type MaintenanceState } from './maintenance.repository.js';

export interface MaintenanceDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  logger?: Logger;
  /** How long a read of the switch is reused (seconds; 0: every call reads). */
  cacheSeconds: number;
}

/** The longest message kept (the column's size). */
export const MAINTENANCE_MESSAGE_MAX = 500;

export class MaintenanceService {
  private readonly repo: MaintenanceRepository;
  private cached: { state: MaintenanceState; until: number } | null = null;
  private reading: Promise<MaintenanceState> | null = null;
  /** Bumped by `set`: a read begun before it does not fill the cache with the old state. */
  private generation = 0;

  constructor(private readonly deps: MaintenanceDeps) {
    this.repo = new MaintenanceRepository(deps.db);
  }

  /**
   * The switch, from the cache when it is fresh (wall-clock time: the cache is about this process, not the business
   * clock). A failed read keeps the last known state (off at first) until the next try, so a database hiccup does
   * not turn every page into an error.
   */
  async state(): Promise<MaintenanceState> {
    if (this.cached && this.cached.until > Date.now()) return this.cached.state;
    const generation = this.generation;
    this.reading ??= this.repo.read()
      .catch((err: unknown) => {
        this.deps.logger?.error({ err }, 'maintenance mode could not be read');
        return this.cached?.state ?? { ...MAINTENANCE_OFF };
      })
      .then((state) => {
        if (generation === this.generation) {
          this.cached = { state, until: Date.now() + this.deps.cacheSeconds * 1000 };
          this.reading = null;
        }
        return state;
      });
    return this.reading;
  }

  /** Turn maintenance on (with an optional message for visitors) or off; returns the new state. */
  async set(enabled: boolean, message: string | null, actor: Actor): Promise<MaintenanceState> {
    const text = message?.trim().slice(0, MAINTENANCE_MESSAGE_MAX) || null;
    const now = this.deps.clock.now();
    await this.deps.db.transaction(async (trx) => {
      await this.repo.with(trx).write({ enabled, message: enabled ? text : null, setBy: actor.email }, now);
      await this.deps.audit.record(trx, actor, enabled ? 'maintenance.on' : 'maintenance.off', { type: 'maintenance', id: 1 },
        enabled && text ? { message: text } : {});
    });
    this.generation += 1;
    this.cached = null;
    this.reading = null;
    return this.state();
  }
}
