/**
 * Inbound gateway notifications: the only writer of `inbound_events`.
 *
 * Intake (`receive`) stores a verified event as `received` — a second delivery
 * of the same (gateway, event id) finds the row and stores nothing — and the
 * route answers 200 at once. Processing (`process`) runs right after, outside
 * the request: the row is claimed (`processing`, attempts + 1, a lease of 10
 * minutes against a run that dies), the gateway reads it into neutral actions,
 * the handler applies them (each its own transaction, idempotent), and the row
 * ends `processed`, `ignored` with a reason, or `failed` with the error and the
 * time of the next try (backoff: 1 min, 5 min, 30 min, 2 h, 6 h, then daily;
 * given up after 10 attempts). `retryDue` runs the due ones: a small loop in
 * the server (startRetryLoop) and `npm run billing:run` call it.
 */
import type { GatewayAction, GatewayName, OnlineGateway, VerifiedEvent } from '../billing/index.js';
import type { Actor, AuditService } from '../audit/index.js';
import { ConflictError, ERR, NotFoundError } from '../errors/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import { InboundEventsRepository, type InboundEvent } from './inbound-events.repository.js';

/** Applies what an event means; returns the reason when it changes nothing on purpose (ignored). */
export type ActionHandler = (gateway: GatewayName, actions: GatewayAction[]) => Promise<string | null>;

const BACKOFF_SECONDS = [60, 300, 1800, 7200, 21600, 86400];
export const MAX_ATTEMPTS = 10;
const LEASE_SECONDS = 600;

export interface InboundEventsDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  logger?: Logger;
  gateways: Partial<Record<GatewayName, OnlineGateway>>;
  handle: ActionHandler;
  /** Told of each notification's status (the app's metrics). */
  observer?: InboundObserver;
}

/**
 * Told of each notification: `received` or `duplicate` at intake, `refused` (signature), then `processed`, `ignored`
 * or `failed` for each processing attempt; must not throw.
 */
export interface InboundObserver {
  webhook(gateway: GatewayName, status: 'received' | 'duplicate' | 'refused' | InboundEvent['status']): void;
}

interface Delivery {
  gateway: GatewayName;
  event: VerifiedEvent;
  resolve(row: { id: number; duplicate: boolean }): void;
  reject(err: unknown): void;
}

/** Most deliveries written by one statement. */
const INTAKE_BATCH = 200;

export class InboundEventsService {
  private readonly repo: InboundEventsRepository;
  private readonly intake: Delivery[] = [];
  private writing = false;
  private written: Promise<void> = Promise.resolve();
  private readonly waiting = new Set<number>();
  private working = false;

  constructor(private readonly deps: InboundEventsDeps) {
    this.repo = new InboundEventsRepository(deps.db);
  }

  /** A notification of `gateway` refused before intake (its signature does not verify): counted, nothing stored. */
  refused(gateway: GatewayName): void {
    this.deps.observer?.webhook(gateway, 'refused');
  }

  byId(id: number): Promise<InboundEvent | null> {
    return this.repo.byId(id);
  }

  /** Retention (src/ops/cleanup.ts): delete the handled notifications (payloads included) received before `before`; returns how many. */
  purgeHandledBefore(before: Date): Promise<number> {
    return this.repo.deleteHandledBefore(before);
  }

  byEventId(gateway: GatewayName, eventId: string): Promise<InboundEvent | null> {
    return this.repo.byEventId(gateway, eventId);
  }

  /**
   * Store a verified event (module comment). Returns its row id and whether it was stored before. Deliveries that
   * arrive while a write is under way are written together by the next one (one commit for a burst: SQLite's
   * synchronous commit costs a disk flush each), with no waiting when there is no burst.
   */
  receive(gateway: GatewayName, event: VerifiedEvent): Promise<{ id: number; duplicate: boolean }> {
    return new Promise((resolve, reject) => {
      this.intake.push({ gateway, event, resolve, reject });
      if (!this.writing) void this.write();
    });
  }

  private async write(): Promise<void> {
    this.writing = true;
    let done!: () => void;
    this.written = new Promise((resolve) => { done = resolve; });
    try {
      while (this.intake.length) {
        const batch = this.intake.splice(0, INTAKE_BATCH);
        try {
          const stored = await this.repo.insertMany(batch.map((b) => ({ gateway: b.gateway, ...b.event })), this.deps.clock.now());
          for (const b of batch) {
            const row = stored.get(`${b.gateway} ${b.event.eventId}`);
            if (row) {
              this.deps.observer?.webhook(b.gateway, row.duplicate ? 'duplicate' : 'received');
              b.resolve(row);
            }
            else b.reject(new Error('inbound event not stored'));
          }
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.writing = false;
      done();
    }
  }

  /**
   * Process event `id` soon, after the ones already waiting, one at a time in this process, each once the intake
   * has nothing left to write: answering the gateway comes first (it gives up on a slow endpoint and sends again),
   * processing can lag a burst by a moment.
   */
  processSoon(id: number): void {
    this.waiting.add(id);
    if (!this.working) void this.work();
  }

  private async work(): Promise<void> {
    this.working = true;
    try {
      for (const id of this.waiting) {
        while (this.writing) await this.written;
        this.waiting.delete(id);
        // A database gone (shutdown) must not end the process: the event stays due for the retry loop.
        await this.process(id).catch((err: unknown) => this.deps.logger?.error({ err, event: id }, 'inbound event not processed'));
      }
    } finally {
      this.working = false;
    }
  }

  /** Process event `id` if it is due (module comment); never throws (a failure is recorded on the row). Returns its status after. */
  async process(id: number): Promise<InboundEvent['status'] | null> {
    const now = this.deps.clock.now();
    if (!(await this.repo.claim(id, now, new Date(now.getTime() + LEASE_SECONDS * 1000)))) return (await this.repo.byId(id))?.status ?? null;
    const event = (await this.repo.byId(id))!;
    try {
      const gateway = this.deps.gateways[event.gateway];
      if (!gateway) throw new Error(`gateway ${event.gateway} is not configured`);
      const reason = await this.deps.handle(event.gateway, await gateway.interpret(event));
      await this.repo.finish(id, reason ? 'ignored' : 'processed', reason, this.deps.clock.now());
      this.deps.observer?.webhook(event.gateway, reason ? 'ignored' : 'processed');
      return reason ? 'ignored' : 'processed';
    } catch (err) {
      const wait = BACKOFF_SECONDS[Math.min(event.attempts - 1, BACKOFF_SECONDS.length - 1)]!;
      const next = event.attempts >= MAX_ATTEMPTS ? null : new Date(this.deps.clock.now().getTime() + wait * 1000);
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      this.deps.logger?.warn({ event: event.eventId, gateway: event.gateway, type: event.type, attempts: event.attempts, error: message.slice(0, 300) },
        'inbound event failed');
      await this.repo.fail(id, message, next).catch((e: unknown) => this.deps.logger?.error({ err: e }, 'inbound event not marked failed'));
      this.deps.observer?.webhook(event.gateway, 'failed');
      return 'failed';
    }
  }

  /** Process the events due now (failed ones whose backoff has passed, received ones never run), at most `limit`. Returns how many ran. */
  async retryDue(limit = 100): Promise<number> {
    const ids = await this.repo.due(this.deps.clock.now(), limit);
    for (const id of ids) await this.process(id);
    return ids.length;
  }

  /**
   * Staff replay a failed or ignored event (`/admin/webhooks/:id`): it is `received` again, its attempts kept,
   * audited in the same transaction, then processed at once (its effects are idempotent as on any delivery).
   * @throws NotFoundError; ConflictError CONFLICT when it is not failed nor ignored (already processed or under way).
   */
  async replay(id: number, actor: Actor): Promise<void> {
    await this.deps.db.transaction(async (trx) => {
      const repo = this.repo.with(trx);
      const event = await repo.byId(id);
      if (!event) throw new NotFoundError('no such event');
      if (!(await repo.reopen(id))) throw new ConflictError('only a failed or ignored event can be replayed', ERR.CONFLICT);
      await this.deps.audit.record(trx, actor, 'inbound_event.replayed', { type: 'inbound_event', id },
        { gateway: event.gateway, event: event.eventId, type: event.type, from: event.status });
    });
    this.processSoon(id);
  }

  /** Run retryDue every `seconds` in this process (the server); returns the function that stops it. */
  startRetryLoop(seconds = 60): () => void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      this.retryDue().catch((err: unknown) => this.deps.logger?.error({ err }, 'inbound events retry failed')).finally(() => { running = false; });
    }, seconds * 1000);
    timer.unref();
    return () => clearInterval(timer);
  }
}
