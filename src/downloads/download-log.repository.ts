/**
 * The `downloads` table: the download log, one row per request for a
 * release file. `counted` marks the rows that count against the per-IP hourly
 * limit; `outcome` is started | complete | aborted | refused | offloaded;
 * `bytes_sent` is in bytes.
 */
import { insertedId, type Db } from '../platform/db.js';
import { toDate } from '../platform/time.js';

export type DownloadOutcome = 'started' | 'complete' | 'aborted' | 'refused' | 'offloaded';

export interface NewDownload {
  releaseId: number;
  filename: string;
  ip: string;
  userAgent: string;
  rangeHeader: string | null;
  counted: boolean;
  httpStatus: number;
  outcome: DownloadOutcome;
  startedAt: Date;
}

export interface DownloadRow extends NewDownload {
  id: number;
  bytesSent: number;
  finishedAt: Date | null;
}

type Row = Record<string, unknown>;

function toDownload(r: Row): DownloadRow {
  return {
    id: Number(r.id),
    releaseId: Number(r.release_id),
    filename: String(r.filename),
    ip: String(r.ip),
    userAgent: String(r.user_agent),
    rangeHeader: r.range_header === null ? null : String(r.range_header),
    counted: Boolean(r.counted),
    httpStatus: Number(r.http_status),
    outcome: String(r.outcome) as DownloadOutcome,
    bytesSent: Number(r.bytes_sent),
    startedAt: toDate(r.started_at),
    finishedAt: r.finished_at === null ? null : toDate(r.finished_at),
  };
}

export class DownloadLogRepository {
  constructor(private readonly db: Db) {}

  /** Insert a row and return its id. */
  async insert(d: NewDownload): Promise<number> {
    return insertedId(await this.db('downloads')
      .insert({
        release_id: d.releaseId,
        filename: d.filename,
        ip: d.ip,
        user_agent: d.userAgent.slice(0, 512),
        range_header: d.rangeHeader?.slice(0, 128) ?? null,
        counted: d.counted,
        http_status: d.httpStatus,
        outcome: d.outcome,
        bytes_sent: 0,
        started_at: d.startedAt.toISOString(),
      })
      .returning('id'));
  }

  /** Record how a download ended. */
  async finish(id: number, fields: { outcome: DownloadOutcome; httpStatus: number; bytesSent: number; counted?: boolean; finishedAt: Date }): Promise<void> {
    await this.db('downloads')
      .where({ id })
      .update({
        outcome: fields.outcome,
        http_status: fields.httpStatus,
        bytes_sent: fields.bytesSent,
        finished_at: fields.finishedAt.toISOString(),
        ...(fields.counted === undefined ? {} : { counted: fields.counted }),
      });
  }

  /** Whether `ip` had a counted download of this release since `since` (a later Range request continues it). */
  async hasEarlierCounted(ip: string, releaseId: number, since: Date): Promise<boolean> {
    const row = await this.db('downloads').where({ ip, release_id: releaseId, counted: true }).where('started_at', '>=', since.toISOString()).first('id');
    return Boolean(row);
  }

  /** Start times of the counted downloads of `ip` since `since` with id up to `uptoId`, oldest first. */
  async countedSince(ip: string, since: Date, uptoId: number): Promise<Date[]> {
    const rows = (await this.db('downloads')
      .where({ ip, counted: true })
      .where('started_at', '>=', since.toISOString())
      .where('id', '<=', uptoId)
      .orderBy('started_at', 'asc')
      .select('started_at')) as Row[];
    return rows.map((r) => toDate(r.started_at));
  }

  async byId(id: number): Promise<DownloadRow | null> {
    const row = (await this.db('downloads').where({ id }).first()) as Row | undefined;
    return row ? toDownload(row) : null;
  }

  async recent(limit: number): Promise<DownloadRow[]> {
    const rows = (await this.db('downloads').orderBy('id', 'desc').limit(limit)) as Row[];
    return rows.map(toDownload);
  }

  /** Delete the rows of downloads started before `before`; returns how many. */
  async deleteStartedBefore(before: Date): Promise<number> {
    return Number(await this.db('downloads').where('started_at', '<', before.toISOString()).del());
  }
}
