/**
 * What an admin does to releases: upload a .deb, edit its changelog,
 * publish / unpublish it, mark it latest, delete an unpublished one. Each
 * change is one transaction with its audit row, and clears the public page
 * cache so /download shows it at once.
 *
 * Upload, nothing half-written: the temporary file is checked (a real Debian
 * package, see src/downloads/deb-package.ts) and hashed, the row is inserted
 * (unpublished, not latest), the audit row written, and only then, still
 * inside the transaction, the file is hard-linked to
 * files/downloads/<package>_<version>_<arch>.deb — a link never replaces an
 * existing file, and is atomic (across filesystems: a copy beside the target,
 * then the link, see `link`). When the link fails the
 * transaction rolls back; when the commit fails the link is removed. The
 * caller deletes the temporary file in every case.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Actor } from '../../audit/index.js';
import { compareDebianVersions, debFilename, DebError, productOf, readDebInfo, type Release, type ReleasesRepository } from '../../downloads/index.js';
import { ConflictError, ERR, NotFoundError, ValidationError } from '../../errors/index.js';
import type { AdminDeps } from '../context.js';
import { isUniqueViolation } from '../../platform/db.js';

const CHANNEL = 'stable';

/** SHA-256 (hex) and size (bytes) of a file, streamed. */
async function hashFile(file: string): Promise<{ sha256: string; size: number }> {
  const hash = crypto.createHash('sha256');
  let size = 0;
  for await (const chunk of fs.createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}


/** A form error on the file field, as a 409 (the release exists already). */
function duplicate(key: string, params: Record<string, string>): ConflictError {
  return new ConflictError('release exists', ERR.RELEASE_EXISTS, { field: 'deb', key, params });
}

/** What publishing a release would do to its product's latest (ReleasesAdminService.publishPlan). */
export interface PublishPlan {
  /** The release /download/latest serves now, or null. */
  served: Release | null;
  /** Whether the published release would become the latest (newer than `served`, or nothing served). */
  becomesLatest: boolean;
}

function planOf(release: Release, served: Release | null): PublishPlan {
  return { served, becomesLatest: !served || compareDebianVersions(release.version, served.version) > 0 };
}

export class ReleasesAdminService {
  constructor(private readonly deps: AdminDeps) {}

  private get repo() {
    return this.deps.downloads.releases;
  }

  /** @throws NotFoundError */
  async get(id: number): Promise<Release> {
    const release = Number.isSafeInteger(id) ? await this.repo.byId(id) : null;
    if (!release) throw new NotFoundError('no such release');
    return release;
  }

  /**
   * Register the package in `tmpFile` as a new unpublished release and move
   * it into files/downloads/.
   * @throws ValidationError `{deb: key}` when it is not an acceptable package;
   *   ConflictError (details `{field, key, params}`) when its version or file exists.
   */
  async upload(tmpFile: string, changelog: string, actor: Actor): Promise<Release> {
    const { db, clock, audit, config } = this.deps;
    let info;
    try {
      info = await readDebInfo(tmpFile);
    } catch (err) {
      if (err instanceof DebError) throw new ValidationError({ deb: `admin-releases:errors.deb.${err.code}` }, err.message);
      throw err;
    }
    const { sha256, size } = await hashFile(tmpFile);
    const filename = debFilename(info);
    const product = productOf(info.package);
    const target = path.join(config.paths.downloads, filename);
    await fs.promises.mkdir(config.paths.downloads, { recursive: true });
    let linked = false;
    try {
      const release = await db.transaction(async (trx) => {
        const repo = this.repo.with(trx);
        if (await repo.findVersion(product, CHANNEL, info.version)) {
          throw duplicate('admin-releases:errors.duplicate_version', { version: info.version, product });
        }
        if (await repo.findByFilename(filename)) throw duplicate('admin-releases:errors.duplicate_file', { filename });
        const now = clock.now();
        const created = await repo.insert(
          { product, version: info.version, channel: CHANNEL, filename, sizeBytes: size, sha256, changelog, publishedAt: null, isLatest: false },
          now,
        );
        await audit.record(trx, actor, 'release.uploaded', { type: 'release', id: created.id }, { filename, size, sha256 });
        await this.link(tmpFile, target, filename);
        linked = true;
        return created;
      });
      this.deps.pageCache.clear();
      return release;
    } catch (err) {
      if (linked) await fs.promises.rm(target, { force: true });
      if (isUniqueViolation(err)) throw duplicate('admin-releases:errors.duplicate_version', { version: info.version, product });
      throw err;
    }
  }

  /**
   * Hard-link (never replace) the checked file into files/downloads/. When
   * files/downloads/ is another filesystem (its own mount), the file is
   * copied to a hidden `.<name>.<random>.part` beside the target first and
   * linked from there, so the target name only ever shows a whole file and
   * a failed copy leaves nothing behind.
   */
  private async link(tmpFile: string, target: string, filename: string): Promise<void> {
    const exists = () => duplicate('admin-releases:errors.file_exists', { filename });
    try {
      await fs.promises.link(tmpFile, target);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw exists();
      if (code !== 'EXDEV') throw err;
    }
    const part = path.join(path.dirname(target), `.${filename}.${crypto.randomUUID()}.part`);
    try {
      await fs.promises.copyFile(tmpFile, part, fs.constants.COPYFILE_EXCL);
      await fs.promises.link(part, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw exists();
      throw err;
    } finally {
      await fs.promises.rm(part, { force: true });
    }
  }

  /** For each product with a published release, the one /download/latest serves. */
  async served(): Promise<Release[]> {
    return this.repo.servedPerProduct();
  }

  /**
   * What publishing `release` would do to /download/latest: the release
   * served now for its product (null when none is published) and whether
   * the new one would replace it (a higher version in Debian order, as
   * `dpkg --compare-versions`).
   */
  async publishPlan(release: Release): Promise<PublishPlan> {
    return planOf(release, await this.repo.findLatest(release.product));
  }

  /**
   * Publish (no-op when published). When its version is higher than the
   * release served as latest (or none is), it becomes the latest in the
   * same transaction, unless `keepLatest`: then the release served now is
   * marked latest, so it stays the download. Returns what changed.
   */
  async publish(id: number, actor: Actor, keepLatest = false): Promise<{ changed: boolean; latest: boolean }> {
    let latest = false;
    const changed = await this.change(id, async (release, trx, now) => {
      if (release.publishedAt) return false;
      const repo = this.repo.with(trx);
      await repo.lockProduct(release.product, release.channel);
      const plan = planOf(release, await repo.findLatest(release.product));
      await repo.setPublished(id, now, now);
      await this.deps.audit.record(trx, actor, 'release.published', { type: 'release', id }, { filename: release.filename });
      if (plan.becomesLatest && !keepLatest) {
        await this.recordLatest(repo, trx, actor, release, plan.served, now);
        latest = true;
      } else if (plan.becomesLatest && plan.served && !plan.served.isLatest) {
        // Served only as the highest version: mark it, or the new higher one would take its place.
        await this.recordLatest(repo, trx, actor, plan.served, plan.served, now);
      }
      return true;
    });
    return { changed, latest };
  }

  /** Mark `release` latest and write its audit row (`previous`: the release served before). */
  private async recordLatest(
    repo: ReleasesRepository, trx: AdminDeps['db'], actor: Actor, release: Release, previous: Release | null, now: Date,
  ): Promise<void> {
    await repo.setLatest(release, now);
    await this.deps.audit.record(
      trx, actor, 'release.marked_latest', { type: 'release', id: release.id },
      { product: release.product, before: previous?.version ?? '—', after: release.version },
    );
  }

  /** Unpublish (also stops being latest). Returns whether anything changed. */
  async unpublish(id: number, actor: Actor): Promise<boolean> {
    return this.change(id, async (release, trx, now) => {
      if (!release.publishedAt) return false;
      await this.repo.with(trx).setPublished(id, null, now);
      await this.deps.audit.record(
        trx, actor, 'release.unpublished', { type: 'release', id },
        { filename: release.filename, context: release.isLatest ? 'latest' : null },
      );
      return true;
    });
  }

  /**
   * Make a published release the only latest of its product and channel.
   * @throws ConflictError when it is not published.
   */
  async markLatest(id: number, actor: Actor): Promise<boolean> {
    return this.change(id, async (release, trx, now) => {
      if (!release.publishedAt) throw new ConflictError('not published', ERR.RELEASE_NOT_PUBLISHED);
      if (release.isLatest) return false;
      const repo = this.repo.with(trx);
      await repo.lockProduct(release.product, release.channel);
      await this.recordLatest(repo, trx, actor, release, await repo.findLatest(release.product), now);
      return true;
    });
  }

  /** Replace the changelog. */
  async editChangelog(id: number, changelog: string, actor: Actor): Promise<boolean> {
    return this.change(id, async (release, trx, now) => {
      if (release.changelog === changelog) return false;
      await this.repo.with(trx).setChangelog(id, changelog, now);
      await this.deps.audit.record(
        trx, actor, 'release.changelog_edited', { type: 'release', id },
        { filename: release.filename, before: release.changelog.length, after: changelog.length },
      );
      return true;
    });
  }

  /**
   * Delete an unpublished release: its row (download rows keep their history)
   * and its file. The file is first moved aside inside the transaction, put
   * back if the transaction fails, and deleted after the commit.
   * @throws ConflictError when it is published.
   */
  async delete(id: number, actor: Actor): Promise<Release> {
    const { config } = this.deps;
    let aside: { from: string; to: string } | null = null;
    try {
      const release = await this.deps.db.transaction(async (trx) => {
        const r = await this.repo.with(trx).byId(id);
        if (!r) throw new NotFoundError('no such release');
        if (r.publishedAt) throw new ConflictError('published', ERR.RELEASE_PUBLISHED);
        await this.repo.with(trx).delete(id);
        await this.deps.audit.record(trx, actor, 'release.deleted', { type: 'release', id }, { filename: r.filename, version: r.version, sha256: r.sha256 });
        const from = path.join(config.paths.downloads, r.filename);
        const to = path.join(config.paths.files, '.tmp', `deleted-${crypto.randomUUID()}.deb`);
        await fs.promises.mkdir(path.dirname(to), { recursive: true });
        try {
          await fs.promises.rename(from, to);
          aside = { from, to };
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // the file was already gone: the row still goes
        }
        return r;
      });
      if (aside) await fs.promises.rm((aside as { to: string }).to, { force: true });
      this.deps.pageCache.clear();
      return release;
    } catch (err) {
      if (aside) {
        const a = aside as { from: string; to: string };
        await fs.promises.rename(a.to, a.from).catch((e: unknown) => this.deps.logger.error(
          { err: e, file: a.from }, 'could not put back the file of a release whose deletion failed',
        ));
      }
      throw err;
    }
  }

  /** Run `fn` on the release in one transaction, then clear the page cache if it changed something. */
  private async change(id: number, fn: (r: Release, trx: AdminDeps['db'], now: Date) => Promise<boolean>): Promise<boolean> {
    const changed = await this.deps.db.transaction(async (trx) => {
      const release = await this.repo.with(trx).byId(id);
      if (!release) throw new NotFoundError('no such release');
      return fn(release, trx, this.deps.clock.now());
    });
    if (changed) this.deps.pageCache.clear();
    return changed;
  }
}
