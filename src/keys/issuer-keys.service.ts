/**
 * Issuer key rotation as /admin/keys and `npm run keys:rotate` ask for it:
 * the new key and the audit row `issuer_key.rotated` commit in one
 * transaction (IssuerKeys.rotate runs the audit write inside its own), and
 * one rotation at a time per instance. IssuerKeys stays the only writer of
 * `issuer_keys`; this service adds who asked and what they expected.
 */
import type { Actor, AuditService } from '../audit/index.js';
import { ConflictError, ERR } from '../errors/index.js';
import type { Db } from '../platform/db.js';
import type { IssuerKeyRow, IssuerKeys, Rotation } from './issuer-keys.js';
import { KeyUsageRepository } from './key-usage.repository.js';

export interface IssuerKeysServiceDeps {
  db: Db;
  keys: IssuerKeys;
  audit: AuditService;
}

/** A key as /admin/keys lists it: its row and how many key files it signed. */
export interface KeyListing extends IssuerKeyRow {
  files: number;
}

export class IssuerKeysService {
  private readonly usage: KeyUsageRepository;
  private rotating = false;

  constructor(private readonly deps: IssuerKeysServiceDeps) {
    this.usage = new KeyUsageRepository(deps.db);
  }

  /** False when ISSUER_KEY_FILE is set (the key changes by replacing that file). */
  get rotatable(): boolean {
    return this.deps.keys.rotatable;
  }

  /** The kid this instance signs with (16 hex). */
  get signingKid(): string {
    return this.deps.keys.active.kid.toString('hex');
  }

  /** Every key, newest first, re-read from the table (another instance may have rotated), with the key files each signed. */
  async list(): Promise<KeyListing[]> {
    await this.deps.keys.refresh();
    const signed = await this.usage.filesSignedPerKid();
    return [...this.deps.keys.list()].reverse().map((k) => ({ ...k, files: signed.get(k.kid) ?? 0 }));
  }

  /**
   * A new active key, the old one retired (it still verifies), with the audit
   * row of `actor`. `expected`: the kid the caller saw active; when it is not
   * the active one any more (another rotation came first, a form posted
   * twice) nothing changes.
   * @throws ConflictError ISSUER_KEY_CHANGED (that case, or a rotation already
   *   running on this instance); Error when ISSUER_KEY_FILE is set.
   */
  async rotate(actor: Actor, expected?: string): Promise<Rotation> {
    const changed = () => new ConflictError('the active issuer key changed meanwhile', ERR.ISSUER_KEY_CHANGED);
    if (this.rotating || (expected !== undefined && expected !== this.signingKid)) throw changed();
    this.rotating = true;
    let before = '';
    try {
      const after = await this.deps.keys.rotate(async (trx, r) => {
        // Another instance rotated since the caller looked: keep its key.
        if (expected !== undefined && r.before !== expected) throw changed();
        await this.deps.audit.record(trx, actor, 'issuer_key.rotated', { type: 'issuer_key', id: r.after }, { before: r.before, after: r.after });
        before = r.before;
      });
      return { before, after };
    } finally {
      this.rotating = false;
    }
  }
}
