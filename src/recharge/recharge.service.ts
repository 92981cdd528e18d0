/**
 * Recharges: a partner turns units of their balance into a key file for one
 * installation (subscription/keyfile-v1.md §Recharge key file).
 *
 * `prepare` checks everything and shows what will happen (no write);
 * `confirm` does it in ONE transaction — lock the partner, check state and
 * balance, claim or check the installation, take its next serial, seal the
 * key file with the active issuer key, store the bytes, debit the ledger,
 * audit — then copies the file to subscription/encrypted_keys/<id>.bin.
 * The confirmation carries an id chosen at `prepare`: submitting it twice
 * gives the same recharge, never two. A second recharge of the same
 * installation by the same partner within REPEAT_WINDOW_SECONDS needs an
 * explicit `again` (a browser's Back, or a slip, must not debit twice).
 *
 * Each recharge keeps the customer label it was made for; a partner's reads
 * (`list`, `installationsOf`, `unitsPerMonth`) cover their own recharges only.
 * Key files leave the portal through `deliver` (a download) or `deliverAfter`
 * (the API, to an installation that proved it holds its key): both mark them
 * delivered, after which they can no longer be revoked.
 */
import crypto from 'node:crypto';
import { AccountsRepository, type Account } from '../accounts/index.js';
import type { Actor, AuditService } from '../audit/index.js';
import { encodePayload, InstallationCodeError, MAX_UNITS, parseInstallationCode, rfc3339, sealKeyFile } from '../crypto/index.js';
import { ConflictError, ERR, NotFoundError, UnauthorizedError, ValidationError } from '../errors/index.js';
import type { IssuerKeys } from '../keys/index.js';
import type { Clock } from '../platform/clock.js';
import { isUniqueViolation, type Db } from '../platform/db.js';
import { InstallationProofs } from './installation-proof.js';
import type { KeyFileStore } from './keyfile-store.js';
import { LedgerRepository } from './ledger.repository.js';
import { RechargesRepository, type PartnerInstallation, type Recharge, type RechargeFilter } from './recharges.repository.js';

export const PRODUCT = 'artisan_nd';
/** A recharge of the same installation by the same partner within this many seconds needs an explicit `again`. */
export const REPEAT_WINDOW_SECONDS = 600;

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
  /** The server secret the installation proofs of the key-file API are derived from (SESSION_SECRET). */
  proofSecret: string;
  /**
   * Why the partner may not recharge now (the billing component's subscription gate: a state such as `suspended`),
   * or null; read inside the confirming transaction, under the partner's ledger lock. Absent: no gate.
   */
  gate?: (trx: Db, accountId: number) => Promise<string | null>;
  /** Told of every key file sealed, after its commit (the app's metrics). */
  observer?: RechargeObserver;
}

/** Told of each key file a confirmed recharge sealed; must not throw. */
export interface RechargeObserver {
  sealed(units: number): void;
}

interface SealedFile {
  bytes: Buffer;
  sha256: string;
  kid: string;
}

/** A confirmation: the typed request, its one-time id, and `again` when the partner said "yes, again". */
export interface RechargeConfirmation extends RechargeInput {
  confirmId: string;
  again?: boolean;
}

const CODE_ERRORS: Record<string, string> = {
  INSTALLATION_CODE_LENGTH: 'recharge.errors.code_length',
  INSTALLATION_CODE_CHARACTER: 'recharge.errors.code_character',
  INSTALLATION_CODE_PADDING: 'recharge.errors.code_checksum',
  INSTALLATION_CODE_CHECKSUM: 'recharge.errors.code_checksum',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export class RechargeService {
  private readonly recharges: RechargesRepository;
  private readonly proofs: InstallationProofs;

  constructor(private readonly deps: RechargeDeps) {
    this.recharges = new RechargesRepository(deps.db);
    this.proofs = new InstallationProofs(deps.proofSecret);
  }

  /** A page of recharges (newest first) and the total; `filter.partnerId` limits them to one partner's. */
  list(filter: RechargeFilter, limit: number, offset: number): Promise<{ rows: Recharge[]; total: number }> {
    return this.recharges.list(filter, limit, offset);
  }

  /** The installations a partner recharged, with their own recharges only (label, count, units), most units first. */
  installationsOf(partnerId: number): Promise<PartnerInstallation[]> {
    return this.recharges.installationsOf(partnerId);
  }

  /** Units of a partner's issued recharges per UTC month (YYYY-MM) since `from`. */
  unitsPerMonth(partnerId: number, from: Date): Promise<Map<string, number>> {
    return this.recharges.unitsPerMonth(partnerId, from);
  }

  /** The partner's own recharge with this id, or null (none, or another partner's). */
  async ownRecharge(id: string, partnerId: number): Promise<Recharge | null> {
    const r = UUID.test(id) ? await this.recharges.rechargeById(id) : null;
    return r && r.partnerId === partnerId ? r : null;
  }

  /** The partner's latest issued recharge of installation `code` within REPEAT_WINDOW_SECONDS of now, or null. */
  recentRecharge(partnerId: number, code: string): Promise<Recharge | null> {
    return this.recharges.latestSince(partnerId, code, new Date(this.deps.clock.now().getTime() - REPEAT_WINDOW_SECONDS * 1000));
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
      new LedgerRepository(this.deps.db).balance(partner.id), this.recharges.installationByCode(code), new AccountsRepository(this.deps.db).byId(partner.id),
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
   * ConflictError ACCOUNT_SUSPENDED and nothing is written. Without `again`, a recharge of the same installation
   * by this partner within REPEAT_WINDOW_SECONDS is refused: ConflictError RECHARGE_REPEATED (details: { previous: id }).
   * A subscription that does not allow recharging (deps.gate, read under the same lock) gives ConflictError
   * SUBSCRIPTION_INACTIVE (details: { reason }), nothing written.
   * @throws ValidationError, ConflictError.
   */
  async confirm(partner: Account, input: RechargeConfirmation, actor: Actor): Promise<Recharge> {
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
      const gated = this.deps.gate ? await this.deps.gate(trx, partner.id) : null;
      if (gated) throw new ConflictError('The subscription does not allow recharging', ERR.SUBSCRIPTION_INACTIVE, { reason: gated });
      const current = await new AccountsRepository(trx).byId(partner.id);
      const installation = (await repo.installationByCode(code, true)) ?? null;
      const balance = await ledger.balance(partner.id);
      this.check({ ...partner, state: current?.state ?? 'closed' }, installation?.partnerId, balance, input.units);
      const now = this.deps.clock.now();
      // Read under the partner's lock: two confirmations for the same installation cannot both miss each other.
      const previous = input.again ? null : await repo.latestSince(partner.id, code, new Date(now.getTime() - REPEAT_WINDOW_SECONDS * 1000));
      if (previous) throw new ConflictError('This installation was recharged moments ago', ERR.RECHARGE_REPEATED, { previous: previous.id });
      const inst = installation ?? (await repo.insertInstallation(code, partner.id, input.customer, now).catch((err: unknown) => {
        // Another partner claimed this new installation in a concurrent transaction.
        if (isUniqueViolation(err)) throw new ValidationError({ installation_code: 'recharge.errors.code_owned' });
        throw err;
      }));
      const serial = inst.lastSerial + 1;
      const expiresAt = new Date(now.getTime() + input.expiresInDays * 86400_000);
      const { bytes, sha256, kid } = this.seal(partner, code, serial, input, now, expiresAt);
      await repo.insertRecharge({
        id: input.confirmId, partnerId: partner.id, installationId: inst.id, customer: input.customer, serial, units: input.units,
        kid, file: bytes, sha256, issuedAt: now, expiresAt,
      });
      await repo.recordRecharge(inst.id, serial, input.units, input.customer, now);
      await ledger.append(
        {
          accountId: partner.id, kind: 'debit', units: input.units, reason: `recharge ${code.slice(0, 10)}… serial ${serial}`,
          reasonCode: { code: 'recharge', params: { code: code.slice(0, 10), serial } },
          reference: input.confirmId, actorId: actor.id, actorLabel: actor.email,
        },
        balance, now,
      );
      await this.deps.audit.record(trx, actor, 'recharge.created', { type: 'recharge', id: input.confirmId }, { units: input.units, code, serial });
      return bytes;
    });
    if (file) {
      this.deps.observer?.sealed(input.units);
      await this.deps.store.write(input.confirmId, file);
    }
    return (await this.recharges.rechargeById(input.confirmId))!;
  }

  /** A recharge's key file, signed with the active issuer key and sealed to the installation; its SHA-256 (hex), the issuer's kid. */
  private seal(partner: Account, code: string, serial: number, input: RechargeConfirmation, now: Date, expiresAt: Date): SealedFile {
    const issuer = this.deps.keys.active;
    const payload = encodePayload({
      v: 1, typ: 'recharge', product: PRODUCT, installation: code, serial, units: input.units, issued_at: rfc3339(now), expires_at: rfc3339(expiresAt),
      partner: partner.publicRef ?? `ACC-${partner.id}`, id: input.confirmId,
    });
    const bytes = sealKeyFile({ payload, issuer, installationPublicKey: parseInstallationCode(code).publicKey });
    return { bytes, sha256: crypto.createHash('sha256').update(bytes).digest('hex'), kid: issuer.kid.toString('hex') };
  }

  /** A recharge visible to `viewer` (its partner, or staff). @throws NotFoundError otherwise. */
  async visible(id: string, viewer: Account): Promise<Recharge> {
    const r = UUID.test(id) ? await this.recharges.rechargeById(id) : null;
    const staff = viewer.role === 'admin' || viewer.role === 'superadmin' || viewer.role === 'support';
    if (!r || (r.partnerId !== viewer.id && !staff)) throw new NotFoundError('no such recharge');
    return r;
  }

  /** The key file bytes: the copy on disk, rebuilt from the database when missing or altered. */
  async keyFile(r: Recharge): Promise<Buffer> {
    return this.deps.store.read(r.id, r.sha256, async () => (await this.recharges.fileOf(r.id))!);
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
      if (staff && ids.has(r.id)) {
        await this.deps.audit.record(trx, staff, 'recharge.key_downloaded', { type: 'recharge', id: r.id }, { serial: r.serial, units: r.units });
      }
      return ids;
    });
    return issued.has(r.id) ? this.keyFile(r) : null;
  }

  /** A challenge for installation `code` (compact) and when its proof expires; see installation-proof.ts. */
  challenge(code: string): { challenge: Buffer; expiresAt: Date } {
    return this.proofs.issue(code, this.deps.clock.now());
  }

  /**
   * The delivery API: issued key files of installation `code` after serial
   * `afterSerial` (at most `limit`, serial order), for a caller that proved it
   * holds the installation's key (`proof`: the opened challenge). Each file
   * served is marked delivered; one revoked between the read and the marking is left out.
   * @throws UnauthorizedError INSTALLATION_PROOF_REQUIRED (no proof) or INSTALLATION_PROOF_INVALID
   *   (not for this installation, forged or expired); nothing is read or marked then.
   */
  async deliverAfter(code: string, afterSerial: number, limit: number, proof: Buffer | null): Promise<{ serial: number; id: string; file: Buffer }[]> {
    if (!proof) {
      const message = 'Ask POST /api/v1/installations/{code}/challenge and send the opened challenge in X-Installation-Proof';
      throw new UnauthorizedError(message, ERR.INSTALLATION_PROOF_REQUIRED);
    }
    if (!this.proofs.verify(code, proof, this.deps.clock.now())) {
      throw new UnauthorizedError('Not the opened challenge of this installation, or expired: ask a new challenge', ERR.INSTALLATION_PROOF_INVALID);
    }
    const files = await this.recharges.filesAfter(code, afterSerial, limit);
    const issued = await this.recharges.markDelivered(files.map((f) => f.id), this.deps.clock.now());
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
      await ledger.append(
        {
          accountId: r.partnerId, kind: 'credit', units: r.units, reason: `Revoked recharge ${id}: ${reason}`, reference: id,
          reasonCode: { code: 'revocation', params: { recharge: id, reason } }, actorId: actor.id, actorLabel: actor.email,
        },
        balance, now,
      );
      const owner = await new AccountsRepository(trx).byId(r.partnerId);
      await this.deps.audit.record(trx, actor, 'recharge.revoked', { type: 'recharge', id },
        { units: r.units, owner: owner?.email ?? `#${r.partnerId}`, code: `${r.installationCode.slice(0, 10)}…`, serial: r.serial, reason });
    });
    await this.deps.store.markRevoked(id);
    return (await this.recharges.rechargeById(id))!;
  }
}
