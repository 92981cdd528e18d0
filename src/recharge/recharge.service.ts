/**
 * Recharges: a partner turns units of their balance into a key file for one
 * installation (shared/specs/keyfile-v1.md §Recharge key file).
 *
 * `prepare` checks everything and shows what will happen (no write);
 * `confirm` does it in ONE transaction — lock the partner, check state and
 * balance, claim or check the installation, take its next serial, seal the
 * key file with the active issuer key, store the bytes, debit the ledger,
 * audit — then copies the file to subscription/encrypted_keys/<id>.bin.
 * The confirmation carries an id chosen at `prepare`: submitting it twice
 * gives the same recharge, never two.
 */
import crypto from 'node:crypto';
import { AccountsRepository, type Account } from '../accounts/index.js';
import type { Actor, AuditService } from '../audit/index.js';
import { encodePayload, InstallationCodeError, MAX_UNITS, parseInstallationCode, rfc3339, sealKeyFile } from '../crypto/index.js';
import { ConflictError, ERR, NotFoundError, ValidationError } from '../errors/index.js';
import type { IssuerKeys } from '../keys/index.js';
import type { Clock } from '../platform/clock.js';
import { isUniqueViolation, type Db } from '../platform/db.js';
import type { KeyFileStore } from './keyfile-store.js';
import { LedgerRepository } from './ledger.repository.js';
import { RechargesRepository, type Recharge } from './recharges.repository.js';

export const PRODUCT = 'artisan_nd';

export interface RechargeInput {
  installationCode: string;
  customer: string;
  units: number;
  /** 1..365 days. */
  expiresInDays: number;
}

export interface RechargePreview extends RechargeInput {
  code: string;
  balance: number;
  balanceAfter: number;
  confirmId: string;
  newInstallation: boolean;
}

export interface RechargeDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  keys: IssuerKeys;
  store: KeyFileStore;
}

const CODE_ERRORS: Record<string, string> = {
  INSTALLATION_CODE_LENGTH: 'recharge.errors.code_length',
  INSTALLATION_CODE_CHARACTER: 'recharge.errors.code_character',
  INSTALLATION_CODE_PADDING: 'recharge.errors.code_checksum',
  INSTALLATION_CODE_CHECKSUM: 'recharge.errors.code_checksum',
};

/** A unique-key violation: PostgreSQL 23505, SQLite SQLITE_CONSTRAINT (UNIQUE). */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export class RechargeService {
  readonly repo: RechargesRepository;

  constructor(private readonly deps: RechargeDeps) {
    this.repo = new RechargesRepository(deps.db);
  }

  /** The compact code of a typed Installation Code. @throws ValidationError {installation_code} with the spec's reason in words. */
  parseCode(text: string): string {
    try {
      return parseInstallationCode(text).code;
    } catch (err) {
      if (err instanceof InstallationCodeError) throw new ValidationError({ installation_code: CODE_ERRORS[err.reason]! });
      throw err;
    }
  }

  /**
   * Check a request and describe it (the account state is read again from the database).
   * @throws ValidationError (field → i18n key); ConflictError ACCOUNT_SUSPENDED.
   */
  async prepare(partner: Account, input: RechargeInput): Promise<RechargePreview> {
    const code = this.parseCode(input.installationCode);
    const [balance, existing, current] = await Promise.all([
      new LedgerRepository(this.deps.db).balance(partner.id), this.repo.installationByCode(code), new AccountsRepository(this.deps.db).byId(partner.id),
    ]);
    this.check({ ...partner, state: current?.state ?? 'closed' }, existing?.partnerId, balance, input.units);
    return { ...input, code, balance, balanceAfter: balance - input.units, confirmId: crypto.randomUUID(), newInstallation: !existing };
  }

  /** @throws ConflictError ACCOUNT_SUSPENDED; ValidationError for another inactive state, a code owned by another partner, a balance too small. */
  private check(partner: Account, ownerId: number | undefined, balance: number, units: number): void {
    if (partner.state === 'suspended') throw new ConflictError('The partner account is suspended', ERR.ACCOUNT_SUSPENDED);
    if (partner.state !== 'active') throw new ValidationError({ form: 'recharge.errors.not_active' });
    if (ownerId !== undefined && ownerId !== partner.id) throw new ValidationError({ installation_code: 'recharge.errors.code_owned' });
    if (units > balance) throw new ValidationError({ units: 'recharge.errors.balance_low' });
  }

  /**
   * Create the recharge (see the module comment). Returns it; the same one again for a repeated `confirmId`.
   * The account state is re-read inside the transaction, its row locked: a partner suspended meanwhile gets
   * ConflictError ACCOUNT_SUSPENDED and nothing is written. @throws ValidationError, ConflictError.
   */
  async confirm(partner: Account, input: RechargeInput & { confirmId: string }, actor: Actor): Promise<Recharge> {
    if (!UUID.test(input.confirmId)) throw new ValidationError({ form: 'recharge.errors.confirm_invalid' });
    if (!Number.isInteger(input.units) || input.units < 1 || input.units > MAX_UNITS) throw new ValidationError({ units: 'recharge.errors.units_range' });
    const code = this.parseCode(input.installationCode);
    const file = await this.deps.db.transaction(async (trx) => {
      const ledger = new LedgerRepository(trx);
      const repo = new RechargesRepository(trx);
      await ledger.lockAccount(partner.id);
      const done = await repo.rechargeById(input.confirmId);
      if (done) {
        if (done.partnerId !== partner.id) throw new ConflictError('confirmation id already used', ERR.CONFIRMATION_USED);
        return null;
      }
      const current = await new AccountsRepository(trx).byId(partner.id);
      const installation = (await repo.installationByCode(code, true)) ?? null;
      const balance = await ledger.balance(partner.id);
      this.check({ ...partner, state: current?.state ?? 'closed' }, installation?.partnerId, balance, input.units);
      const now = this.deps.clock.now();
      const inst = installation ?? (await repo.insertInstallation(code, partner.id, input.customer, now).catch((err: unknown) => {
        // Another partner claimed this new installation in a concurrent transaction.
        if (isUniqueViolation(err)) throw new ValidationError({ installation_code: 'recharge.errors.code_owned' });
        throw err;
      }));
      const serial = inst.lastSerial + 1;
      const expiresAt = new Date(now.getTime() + input.expiresInDays * 86400_000);
      const issuer = this.deps.keys.active;
      const bytes = sealKeyFile({
        payload: encodePayload({ v: 1, typ: 'recharge', product: PRODUCT, installation: code, serial, units: input.units, issued_at: rfc3339(now), expires_at: rfc3339(expiresAt), partner: partner.publicRef ?? `ACC-${partner.id}`, id: input.confirmId }),
        issuer,
        installationPublicKey: parseInstallationCode(code).publicKey,
      });
      const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
      await repo.insertRecharge({ id: input.confirmId, partnerId: partner.id, installationId: inst.id, serial, units: input.units, kid: issuer.kid.toString('hex'), file: bytes, sha256, issuedAt: now, expiresAt });
      await repo.recordRecharge(inst.id, serial, input.units, input.customer, now);
      await ledger.append({ accountId: partner.id, kind: 'debit', units: input.units, reason: `recharge ${code.slice(0, 10)}… serial ${serial}`, reference: input.confirmId, actorId: actor.id, actorLabel: actor.email }, balance, now);
      await this.deps.audit.record(trx, actor, 'recharge.created', { type: 'recharge', id: input.confirmId }, { units: input.units, code, serial });
      return bytes;
    });
    if (file) await this.deps.store.write(input.confirmId, file);
    return (await this.repo.rechargeById(input.confirmId))!;
  }

  /** A recharge visible to `viewer` (its partner, or staff). @throws NotFoundError otherwise. */
  async visible(id: string, viewer: Account): Promise<Recharge> {
    const r = UUID.test(id) ? await this.repo.rechargeById(id) : null;
    const staff = viewer.role === 'admin' || viewer.role === 'superadmin' || viewer.role === 'support';
    if (!r || (r.partnerId !== viewer.id && !staff)) throw new NotFoundError('no such recharge');
    return r;
  }

  /** The key file bytes: the copy on disk, rebuilt from the database when missing or altered. */
  async keyFile(r: Recharge): Promise<Buffer> {
    return this.deps.store.read(r.id, r.sha256, async () => (await this.repo.fileOf(r.id))!);
  }

  /**
   * The key file handed out: marks it delivered (once) and returns its bytes
   * — or null when it was revoked (also when a revocation won a race with
   * this download). A file staff download has left the portal too, so it
   * counts as delivered (no revocation afterwards), and each staff download
   * writes an audit row `recharge.key_downloaded` in the same transaction.
   */
  async deliver(r: Recharge, staff?: Actor): Promise<Buffer | null> {
    if (r.state === 'revoked') return null;
    const issued = await this.deps.db.transaction(async (trx) => {
      const ids = await new RechargesRepository(trx).markDelivered([r.id], this.deps.clock.now());
      if (staff && ids.has(r.id)) await this.deps.audit.record(trx, staff, 'recharge.key_downloaded', { type: 'recharge', id: r.id }, { serial: r.serial, units: r.units });
      return ids;
    });
    return issued.has(r.id) ? this.keyFile(r) : null;
  }

  /**
   * The delivery API: issued key files of installation `code` after serial
   * `afterSerial` (at most `limit`, serial order), each marked delivered; a
   * file revoked between the read and the marking is left out.
   */
  async deliverAfter(code: string, afterSerial: number, limit: number): Promise<{ serial: number; id: string; file: Buffer }[]> {
    const files = await this.repo.filesAfter(code, afterSerial, limit);
    const issued = await this.repo.markDelivered(files.map((f) => f.id), this.deps.clock.now());
    return files.filter((f) => issued.has(f.id));
  }

  /**
   * Revoke a recharge that was never delivered, in ONE transaction: lock the
   * partner's account (same order as `confirm`) and the recharge row, mark it
   * revoked (who, when, why), credit its units back to the partner's ledger
   * (reference = recharge id), count it off the installation's totals, audit
   * `recharge.revoked`. Afterwards the copy on disk is renamed `<id>.bin.revoked`.
   * @throws NotFoundError; ConflictError ALREADY_REVOKED | ALREADY_DELIVERED.
   */
  async revoke(id: string, reason: string, actor: Actor): Promise<Recharge> {
    if (!UUID.test(id)) throw new NotFoundError('no such recharge');
    await this.deps.db.transaction(async (trx) => {
      const repo = new RechargesRepository(trx);
      const ledger = new LedgerRepository(trx);
      const before = await repo.rechargeById(id);
      if (!before) throw new NotFoundError('no such recharge');
      await ledger.lockAccount(before.partnerId);
      const r = (await repo.rechargeForUpdate(id))!;
      if (r.state === 'revoked') throw new ConflictError('Recharge already revoked', ERR.ALREADY_REVOKED);
      if (r.deliveredAt) throw new ConflictError('Recharge already delivered', ERR.ALREADY_DELIVERED);
      const now = this.deps.clock.now();
      if (!(await repo.markRevoked(id, reason, actor.id, now))) throw new ConflictError('Recharge already delivered', ERR.ALREADY_DELIVERED);
      await repo.unrecordRecharge(r.installationId, r.units, now);
      const balance = await ledger.balance(r.partnerId);
      await ledger.append({ accountId: r.partnerId, kind: 'credit', units: r.units, reason: `Revoked recharge ${id}: ${reason}`, reference: id, actorId: actor.id, actorLabel: actor.email }, balance, now);
      const owner = await new AccountsRepository(trx).byId(r.partnerId);
      await this.deps.audit.record(trx, actor, 'recharge.revoked', { type: 'recharge', id },
        { units: r.units, owner: owner?.email ?? `#${r.partnerId}`, code: `${r.installationCode.slice(0, 10)}…`, serial: r.serial, reason });
    });
    await this.deps.store.markRevoked(id);
    return (await this.repo.rechargeById(id))!;
  }
}
