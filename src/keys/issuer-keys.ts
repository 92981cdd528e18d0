/**
 * Issuer keys (subscription/keyfile-v1.md §Keys): Ed25519 key pairs that
 * sign key files and license tokens. The secret (the 32-byte seed, hex) lives
 * in `subscription/keys/<kid>.key` (folder 0700, file 0600) or in the file
 * named by ISSUER_KEY_FILE; the database knows only kid, public key and
 * status. Exactly one key is active (signs); retired keys still verify.
 * The secret never reaches a log, a page or the database.
 *
 * Several instances: the instance that rotates (`rotate()`, from the CLI or
 * /admin/keys) signs with the new key at once. The others notice within
 * REFRESH_MS: `refreshIfStale()` (run by every use of `active` and by
 * keys.json) re-reads the table; a new active kid whose key file is in the
 * keys folder (shared by the instances of one host) becomes their signing
 * key, and a kid they cannot sign with is still trusted (keys.json lists it,
 * key files signed with it verify). Instances on other hosts keep signing
 * with their (now retired, still trusted) key until their folder receives
 * the new key file and they restart.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { signingKey, type SigningKey } from '../crypto/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import { toDate } from '../platform/time.js';

/** How often (ms, monotonic time) a running instance re-reads the issuer keys table. */
export const REFRESH_MS = 30_000;

/** What `rotate()` changed: the kid that was active and the new active kid (16 hex each). */
export interface Rotation {
  before: string;
  after: string;
}

export interface IssuerKeyRow {
  kid: string;
  publicKey: Buffer;
  status: 'active' | 'retired';
  createdAt: Date;
  retiredAt: Date | null;
}

function readSeed(file: string): Buffer {
  const text = fs.readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/i.test(text)) throw new Error(`${file}: an issuer key file holds 64 hex characters (the Ed25519 seed)`);
  return Buffer.from(text, 'hex');
}

export class IssuerKeys {
  private rows: IssuerKeyRow[] = [];
  private signers = new Map<string, SigningKey>();
  private activeKid: string | null = null;
  private checkedAt = performance.now();
  /** Bumped by rotate(), so a refresh that read the table before it does not undo it. */
  private generation = 0;
  private refreshing: Promise<void> | null = null;

  constructor(private readonly db: Db, private readonly clock: Clock, private readonly keysDir: string, private readonly keyFile?: string) {}

  /** Read the key files, create the first key when there is none, sync the database. */
  async init(): Promise<void> {
    if (this.keyFile) {
      const signer = signingKey(readSeed(this.keyFile));
      this.signers.set(signer.kid.toString('hex'), signer);
      await this.makeActive(signer);
    } else {
      this.readFolder();
      const active = (await this.load()).find((r) => r.status === 'active' && this.signers.has(r.kid));
      if (active) this.activeKid = active.kid;
      else await this.makeActive(this.signers.values().next().value ?? this.createKeyFile());
    }
    await this.load();
  }

  private readFolder(): void {
    fs.mkdirSync(this.keysDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(this.keysDir, 0o700);
    for (const f of fs.readdirSync(this.keysDir).filter((n) => n.endsWith('.key')).sort()) {
      const signer = signingKey(readSeed(path.join(this.keysDir, f)));
      this.signers.set(signer.kid.toString('hex'), signer);
    }
  }

  private createKeyFile(): SigningKey {
    const seed = crypto.randomBytes(32);
    const signer = signingKey(seed);
    fs.mkdirSync(this.keysDir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(this.keysDir, `${signer.kid.toString('hex')}.key`), `${seed.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    this.signers.set(signer.kid.toString('hex'), signer);
    return signer;
  }

  /**
   * Record `signer` as the one active key (others retired), in one
   * transaction; `within` runs in that transaction (an audit row commits
   * with the change) and receives the kid that was active before ('' if none).
   */
  private async makeActive(signer: SigningKey, within?: (trx: Db, before: string) => Promise<void>): Promise<void> {
    const kid = signer.kid.toString('hex');
    const now = this.clock.now().toISOString();
    await this.db.transaction(async (trx) => {
      const previous = (await trx('issuer_keys').where({ status: 'active' }).first('kid')) as { kid: string } | undefined;
      await trx('issuer_keys').where({ status: 'active' }).whereNot({ kid }).update({ status: 'retired', retired_at: now });
      const exists = await trx('issuer_keys').where({ kid }).first('id');
      if (exists) await trx('issuer_keys').where({ kid }).update({ status: 'active', retired_at: null });
      else await trx('issuer_keys').insert({ kid, public_key: signer.publicKey.toString('base64'), status: 'active', created_at: now });
      if (within) await within(trx, previous?.kid ?? '');
    });
    this.activeKid = kid;
  }

  private async load(): Promise<IssuerKeyRow[]> {
    this.rows = await this.read();
    return this.rows;
  }

  private async read(): Promise<IssuerKeyRow[]> {
    const rows = (await this.db('issuer_keys').orderBy('id')) as Record<string, unknown>[];
    return rows.map((r) => ({
      kid: String(r.kid),
      publicKey: Buffer.from(String(r.public_key), 'base64'),
      status: r.status === 'active' ? 'active' : 'retired',
      createdAt: toDate(r.created_at),
      retiredAt: r.retired_at ? toDate(r.retired_at) : null,
    }));
  }

  /** False when ISSUER_KEY_FILE is set (the key changes by replacing that file, not by rotate()). */
  get rotatable(): boolean {
    return !this.keyFile;
  }

  /**
   * Make a new active key and retire the old one; this instance signs with
   * the new key from now on. `within(trx, rotation)` runs inside the
   * database transaction (e.g. to write the audit row with the change); if
   * it throws, nothing changes and the new key file is removed.
   * Returns the new kid (16 hex).
   * @throws Error when ISSUER_KEY_FILE is set (see `rotatable`).
   */
  async rotate(within?: (trx: Db, rotation: Rotation) => Promise<void>): Promise<string> {
    if (this.keyFile) throw new Error('ISSUER_KEY_FILE is set: replace that file to change the key');
    const signer = this.createKeyFile();
    const kid = signer.kid.toString('hex');
    const before = this.activeKid;
    this.generation += 1;
    try {
      await this.makeActive(signer, within ? (trx, previous) => within(trx, { before: previous, after: kid }) : undefined);
    } catch (err) {
      this.signers.delete(kid);
      this.activeKid = before;
      fs.rmSync(path.join(this.keysDir, `${kid}.key`), { force: true });
      throw err;
    }
    this.generation += 1;
    await this.load();
    this.checkedAt = performance.now();
    return kid;
  }

  /**
   * Re-read the table (another instance may have rotated): the trusted list
   * follows it, and a new active kid whose key file is in the keys folder
   * becomes the signing key. A kid without a readable key file is trusted
   * but not used to sign. Never throws (a failed read keeps what is known).
   */
  async refresh(): Promise<void> {
    this.checkedAt = performance.now();
    const generation = this.generation;
    try {
      const rows = await this.read();
      if (generation !== this.generation) return;
      this.rows = rows;
      const active = rows.find((r) => r.status === 'active');
      if (!active || active.kid === this.activeKid || this.keyFile) return;
      if (!this.signers.has(active.kid)) {
        const file = path.join(this.keysDir, `${active.kid}.key`);
        if (!/^[0-9a-f]{16}$/.test(active.kid) || !fs.existsSync(file)) return;
        const signer = signingKey(readSeed(file));
        if (signer.kid.toString('hex') !== active.kid) return;
        this.signers.set(active.kid, signer);
      }
      this.activeKid = active.kid;
    } catch {
      // The database or the folder could not be read: keep signing with the key we have.
    }
  }

  /** `refresh()` when the last read is older than REFRESH_MS; one at a time. */
  refreshIfStale(): Promise<void> {
    if (this.refreshing) return this.refreshing;
    if (performance.now() - this.checkedAt < REFRESH_MS) return Promise.resolve();
    this.refreshing = this.refresh().finally(() => { this.refreshing = null; });
    return this.refreshing;
  }

  /**
   * The active signing key (what this instance signs with). Starts a
   * background `refreshIfStale()`, so a rotation made by another instance is
   * used from a later call on. @throws Error before init().
   */
  get active(): SigningKey {
    const signer = this.activeKid ? this.signers.get(this.activeKid) : undefined;
    if (!signer) throw new Error('no active issuer key (IssuerKeys.init not run)');
    void this.refreshIfStale();
    return signer;
  }

  /** The public key of a trusted (active or retired) kid, or null. */
  trusted = (kidHex: string): Buffer | null => this.rows.find((r) => r.kid === kidHex)?.publicKey ?? null;

  /** Every known key, oldest first. */
  list(): readonly IssuerKeyRow[] {
    return this.rows;
  }
}

