/**
 * Client packages (the seed's "Gestion des Packages Clients"): for a client
 * (slug), a plan, an e-mail and a product, a new API key `sk_<plan>_<random>`
 * (api-key.ts) and a zip holding the product's current release, the key and
 * a README (package-zip.ts), written to `<dir>/<id>/<product>-client-<slug>.zip`
 * (0600, outside the repository's tracked files). Only the key's SHA-256 is
 * kept; the clear key is returned once to the caller (the admin page shows
 * it once, the CLI prints it) and is in the zip.
 *
 * Rules: one live key per client and product (a second package is a
 * regeneration); a regeneration issues a new key and zip and revokes the old
 * key at once or after a grace period (0..30 days); the zip is served for
 * `downloadDays` and deleted by the daily cleanup after `keepDays`; the key
 * stays valid until revoked. The one-live-key check (or the old key's
 * revocation, only while it is not revoked yet) and the insert run in one
 * transaction holding the client and product's write lock (lockedTransaction).
 * The zip is written to a temporary name (temp-zips.ts) and moved into its
 * folder after the row commits; a move that fails revokes the new key at once.
 * Audit rows: `client_package.created`, `client_package.regenerated`,
 * `client_package.revoked` (never the key).
 * This service is the only writer of `client_packages`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Actor, AuditService } from '../audit/index.js';
import { NotFoundError, ValidationError } from '../errors/index.js';
import type { Clock } from '../platform/clock.js';
import { lockedTransaction, type Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import { API_KEY, hashApiKey, newApiKey, SLUG } from './api-key.js';
import { readmeText } from './package-readme.js';
import { writePackageZip } from './package-zip.js';
import { removeTempZipsBefore, tempZipPath } from './temp-zips.js';
import { PackagesRepository, type ClientPackage, type PackageSearch } from './packages.repository.js';

const DAY_MS = 86_400_000;
/** Longest grace period of a regeneration, days. */
export const MAX_GRACE_DAYS = 30;
/** A client slug: like a plan slug, up to 64 characters. */
export const CLIENT_SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

export interface PackagesSettings {
  /** Where zips are written (files/packages). */
  dir: string;
  /** PORTAL_URL written in `.env` (BASE_URL). */
  portalUrl: string;
  /** The support contact named in the README. */
  supportEmail: string;
  /** Days the admin page serves a new zip (PACKAGE_DOWNLOAD_DAYS). */
  downloadDays: number;
  /** Days a zip is kept before the daily cleanup deletes it (PACKAGE_KEEP_DAYS). */
  keepDays: number;
}

/** A product's release file as a package takes it. */
export interface PackageRelease {
  version: string;
  filename: string;
  sha256: string;
  /** Absolute path of the file. */
  path: string;
}

export interface PackagesServiceDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  logger?: Logger;
  settings: PackagesSettings;
  /** The license server's products (code → name). */
  products: { byCode(code: string): Promise<{ code: string; name: string } | null> };
  /** The product's current published release, or null (src/downloads). */
  latestRelease(product: string): Promise<PackageRelease | null>;
}

/** What the admin form or the CLI asks for. */
export interface PackageRequest {
  client: string;
  plan: string;
  email: string;
  product: string;
}

/** Who a valid key belongs to (GET /api/v1/client/me, the license API's checks). */
export interface ClientKey {
  packageId: number;
  client: string;
  plan: string;
  email: string;
  product: string;
  createdAt: Date;
  /** When a scheduled revocation (grace period) refuses the key, or null. */
  revokesAt: Date | null;
}

const E = (k: string) => `admin-packages:errors.${k}`;
const REQUEST = z.object({
  client: z.string().trim().toLowerCase().regex(CLIENT_SLUG, E('client')),
  plan: z.string().trim().toLowerCase().regex(SLUG, E('plan')),
  email: z.string().trim().max(254, E('email')).pipe(z.email(E('email'))),
  product: z.string().trim().regex(/^[a-z0-9_-]{1,32}$/i, E('product')),
});

/** The checked request. @throws ValidationError (field → admin-packages:errors key) */
export function parsePackageRequest(input: Record<string, unknown>): PackageRequest {
  const r = REQUEST.safeParse(input);
  if (r.success) return r.data;
  const fields: Record<string, string> = {};
  for (const issue of r.error.issues) {
    const f = String(issue.path[0] ?? '');
    if (f && !fields[f]) fields[f] = issue.message.startsWith('admin-packages:') ? issue.message : E(f);
  }
  throw new ValidationError(fields);
}

/** Grace days of a regeneration: an integer 0..MAX_GRACE_DAYS. @throws ValidationError {grace_days} */
export function parseGraceDays(value: unknown): number {
  const s = typeof value === 'string' ? value.trim() : '';
  const n = /^\d{1,2}$/.test(s) ? Number(s) : NaN;
  if (!(n >= 0 && n <= MAX_GRACE_DAYS)) throw new ValidationError({ grace_days: E('grace_days') });
  return n;
}

export class PackagesService {
  private readonly repo: PackagesRepository;

  constructor(private readonly deps: PackagesServiceDeps) {
    this.repo = new PackagesRepository(deps.db);
  }

  get settings(): Readonly<PackagesSettings> {
    return this.deps.settings;
  }

  /**
   * A new package and key for `input` (parsePackageRequest first).
   * @throws ValidationError: malformed fields; product unknown (`product: unknown_product`), without a published
   *   release (`product: no_release`) or whose release file is missing or altered (`product: release_file`); the client
   *   already has a live key for it (`client: exists`)
   */
  async create(input: Record<string, unknown>, actor: Actor): Promise<{ pkg: ClientPackage; key: string }> {
    const req = parsePackageRequest(input);
    return this.issue(req, actor, null, 0);
  }

  /**
   * A new key and zip for package `id`'s client (same plan, e-mail, product; the product's current release);
   * the old key is revoked `graceDays` days from now (0: at once).
   * @throws NotFoundError (no such package); ValidationError (`grace_days`; `state: already_revoked` when the old
   *   key is already revoked or scheduled to be; the product's release gone)
   */
  async regenerate(id: number, graceDays: number, actor: Actor): Promise<{ pkg: ClientPackage; key: string }> {
    const old = await this.repo.byId(id);
    if (!old) throw new NotFoundError('No such client package');
    if (old.revokedAt) throw new ValidationError({ state: E('already_revoked') });
    const req = { client: old.clientSlug, plan: old.plan, email: old.email, product: old.productCode };
    if (!Number.isInteger(graceDays) || graceDays < 0 || graceDays > MAX_GRACE_DAYS) throw new ValidationError({ grace_days: E('grace_days') });
    return this.issue(req, actor, old, graceDays);
  }

  /** Revoke package `id`'s key now. Returns false when it was already refused. @throws NotFoundError */
  async revoke(id: number, actor: Actor): Promise<boolean> {
    const pkg = await this.repo.byId(id);
    if (!pkg) throw new NotFoundError('No such client package');
    const now = this.deps.clock.now();
    return this.deps.db.transaction(async (trx) => {
      if (!(await this.repo.with(trx).revokeAt(id, now))) return false;
      await this.deps.audit.record(trx, actor, 'client_package.revoked', { type: 'client_package', id },
        { client: pkg.clientSlug, product: pkg.productCode, key_hint: pkg.keyHint });
      return true;
    });
  }

  private async issue(req: PackageRequest, actor: Actor, old: ClientPackage | null, graceDays: number): Promise<{ pkg: ClientPackage; key: string }> {
    const { settings, clock } = this.deps;
    const product = await this.deps.products.byCode(req.product);
    if (!product) throw new ValidationError({ product: E('unknown_product') });
    const release = await this.deps.latestRelease(product.code);
    if (!release) throw new ValidationError({ product: E('no_release') });
    const now = clock.now();
    // A first look, to spare writing a zip for nothing; the transaction below decides.
    if (!old && (await this.repo.liveFor(req.client, product.code, now)).length) throw new ValidationError({ client: E('exists') });
    const key = newApiKey(req.plan);
    const zipName = `${product.code}-client-${req.client}.zip`;
    await fs.promises.mkdir(settings.dir, { recursive: true, mode: 0o700 });
    const tmp = tempZipPath(settings.dir);
    const debPackage = release.filename.split('_')[0] ?? product.code;
    const written = await writePackageZip(tmp, {
      debPath: release.path, debName: release.filename, debSha256: release.sha256, apiKey: key, portalUrl: settings.portalUrl, mtime: now,
      readme: readmeText({ productName: product.name, debPackage, debName: release.filename, version: release.version, clientSlug: req.client,
        portalUrl: settings.portalUrl, supportEmail: settings.supportEmail }),
    }).catch((err: unknown) => {
      // A release file gone from files/downloads or changed since it was published: the admin is told, nothing is written.
      this.deps.logger?.error({ err, release: release.filename }, 'client package not written: the release file cannot be read as published');
      throw new ValidationError({ product: E('release_file') });
    });
    const facts = { client: req.client, plan: req.plan, email: req.email, product: product.code, version: release.version, key_hint: key.slice(-4) };
    let id: number;
    try {
      // One live key per client and product: the check (or the old key's revocation) and the insert hold the write lock of
      // that client and product, so two creations or two regenerations at once cannot both pass.
      id = await lockedTransaction(this.deps.db, 'client_packages', `client_packages:${req.client}:${product.code}`, async (trx) => {
        const repo = this.repo.with(trx);
        const at = new Date(now.getTime() + graceDays * DAY_MS);
        if (old) {
          if (!(await repo.revokeLiveAt(old.id, at))) throw new ValidationError({ state: E('already_revoked') });
        } else if ((await repo.liveFor(req.client, product.code, now)).length) {
          throw new ValidationError({ client: E('exists') });
        }
        const newId = await repo.insert({
          clientSlug: req.client, plan: req.plan, email: req.email, productCode: product.code, keyHash: hashApiKey(key), keyHint: key.slice(-4),
          releaseVersion: release.version, releaseFilename: release.filename, zipName, zipBytes: written.bytes, zipSha256: written.sha256,
          downloadUntil: new Date(now.getTime() + settings.downloadDays * DAY_MS), replacesId: old?.id ?? null,
          createdById: actor.id, createdByEmail: actor.email,
        }, now);
        if (old) {
          await this.deps.audit.record(trx, actor, 'client_package.regenerated', { type: 'client_package', id: newId },
            { ...facts, old_id: old.id, old_key_hint: old.keyHint, grace_days: graceDays, revokes_at: at.toISOString() });
        } else {
          await this.deps.audit.record(trx, actor, 'client_package.created', { type: 'client_package', id: newId }, facts);
        }
        return newId;
      });
    } catch (err) {
      await fs.promises.rm(tmp, { force: true });
      throw err;
    }
    await this.place(id, tmp, zipName, actor, facts);
    this.deps.logger?.info({ package: id, client: req.client, product: product.code, bytes: written.bytes }, 'client package written');
    return { pkg: (await this.repo.byId(id))!, key };
  }

  /**
   * Move the committed package `id`'s zip from `tmp` to files/packages/<id>/<zipName>. When that fails (disk full, a
   * folder that cannot be written), the row's key is revoked at once (audit `client_package.revoked`, reason
   * `zip_not_written`) and the temporary zip (which holds the clear key) deleted: no live key without its zip.
   * @throws ValidationError {product: zip_failed}
   */
  private async place(id: number, tmp: string, zipName: string, actor: Actor, facts: Record<string, string>): Promise<void> {
    const folder = path.join(this.deps.settings.dir, String(id));
    try {
      await fs.promises.mkdir(folder, { recursive: true, mode: 0o700 });
      await fs.promises.rename(tmp, path.join(folder, zipName));
      return;
    } catch (err) {
      this.deps.logger?.error({ err, package: id }, 'client package zip not moved into place: its key is revoked');
    }
    await fs.promises.rm(tmp, { force: true }).catch((err: unknown) => this.deps.logger?.error({ err, tmp }, 'temporary client package zip not deleted'));
    await this.deps.db.transaction(async (trx) => {
      if (!(await this.repo.with(trx).revokeAt(id, this.deps.clock.now()))) return;
      await this.deps.audit.record(trx, actor, 'client_package.revoked', { type: 'client_package', id },
        { client: facts.client!, product: facts.product!, key_hint: facts.key_hint!, reason: 'zip_not_written' });
    });
    throw new ValidationError({ product: E('zip_failed') });
  }

  /** Who the key `key` belongs to while it is valid, else null (malformed, unknown, revoked). */
  async authenticate(key: string): Promise<ClientKey | null> {
    if (!API_KEY.test(key)) return null;
    const pkg = await this.repo.byKeyHash(hashApiKey(key));
    const now = this.deps.clock.now().getTime();
    if (!pkg || (pkg.revokedAt && pkg.revokedAt.getTime() <= now)) return null;
    return {
      packageId: pkg.id, client: pkg.clientSlug, plan: pkg.plan, email: pkg.email, product: pkg.productCode, createdAt: pkg.createdAt,
      revokesAt: pkg.revokedAt,
    };
  }

  byId(id: number): Promise<ClientPackage | null> {
    return this.repo.byId(id);
  }

  /** A page of packages matching `s` (newest first) and how many match. */
  async search(s: PackageSearch, offset: number, limit: number): Promise<{ rows: ClientPackage[]; total: number }> {
    const [rows, total] = await Promise.all([this.repo.search(s, offset, limit), this.repo.count(s)]);
    return { rows, total };
  }

  /** Whether package `pkg`'s zip may be downloaded now (not past its download window, not removed, on disk). */
  downloadable(pkg: ClientPackage): boolean {
    return !pkg.zipRemovedAt && this.deps.clock.now().getTime() < pkg.downloadUntil.getTime();
  }

  /** The zip of package `id` to serve. @throws NotFoundError (no package, window over, removed, missing on disk) */
  async zipOf(id: number): Promise<{ path: string; name: string; bytes: number }> {
    const pkg = await this.repo.byId(id);
    if (!pkg || !this.downloadable(pkg)) throw new NotFoundError('This package can no longer be downloaded');
    const file = path.join(this.deps.settings.dir, String(pkg.id), pkg.zipName);
    const stat = await fs.promises.stat(file).catch(() => null);
    if (!stat?.isFile()) throw new NotFoundError('This package is missing on disk');
    return { path: file, name: pkg.zipName, bytes: stat.size };
  }

  /**
   * The daily cleanup's step for zips whose row never committed or whose move failed: delete the temporary zips
   * (`.new-<uuid>.zip` and their partial copies) of files/packages last modified before `before` (an hour ago: a
   * package being written is never that old). Returns how many files went.
   */
  purgeTempZipsBefore(before: Date): Promise<number> {
    return removeTempZipsBefore(this.deps.settings.dir, before);
  }

  /**
   * The daily cleanup's step: delete the zips made before `before` (PACKAGE_KEEP_DAYS ago) and mark their rows;
   * keys and rows stay. Returns how many zips went.
   */
  async purgeZipsBefore(before: Date): Promise<number> {
    let removed = 0;
    for (;;) {
      const batch = await this.repo.zipsMadeBefore(before, 200);
      if (!batch.length) return removed;
      for (const pkg of batch) {
        await fs.promises.rm(path.join(this.deps.settings.dir, String(pkg.id)), { recursive: true, force: true });
        await this.repo.markZipRemoved(pkg.id, this.deps.clock.now());
        removed++;
      }
    }
  }
}
