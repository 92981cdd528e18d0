/**
 * Downloads of release files: what the download page lists, who may download
 * now, and the download log (a `downloads` row plus one JSON line appended to
 * `logs/downloads.log` for every download).
 *
 * Abuse limits, per client IP:
 * - at most `DOWNLOADS_PER_HOUR` counted downloads in any sliding hour. A
 *   Range request starting past byte 0, for a release this IP downloaded
 *   (counted) within the hour, continues that download and is not counted
 *   again; a range from byte 0 is a new download. The check inserts the
 *   row first and then counts the rows up to it, so simultaneous requests
 *   from one IP cannot all slip under the limit, and it holds across several
 *   instances sharing the database;
 * - at most `DOWNLOADS_CONCURRENT` simultaneous transfers (counted in this
 *   process; behind nginx with several instances, per instance).
 * Refused requests are logged (outcome `refused`, status 429) and raise
 * RateLimitedError with Retry-After in seconds.
 *
 * Blocked IPs (the admin's block list, table `download_blocks`) get no file:
 * `isBlocked` answers from an in-process copy of the list, reloaded at most
 * every BLOCKS_TTL seconds (so other instances converge) and at once after a
 * change made here (`blocksChanged`); `refuseBlocked` logs the refusal
 * (outcome `refused`, status 403).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { NotFoundError, RateLimitedError } from '../errors/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import { canonicalIp, DownloadBlocksRepository } from './download-blocks.repository.js';
import { DownloadLogRepository, type DownloadOutcome } from './download-log.repository.js';
import { ReleasesRepository, type Release } from './releases.repository.js';

const HOUR = 3600;
/** Seconds the in-process copy of the block list is trusted. */
const BLOCKS_TTL = 30;
const SAFE_FILENAME = /^[A-Za-z0-9][A-Za-z0-9.+~_-]{0,254}$/;

export interface DownloadRequest {
  release: Release;
  ip: string;
  userAgent: string;
  /** The Range header when the answer will be a 206, else null. */
  rangeHeader: string | null;
  /** First byte of that range (bytes), else null. */
  rangeStart: number | null;
  /** 200 or 206. */
  httpStatus: number;
}

/** An admitted download: its log row id. Pass it to `finish` exactly once. */
export interface Ticket {
  id: number;
  ip: string;
  release: Release;
  request: DownloadRequest;
  counted: boolean;
  startedAt: Date;
}

/** Told of every download that ended or was refused (the app's metrics); must not throw. */
export interface DownloadsObserver {
  downloadEnded(outcome: DownloadOutcome, httpStatus: number, bytesSent: number): void;
}

export interface DownloadsDeps {
  db: Db;
  config: Readonly<Config>;
  clock: Clock;
  logger: Logger;
  observer?: DownloadsObserver;
}

export class DownloadsService {
  readonly releases: ReleasesRepository;
  readonly blocks: DownloadBlocksRepository;
  private readonly log: DownloadLogRepository;
  private blockList: { ips: Set<string>; expires: number } | null = null;
  private readonly active = new Map<string, number>();
  private activeTotal = 0;
  private logStream: fs.WriteStream | null = null;

  constructor(private readonly deps: DownloadsDeps) {
    this.releases = new ReleasesRepository(deps.db);
    this.log = new DownloadLogRepository(deps.db);
    this.blocks = new DownloadBlocksRepository(deps.db);
  }

  /** Whether downloads from `ip` are blocked (one cached list, see the class comment). */
  async isBlocked(ip: string): Promise<boolean> {
    const key = canonicalIp(ip);
    if (key === null) return false;
    if (!this.blockList || this.blockList.expires < Date.now()) {
      this.blockList = { ips: new Set(await this.blocks.allIps()), expires: Date.now() + BLOCKS_TTL * 1000 };
    }
    return this.blockList.ips.has(key);
  }

  /** Forget the cached block list (call after a block is added or removed). */
  blocksChanged(): void {
    this.blockList = null;
  }

  /** Retention (src/ops/cleanup.ts): delete the download log rows started before `before` (logs/downloads.log is left as is); returns how many. */
  purgeLogBefore(before: Date): Promise<number> {
    return this.log.deleteStartedBefore(before);
  }

  /** Log a download refused because its IP is blocked (row and log line, status 403). */
  async refuseBlocked(req: Omit<DownloadRequest, 'rangeStart' | 'httpStatus'>): Promise<void> {
    const now = this.deps.clock.now();
    const base = {
      releaseId: req.release.id, filename: req.release.filename, ip: req.ip, userAgent: req.userAgent,
      rangeHeader: req.rangeHeader, startedAt: now,
    };
    const id = await this.log.insert({ ...base, counted: false, httpStatus: 403, outcome: 'refused' });
    await this.log.finish(id, { outcome: 'refused', httpStatus: 403, bytesSent: 0, finishedAt: now });
    this.appendLog({ ...base, id, httpStatus: 403, outcome: 'refused', bytesSent: 0, finishedAt: now });
  }

  /** The download page: the latest release and the older published ones. */
  async listing(product: string): Promise<{ latest: Release | null; older: Release[] }> {
    const [latest, ...older] = await this.releases.listPublished(product);
    return { latest: latest ?? null, older };
  }

  /**
   * @throws NotFoundError unless `filename` is a published release. Names
   * outside Debian's file name characters (policy §5.6.12: letters, digits,
   * `+ . ~ - _`) are refused before any query: no path separator, no NUL.
   */
  async findFile(filename: string): Promise<Release> {
    if (!SAFE_FILENAME.test(filename)) throw new NotFoundError('not a release file name');
    const release = await this.releases.findPublishedByFilename(filename);
    if (!release) throw new NotFoundError(`no published release named ${filename}`);
    return release;
  }

  /** @throws NotFoundError when the product has no published release. */
  async latestFile(product: string): Promise<Release> {
    const release = await this.releases.findLatest(product);
    if (!release) throw new NotFoundError(`no published release of ${product}`);
    return release;
  }

  /** Absolute path of a release's file. */
  filePath(release: Release): string {
    return path.join(this.deps.config.paths.downloads, release.filename);
  }

  /**
   * Apply the limits, write the log row and take a transfer slot.
   * @throws RateLimitedError (after logging a refused row) beyond a limit.
   */
  async admit(req: DownloadRequest): Promise<Ticket> {
    const { config, clock } = this.deps;
    const now = clock.now();
    const hourAgo = new Date(now.getTime() - HOUR * 1000);
    const base = {
      releaseId: req.release.id, filename: req.release.filename, ip: req.ip, userAgent: req.userAgent,
      rangeHeader: req.rangeHeader, startedAt: now,
    };
    if ((this.active.get(req.ip) ?? 0) >= config.downloads.concurrent) await this.refuse(base, 60);
    // The slot is taken before the first await, so simultaneous requests cannot all pass the check.
    this.takeSlot(req.ip);
    try {
      // Only a range that starts past byte 0, after a counted download of the same file, continues it.
      const continues = req.rangeStart !== null && req.rangeStart > 0 && (await this.log.hasEarlierCounted(req.ip, req.release.id, hourAgo));
      const id = await this.log.insert({ ...base, counted: !continues, httpStatus: req.httpStatus, outcome: 'started' });
      if (!continues) {
        const counted = await this.log.countedSince(req.ip, hourAgo, id);
        if (counted.length > config.downloads.perHour) {
          await this.log.finish(id, { outcome: 'refused', httpStatus: 429, bytesSent: 0, counted: false, finishedAt: now });
          const retry = Math.max(1, Math.ceil((counted[0]!.getTime() + HOUR * 1000 - now.getTime()) / 1000));
          this.appendLog({ ...base, id, httpStatus: 429, outcome: 'refused', bytesSent: 0, finishedAt: now });
          throw new RateLimitedError(retry, 'Too many downloads from this address');
        }
      }
      return { id, ip: req.ip, release: req.release, request: req, counted: !continues, startedAt: now };
    } catch (err) {
      this.releaseSlot(req.ip);
      throw err;
    }
  }

  private takeSlot(ip: string): void {
    this.active.set(ip, (this.active.get(ip) ?? 0) + 1);
    this.activeTotal += 1;
  }

  private releaseSlot(ip: string): void {
    const n = (this.active.get(ip) ?? 1) - 1;
    if (n <= 0) this.active.delete(ip);
    else this.active.set(ip, n);
    this.activeTotal -= 1;
  }

  private async refuse(base: Omit<Parameters<DownloadLogRepository['insert']>[0], 'counted' | 'httpStatus' | 'outcome'>, retryAfter: number): Promise<never> {
    const now = this.deps.clock.now();
    const id = await this.log.insert({ ...base, counted: false, httpStatus: 429, outcome: 'refused' });
    await this.log.finish(id, { outcome: 'refused', httpStatus: 429, bytesSent: 0, finishedAt: now });
    this.appendLog({ ...base, id, httpStatus: 429, outcome: 'refused', bytesSent: 0, finishedAt: now });
    throw new RateLimitedError(retryAfter, 'Too many simultaneous downloads from this address');
  }

  /** Release the transfer slot and record how the download ended (row and log line). */
  async finish(ticket: Ticket, outcome: DownloadOutcome, httpStatus: number, bytesSent: number): Promise<void> {
    this.releaseSlot(ticket.ip);
    const finishedAt = this.deps.clock.now();
    try {
      await this.log.finish(ticket.id, { outcome, httpStatus, bytesSent, finishedAt });
    } catch (err) {
      this.deps.logger.error({ err, downloadId: ticket.id }, 'could not record the end of a download');
    }
    const r = ticket.request;
    this.appendLog({
      id: ticket.id, filename: r.release.filename, ip: r.ip, userAgent: r.userAgent, rangeHeader: r.rangeHeader, httpStatus,
      outcome, bytesSent, startedAt: ticket.startedAt, finishedAt,
    });
  }

  /** Number of transfers under way in this process. */
  get activeDownloads(): number {
    return this.activeTotal;
  }

  /** Resolve when no transfer is under way, or after `seconds` (returns the number still running). */
  async waitIdle(seconds: number): Promise<number> {
    const deadline = Date.now() + seconds * 1000;
    while (this.activeTotal > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    return this.activeTotal;
  }

  private appendLog(entry: {
    id: number; filename: string; ip: string; userAgent: string; rangeHeader: string | null;
    httpStatus: number; outcome: DownloadOutcome; bytesSent: number; startedAt: Date; finishedAt: Date;
  }): void {
    this.deps.observer?.downloadEnded(entry.outcome, entry.httpStatus, entry.bytesSent);
    if (!this.logStream) {
      fs.mkdirSync(this.deps.config.paths.logs, { recursive: true });
      this.logStream = fs.createWriteStream(path.join(this.deps.config.paths.logs, 'downloads.log'), { flags: 'a' });
      this.logStream.on('error', (err) => this.deps.logger.error({ err }, 'downloads.log is not writable'));
    }
    // JSON.stringify escapes control characters: a hostile user agent cannot forge a line.
    this.logStream.write(`${JSON.stringify({
      time: entry.finishedAt.toISOString(), id: entry.id, ip: entry.ip, file: entry.filename, status: entry.httpStatus,
      outcome: entry.outcome, bytes: entry.bytesSent, range: entry.rangeHeader, started_at: entry.startedAt.toISOString(), ua: entry.userAgent,
    })}\n`);
  }

  /** Flush and close the log file. */
  async close(): Promise<void> {
    const stream = this.logStream;
    this.logStream = null;
    if (stream) await new Promise<void>((resolve) => stream.end(resolve));
  }
}
