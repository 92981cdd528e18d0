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
import { ConflictError, NotFoundError, ValidationError } from '../http/errors.js';
import type { IssuerKeys } from '../keys/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
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
function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || (e?.code === 'SQLITE_CONSTRAINT' && /UNIQUE/i.test(e.message ?? ''));
}

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

  /** Check a request and describe it. @throws ValidationError (field → i18n key). */
  async prepare(partner: Account, input: RechargeInput): Promise<RechargePreview> {
    const code = this.parseCode(input.installationCode);
    const [balance, existing] = await Promise.all([new LedgerRepository(this.deps.db).balance(partner.id), this.repo.installationByCode(code)]);
    this.check(partner, existing?.partnerId, balance, input.units);
    return { ...input, code, balance, balanceAfter: balance - input.units, confirmId: crypto.randomUUID(), newInstallation: !existing };
  }

  private check(partner: Account, ownerId: number | undefined, balance: number, units: number): void {
    if (partner.state !== 'active') throw new ValidationError({ form: 'recharge.errors.not_active' });
    if (ownerId !== undefined && ownerId !== partner.id) throw new ValidationError({ installation_code: 'recharge.errors.code_owned' });
    if (units > balance) throw new ValidationError({ units: 'recharge.errors.balance_low' });
  }

  /** Create the recharge (see the module comment). Returns it; the same one again for a repeated `confirmId`. */
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
        if (done.partnerId !== partner.id) throw new ConflictError('confirmation id already used', 'CONFIRMATION_USED');
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
      await this.deps.audit.record(actor, 'recharge.created', { type: 'recharge', id: input.confirmId }, `${input.units} units, installation ${code}, serial ${serial}`, trx);
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
}
