/**
 * Issuer keys (shared/specs/keyfile-v1.md §Keys): Ed25519 key pairs that
 * sign key files and license tokens. The secret (the 32-byte seed, hex) lives
 * in `subscription/keys/<kid>.key` (folder 0700, file 0600) or in the file
 * named by ISSUER_KEY_FILE; the database knows only kid, public key and
 * status. Exactly one key is active (signs); retired keys still verify.
 * The secret never reaches a log, a page or the database.
 *
 * Several instances: each reads the keys at start; after `npm run
 * keys:rotate`, restart them so they all sign with the new key.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { signingKey, type SigningKey } from '../crypto/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import { toDate } from '../platform/time.js';

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

  /** Record `signer` as the one active key (others retired), in one transaction. */
  private async makeActive(signer: SigningKey): Promise<void> {
    const kid = signer.kid.toString('hex');
    const now = this.clock.now().toISOString();
    await this.db.transaction(async (trx) => {
      await trx('issuer_keys').where({ status: 'active' }).whereNot({ kid }).update({ status: 'retired', retired_at: now });
      const exists = await trx('issuer_keys').where({ kid }).first('id');
      if (exists) await trx('issuer_keys').where({ kid }).update({ status: 'active', retired_at: null });
      else await trx('issuer_keys').insert({ kid, public_key: signer.publicKey.toString('base64'), status: 'active', created_at: now });
    });
    this.activeKid = kid;
  }

  private async load(): Promise<IssuerKeyRow[]> {
    const rows = (await this.db('issuer_keys').orderBy('id')) as Record<string, unknown>[];
    this.rows = rows.map((r) => ({
      kid: String(r.kid),
      publicKey: Buffer.from(String(r.public_key), 'base64'),
      status: r.status === 'active' ? 'active' : 'retired',
      createdAt: toDate(r.created_at),
      retiredAt: r.retired_at ? toDate(r.retired_at) : null,
    }));
    return this.rows;
  }

  /** Make a new active key and retire the old one. Returns the new kid. */
  async rotate(): Promise<string> {
    if (this.keyFile) throw new Error('ISSUER_KEY_FILE is set: replace that file to change the key');
    const signer = this.createKeyFile();
    await this.makeActive(signer);
    await this.load();
    return signer.kid.toString('hex');
  }

  /** The active signing key. @throws Error before init(). */
  get active(): SigningKey {
    const signer = this.activeKid ? this.signers.get(this.activeKid) : undefined;
    if (!signer) throw new Error('no active issuer key (IssuerKeys.init not run)');
    return signer;
  }

  /** The public key of a trusted (active or retired) kid, or null. */
  trusted = (kidHex: string): Buffer | null => this.rows.find((r) => r.kid === kidHex)?.publicKey ?? null;

  /** Every known key, oldest first. */
  list(): readonly IssuerKeyRow[] {
    return this.rows;
  }
}

