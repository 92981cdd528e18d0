/**
 * The license server: trials, activation by code, online validation,
 * heartbeats, revocation by machine, and the admin's state changes and
 * extensions, a customer's release of a machine. The only writer of licenses, license_activations,
 * license_heartbeats, license_releases and license_validation_days. Every change that matters
 * writes its audit row in the same transaction (`license.trial_created`,
 * `license.activated`, `license.revoked`, `license.suspended`,
 * `license.reinstated`, `license.extended`, `license.released`).
 *
 * Validation is the hot path: the token's signature is checked first (no
 * query for a forged token; on a worker thread, CryptoWorker), then ONE indexed lookup (licenses.public_id),
 * products come from memory (ProductCache), and nothing is written per
 * request (ValidationCounter batches the statistics). Only a validation from
 * a new machine of a multi-machine product writes (its activation row).
 *
 * Call `close()` on shutdown: it writes the counted validations.
 */
import crypto from 'node:crypto';
import type { AuditService, Actor } from '../audit/index.js';
import { rfc3339, verifyLicenseTokenAsync, type LicensePayload, type SigningKey } from '../crypto/index.js';
import { AppError, ERR, ForbiddenError, NotFoundError, RateLimitedError } from '../errors/index.js';
import type { IssuerKeys } from '../keys/index.js';
import type { Clock } from '../platform/clock.js';
import { isSqlite, isUniqueViolation, type Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import { parseActivationCode } from './activation-code.js';
import type { ActivationCodesService } from './activation-codes.service.js';
import { SqliteReaders } from './sqlite-readers.js';
import { LICENSE_CHANGES, TrialExistsError, type IssuedLicense, type LicenseChange, type RefusalCode, type Validation } from './license-types.js';
import { DAY_MS, licenseToken, wholeSeconds } from './license-token.js';
import { LicensesRepository, type LicenseRow, type Product } from './licenses.repository.js';
import { CryptoWorker } from './crypto-worker.js';
import type { ProductCache } from './product-cache.js';
import { ANY_CLIENT, checkProduct, type ClientScope } from './client-key.js';
import type { ProductsService } from './products.service.js';
import { ValidationCounter } from './validation-counter.js';

export { DAY_MS, daysRemaining, licenseToken, type LicenseTokenFields } from './license-token.js';
export { TrialExistsError, type IssuedLicense, type RefusalCode, type Validation } from './license-types.js';

export interface LicensesServiceDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  audit: AuditService;
  keys: IssuerKeys;
  /** The products (their cached policies) the licenses belong to. */
  products: ProductsService;
  /** The activation codes `activate` uses. */
  codes: ActivationCodesService;
  /** Statistics flush interval (ms); default 10 s. */
  flushIntervalMs?: number;
  /** Told of every online validation's result (the app's metrics). */
  observer?: ValidationObserver;
}

/** Told of each online validation: `valid` or the refusal code; must not throw (it runs on the hot path: count, nothing more). */
export interface ValidationObserver {
  validated(result: 'valid' | RefusalCode): void;
}

const invalidCode = () => new NotFoundError('Unknown, used or expired activation code', ERR.INVALID_ACTIVATION_CODE);
const licenseNotFound = () => new NotFoundError('License not found for this machine', ERR.LICENSE_NOT_FOUND);

/** A new expiry: `days` more (after the later of the current expiry and now) or a given instant. */
export type ExpiryChange = { days: number } | { until: Date };

export class LicensesService {
  private readonly repo: LicensesRepository;
  private readonly products: ProductCache;
  private readonly counter: ValidationCounter;
  /** Ed25519 of the hot path (token verification, signed answers) on a worker thread. */
  readonly crypto: CryptoWorker;

  constructor(private readonly deps: LicensesServiceDeps) {
    this.crypto = new CryptoWorker((err) => deps.logger.warn({ err }, 'license crypto worker failed: Ed25519 jobs run on the main thread'));
    this.repo = new LicensesRepository(deps.db);
    const filename = (deps.db.client.config as { connection?: { filename?: string } }).connection?.filename;
    if (isSqlite(deps.db) && filename && filename !== ':memory:') this.repo.readers = new SqliteReaders(filename, LicensesRepository.byPublicIds);
    this.products = deps.products.cache;
    this.counter = new ValidationCounter(this.repo, deps.clock, deps.logger, deps.flushIntervalMs);
  }

  /** The token of a license of `product`, signed by the active issuer key. */
  tokenOf(license: LicenseRow, product: Pick<Product, 'code'>): string {
    return licenseToken({ ...license, productCode: product.code }, this.deps.keys.active);
  }

  /**
   * Start a trial of product `productCode` on `machineId` for `email`:
   * expires after the product's trial_days. Audit row `license.trial_created`.
   * @throws AppError 400 INVALID_REQUEST (unknown product, details {product:'UNKNOWN'}); TrialExistsError (409)
   */
  async trial(input: { machineId: string; email: string; productCode: string; version: string }, from: Actor): Promise<IssuedLicense> {
    const product = await this.products.byCodeOf(input.productCode);
    if (!product) throw new AppError(400, ERR.INVALID_REQUEST, 'Unknown product', { product: 'UNKNOWN' });
    const existing = await this.repo.existingTrial(product.id, input.machineId, input.email);
    if (existing) throw new TrialExistsError(existing);
    const now = this.deps.clock.now();
    const issuedAt = wholeSeconds(now);
    const fields = {
      publicId: crypto.randomUUID(), productId: product.id, machineId: input.machineId, email: input.email, licenseType: 'trial' as const,
      issuedAt, expiresAt: new Date(issuedAt.getTime() + product.trialDays * DAY_MS), activationCodeId: null, appVersion: input.version, ip: from.ip ?? '',
    };
    let id: number;
    try {
      id = await this.deps.db.transaction(async (trx) => {
        const repo = this.repo.with(trx);
        const licenseId = await repo.insertLicense(fields, now);
        await repo.insertActivation(licenseId, input.machineId, 'trial', from.ip ?? '', now);
        await this.deps.audit.record(
          trx, from, 'license.trial_created', { type: 'license', id: licenseId },
          { product: product.code, days: product.trialDays, machine: input.machineId, email: input.email },
        );
        return licenseId;
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // A concurrent request created the trial first (partial unique indexes).
      const winner = await this.repo.existingTrial(product.id, input.machineId, input.email);
      if (winner) throw new TrialExistsError(winner);
      throw err;
    }
    const license: LicenseRow = { id, ...fields, state: 'active', stateReason: null, lastValidatedAt: null };
    return { license, product, token: this.tokenOf(license, product) };
  }

  /**
   * Use an activation code on `machineId`: one transaction marks the code
   * used (conditionally: a concurrent use loses), creates the paid license
   * (type and duration of the code's batch; lifetime never expires), records
   * the machine and the audit row `license.activated`.
   * `client` (the request's client API key, client-key.ts; default: anything goes) is checked against the code's product
   * before anything is written.
   * @throws NotFoundError INVALID_ACTIVATION_CODE (malformed, unknown, used, batch expired); ForbiddenError (the key is of
   *   another product); UnauthorizedError (no key, and the product needs one: CLIENT_KEY_REQUIRED_PRODUCTS)
   */
  async activate(input: { machineId: string; code: string; email: string; client?: ClientScope }, from: Actor): Promise<IssuedLicense> {
    const code = parseActivationCode(input.code);
    if (!code) throw invalidCode();
    const now = this.deps.clock.now();
    const found = await this.deps.codes.lookup(code);
    if (!found || found.usedAt || (found.batchExpiresAt && found.batchExpiresAt.getTime() <= now.getTime())) throw invalidCode();
    const product = await this.products.get(found.productId);
    if (!product) throw invalidCode();
    checkProduct(input.client ?? ANY_CLIENT, product.code);
    const issuedAt = wholeSeconds(now);
    // A key activated again after its machine was released keeps the expiry its last license had (a release is no free renewal).
    const earlier = await this.repo.lastOfCode(found.id);
    const fresh = found.durationDays === null || found.licenseType === 'lifetime' ? null : new Date(issuedAt.getTime() + found.durationDays * DAY_MS);
    const fields = {
      publicId: crypto.randomUUID(), productId: product.id, machineId: input.machineId, email: input.email, licenseType: found.licenseType,
      issuedAt, expiresAt: earlier ? earlier.expiresAt : fresh, activationCodeId: found.id, appVersion: '', ip: from.ip ?? '',
    };
    const id = await this.deps.db.transaction(async (trx) => {
      const repo = this.repo.with(trx);
      if (!(await this.deps.codes.use(trx, found.id, input.machineId, now))) throw invalidCode();
      const licenseId = await repo.insertLicense(fields, now);
      await this.deps.codes.link(trx, found.id, licenseId);
      await repo.insertActivation(licenseId, input.machineId, 'activation', from.ip ?? '', now);
      await this.deps.audit.record(
        trx, from, 'license.activated', { type: 'license', id: licenseId },
        { product: product.code, type: found.licenseType, code, machine: input.machineId, email: input.email },
      );
      return licenseId;
    });
    const license: LicenseRow = { id, ...fields, state: 'active', stateReason: null, lastValidatedAt: null };
    return { license, product, token: this.tokenOf(license, product) };
  }

  /** Signs answers on the crypto worker (sendSigned's `sign`). */
  readonly signer = (key: SigningKey, message: Uint8Array): Promise<Buffer> => this.crypto.sign(key, message);

  private readonly verify = (publicKey: Uint8Array, message: Uint8Array, sig: Uint8Array) => this.crypto.verify(publicKey, message, sig);

  /**
   * The license a token names, once its signature holds (kid trusted;
   * checked on the crypto worker), or null. Also returns the payload.
   */
  private async licenseOfToken(token: string): Promise<{ license: LicenseRow; product: Product; payload: LicensePayload } | null> {
    let payload: LicensePayload;
    try {
      payload = (await verifyLicenseTokenAsync(token, { trustedKey: this.deps.keys.trusted }, this.verify)).payload;
    } catch {
      return null;
    }
    if (typeof payload.license_id !== 'string' || payload.license_id.length > 36) return null;
    const license = await this.repo.byPublicId(payload.license_id);
    if (!license) return null;
    const product = await this.products.get(license.productId);
    if (!product || product.code !== payload.product) return null;
    return { license, product, payload };
  }

  /**
   * Validate `token` for `machineId` online, from the database row:
   * revoked → LICENSE_REVOKED; now > expires_at → LICENSE_EXPIRED (the
   * grace period is for offline clients only); another machine →
   * MACHINE_MISMATCH (max_activations 1) or, on a multi-machine product,
   * recorded as a new activation while there is room, else
   * TOO_MANY_ACTIVATIONS (a machine released from the license: MACHINE_MISMATCH). Suspended licenses are valid (is_active false).
   * Counted for the statistics (batched). Never throws for a bad token.
   * `client`: the request's client API key (client-key.ts; default: anything goes).
   * @throws ForbiddenError when the license is of another product than the client key's; UnauthorizedError when the
   *   request carries no key and the license's product needs one (CLIENT_KEY_REQUIRED_PRODUCTS); nothing counted or recorded
   */
  async validate(machineId: string, token: string, ip: string, client: ClientScope = ANY_CLIENT): Promise<Validation> {
    const found = await this.licenseOfToken(token);
    if (!found) {
      this.deps.observer?.validated(ERR.LICENSE_NOT_FOUND);
      return { valid: false, error: ERR.LICENSE_NOT_FOUND, license: null, product: null };
    }
    const { license, product, payload } = found;
    // The client API key (client-key.ts): checked before anything is counted or recorded.
    if (client !== ANY_CLIENT) checkProduct(client, product.code);
    const now = this.deps.clock.now();
    let error: RefusalCode | null = null;
    if (license.state === 'revoked') error = ERR.LICENSE_REVOKED;
    else if (license.expiresAt && now.getTime() > license.expiresAt.getTime()) error = ERR.LICENSE_EXPIRED;
    else if (machineId !== license.machineId) error = await this.otherMachine(license, product, machineId, ip, now);
    this.counter.count(product.id, license, now, error === null);
    this.deps.observer?.validated(error ?? 'valid');
    if (error) return { valid: false, error, license, product };
    const expires = license.expiresAt ? rfc3339(license.expiresAt) : null;
    return { valid: true, license, product, freshToken: expires === payload.expires_at ? null : this.tokenOf(license, product) };
  }

  /** A validation from a machine that is not the license's own: null when allowed (recorded if new). */
  private async otherMachine(license: LicenseRow, product: Product, machineId: string, ip: string, now: Date): Promise<RefusalCode | null> {
    if (product.maxActivations <= 1) return ERR.MACHINE_MISMATCH;
    if (await this.repo.hasActivation(license.id, machineId)) return null;
    try {
      return await this.deps.db.transaction(async (trx) => {
        const repo = this.repo.with(trx);
        await repo.byIdForUpdate(license.id);
        const machines = new Set(await repo.activationMachines(license.id));
        machines.add(license.machineId);
        if (machines.has(machineId)) return null;
        if (await repo.wasReleased(license.id, machineId)) return ERR.MACHINE_MISMATCH; // its customer gave its seat away
        if (machines.size >= product.maxActivations) return ERR.TOO_MANY_ACTIVATIONS;
        await repo.insertActivation(license.id, machineId, 'validation', ip, now);
        return null;
      });
    } catch (err) {
      if (isUniqueViolation(err)) return null; // the same machine, recorded by a concurrent request
      throw err;
    }
  }

  /**
   * Store a heartbeat of `machineId` (the license's machine or one of its
   * activations) for the license `token` names; returns its time. One per
   * license and machine per product heartbeat interval: the check and the
   * insert run under a lock of the license row, so two concurrent ones
   * cannot both pass.
   * A revoked or expired license stores nothing (the same rules as validate).
   * @throws NotFoundError LICENSE_NOT_FOUND; ForbiddenError (403) LICENSE_REVOKED, LICENSE_EXPIRED;
   *   RateLimitedError (retry_after = seconds left in the interval)
   */
  async heartbeat(input: { machineId: string; token: string; appVersion: string; osInfo: string }, ip: string): Promise<Date> {
    const found = await this.licenseOfToken(input.token);
    if (!found) throw licenseNotFound();
    const { license, product } = found;
    if (input.machineId !== license.machineId && !(await this.repo.hasActivation(license.id, input.machineId))) throw licenseNotFound();
    const now = this.deps.clock.now();
    if (license.state === 'revoked') throw new ForbiddenError('This license has been revoked', ERR.LICENSE_REVOKED);
    if (license.expiresAt && now.getTime() > license.expiresAt.getTime()) throw new ForbiddenError('This license has expired', ERR.LICENSE_EXPIRED);
    const intervalMs = product.heartbeatIntervalSeconds * 1000;
    await this.deps.db.transaction(async (trx) => {
      const repo = this.repo.with(trx);
      await repo.byIdForUpdate(license.id);
      const last = await repo.lastHeartbeat(license.id, input.machineId);
      if (last && now.getTime() - last.getTime() < intervalMs) {
        throw new RateLimitedError(Math.max(1, Math.ceil((last.getTime() + intervalMs - now.getTime()) / 1000)), 'One heartbeat per heartbeat interval');
      }
      await repo.insertHeartbeat({ licenseId: license.id, machineId: input.machineId, appVersion: input.appVersion, osInfo: input.osInfo, ip }, now);
    });
    return now;
  }

  /**
   * Revoke every license of `machineId` that is not revoked yet (reason
   * `reason`), each with its audit row `license.revoked`, in one transaction.
   * Returns how many were revoked (0: none left).
   */
  async revokeByMachine(machineId: string, from: Actor, reason = 'revoked through the API'): Promise<number> {
    const now = this.deps.clock.now();
    return this.deps.db.transaction(async (trx) => {
      const repo = this.repo.with(trx);
      let n = 0;
      for (const l of await repo.unrevokedOfMachine(machineId)) {
        if (!(await repo.transition(l.id, LICENSE_CHANGES.revoke.from, 'revoked', reason, now))) continue;
        await this.deps.audit.record(trx, from, 'license.revoked', { type: 'license', id: l.id }, { from: l.state, to: 'revoked', reason, context: 'reason' });
        n += 1;
      }
      return n;
    });
  }

  /**
   * In the caller's transaction `trx`: revoke licenses `ids` that are not revoked yet (an order refunded), each with
   * its audit row `license.revoked`; validations answer LICENSE_REVOKED from then on. Returns how many changed.
   */
  async revokeIn(trx: Db, ids: readonly number[], reason: string, actor: Actor): Promise<number> {
    const repo = this.repo.with(trx);
    const now = this.deps.clock.now();
    let n = 0;
    for (const id of ids) {
      const current = await repo.byIdForUpdate(id);
      if (!current || !(await repo.transition(id, LICENSE_CHANGES.revoke.from, 'revoked', reason, now))) continue;
      await this.deps.audit.record(trx, actor, 'license.revoked', { type: 'license', id }, { from: current.state, to: 'revoked', reason, context: 'reason' });
      n += 1;
    }
    return n;
  }

  /**
   * Release `machineId` from license `licenseId` (the customer's "release this device"), in `trx` or a transaction of its
   * own: the seat is free for another machine, and the released machine's next validate is refused. Two cases, because
   * validate compares licenses.machine_id with the caller's machine from the row it already read (no query on the hot
   * path) and a license never changes machine (its token and history name it):
   *
   * - another machine of a multi-machine product (a license_activations row recorded by validate): its row is deleted
   *   (the seat counts one less) and a license_releases row keeps it from taking a seat of this license again
   *   (validate answers MACHINE_MISMATCH);
   * - the license's own machine: the license is revoked (validate answers LICENSE_REVOKED on that machine, and on the
   *   other machines it had) and its activation code is made usable again (ActivationCodesService.reopen), so the customer
   *   enters the same key on the new computer; that activation creates a new license with the expiry of this one
   *   (activate). A license without a code (a trial) cannot be released this way.
   *
   * Audit `license.released`. @returns what happened, or null when the machine is not one of the license's, the
   * license is revoked or gone, or its own machine is asked for and it has no activation code.
   */
  async releaseActivation(trx: Db | null, licenseId: number, machineId: string, actor: Actor): Promise<'seat' | 'key' | null> {
    if (!trx) return this.deps.db.transaction((t) => this.releaseActivation(t, licenseId, machineId, actor));
    const repo = this.repo.with(trx);
    const license = await repo.byIdForUpdate(licenseId);
    if (!license || license.state === 'revoked') return null;
    const now = this.deps.clock.now();
    let done: 'seat' | 'key';
    if (machineId !== license.machineId) {
      if (!(await repo.deleteActivation(licenseId, machineId))) return null;
      done = 'seat';
    } else {
      const codeId = await repo.activationCodeOf(licenseId);
      if (codeId === null) return null;
      await repo.deleteActivation(licenseId, machineId);
      await repo.transition(licenseId, LICENSE_CHANGES.revoke.from, 'revoked', 'machine released by the customer', now);
      await this.deps.codes.reopen(trx, codeId);
      done = 'key';
    }
    await repo.insertRelease(licenseId, machineId, actor.id, now);
    await this.deps.audit.record(trx, actor, 'license.released', { type: 'license', id: licenseId }, { machine: machineId, released: done, context: done });
    return done;
  }

  /** How many machines were released since `since` from the licenses of activation batch `batchId` (an order's keys). */
  releasesOfBatchSince(trx: Db | null, batchId: number, since: Date): Promise<number> {
    return (trx ? this.repo.with(trx) : this.repo).releasesOfBatchSince(batchId, since);
  }

  /** How many machine releases each activation batch of `batchIds` had since `since`, by batch id (absent: none); one query. */
  releasesOfBatchesSince(batchIds: readonly number[], since: Date): Promise<Map<number, number>> {
    return this.repo.releasesOfBatchesSince(batchIds, since);
  }

  /**
   * An admin's state change of license `id` (revoke, suspend, reinstate:
   * LICENSE_CHANGES) with its audit row, from the row locked in the
   * transaction. @returns false when its current state does not allow the
   * change (someone changed it meanwhile) or it is gone.
   */
  async changeState(id: number, change: LicenseChange, reason: string | null, actor: Actor): Promise<boolean> {
    const { from, to, action } = LICENSE_CHANGES[change];
    return this.deps.db.transaction(async (trx) => {
      const repo = this.repo.with(trx);
      const current = await repo.byIdForUpdate(id);
      if (!current || !(from as readonly string[]).includes(current.state)) return false;
      if (!(await repo.transition(id, from, to, reason, this.deps.clock.now()))) return false;
      await this.deps.audit.record(
        trx, actor, action, { type: 'license', id },
        { from: current.state, to, reason: reason || null, context: reason ? 'reason' : null },
      );
      return true;
    });
  }

  /**
   * Move the expiry of license `id` (audit `license.extended`), computed from
   * the row locked in the transaction: two extensions at once add up instead
   * of one undoing the other. @returns the new expiry (whole seconds), or
   * null for a lifetime license or one that is gone.
   */
  async extend(id: number, change: ExpiryChange, reason: string, actor: Actor): Promise<Date | null> {
    return this.deps.db.transaction((trx) => this.extendIn(trx, id, change, reason, actor));
  }

  /** {@link extend} in the caller's transaction `trx` (a renewal paid: its order's licenses, in the payment's transaction). */
  async extendIn(trx: Db, id: number, change: ExpiryChange, reason: string, actor: Actor): Promise<Date | null> {
    const repo = this.repo.with(trx);
    const current = await repo.byIdForUpdate(id);
    if (!current?.expiresAt || current.licenseType === 'lifetime') return null;
    const now = this.deps.clock.now();
    const expiresAt = 'days' in change ? wholeSeconds(new Date(Math.max(current.expiresAt.getTime(), now.getTime()) + change.days * DAY_MS)) : change.until;
    if (!(await repo.setExpiry(id, expiresAt, now))) return null;
    const details = { before_at: current.expiresAt.toISOString(), after_at: expiresAt.toISOString(), reason };
    await this.deps.audit.record(trx, actor, 'license.extended', { type: 'license', id }, details);
    return expiresAt;
  }

  /** Write the validation statistics counted so far (also done every 10 s and on close). */
  flushStatistics(): Promise<void> {
    return this.counter.flush();
  }

  /** Stop the statistics timer and write what is left. */
  async close(): Promise<void> {
    await this.counter.close();
    await this.repo.readers?.close();
    await this.crypto.close();
  }
}
