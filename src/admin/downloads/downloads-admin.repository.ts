/**
 * The download log as the admin reads it: filtered pages, the CSV export and
 * the top client IPs. Rows whose release was deleted keep their file name
 * (`release_id` is null).
 */
import type { DownloadOutcome, DownloadRow } from '../../downloads/index.js';
import type { Db } from '../../platform/db.js';
import { toDate, toDateOrNull } from '../../platform/time.js';
import { likePattern } from '../shared.js';

export const OUTCOMES = ['started', 'complete', 'aborted', 'refused', 'offloaded'] as const satisfies readonly DownloadOutcome[];

/** Filters of the log. `status`: an outcome name or a 3-digit HTTP status. `ip`: part of the address. */
export interface LogFilter {
  releaseId?: number;
  ip?: string;
  status?: string;
  from?: Date | null;
  to?: Date | null;
}

/** A row of the log with its release's version; `releaseId` and `version` are null once the release was deleted. */
export interface LogRow extends Omit<DownloadRow, 'releaseId'> {
  releaseId: number | null;
  version: string | null;
}

export interface TopIp {
  ip: string;
  /** Counted downloads in the period. */
  downloads: number;
  /** Every logged request (also refused and continued ones). */
  requests: number;
  refused: number;
  lastAt: Date;
}

type Row = Record<string, unknown>;

function toRow(r: Row): LogRow {
  return {
    id: Number(r.id), releaseId: r.release_id === null ? null : Number(r.release_id),
    version: r.version === null || r.version === undefined ? null : String(r.version),
    filename: String(r.filename), ip: String(r.ip), userAgent: String(r.user_agent ?? ''), rangeHeader: r.range_header === null ? null : String(r.range_header),
    counted: Boolean(r.counted), httpStatus: Number(r.http_status), outcome: String(r.outcome) as DownloadOutcome, bytesSent: Number(r.bytes_sent),
    startedAt: toDate(r.started_at), finishedAt: toDateOrNull(r.finished_at),
  };
}

export class DownloadsAdminRepository {
  constructor(private readonly db: Db) {}

  private filtered(f: LogFilter) {
    const q = this.db('downloads as d').leftJoin('releases as r', 'r.id', 'd.release_id');
    if (f.releaseId) q.where('d.release_id', f.releaseId);
    if (f.ip) q.whereRaw("lower(d.ip) like ? escape '\\'", [likePattern(f.ip)]);
    if (f.status && /^\d{3}$/.test(f.status)) q.where('d.http_status', Number(f.status));
    else if (f.status && (OUTCOMES as readonly string[]).includes(f.status)) q.where('d.outcome', f.status);
    if (f.from) q.where('d.started_at', '>=', f.from.toISOString());
    if (f.to) q.where('d.started_at', '<', f.to.toISOString());
    return q;
  }

  /** A page of the log, newest first, and the number of matching rows. */
  async list(f: LogFilter, limit: number, offset: number): Promise<{ rows: LogRow[]; total: number }> {
    const [count] = (await this.filtered(f).count({ n: '*' })) as { n: unknown }[];
    const rows = (await this.filtered(f)
      .select('d.*', 'r.version')
      .orderBy('d.started_at', 'desc')
      .orderBy('d.id', 'desc')
      .limit(limit)
      .offset(offset)) as Row[];
    return { rows: rows.map(toRow), total: Number(count?.n ?? 0) };
  }

  /** The top `limit` client IPs by counted downloads since `since`. */
  async topIps(since: Date, limit: number): Promise<TopIp[]> {
    const rows = (await this.db('downloads').where('started_at', '>=', since.toISOString()).groupBy('ip')
      .select('ip')
      .select(this.db.raw('sum(case when counted then 1 else 0 end) as downloads'))
      .select(this.db.raw("sum(case when outcome = 'refused' then 1 else 0 end) as refused"))
      .select(this.db.raw('count(*) as requests'))
      .max({ last_at: 'started_at' })
      .orderBy('downloads', 'desc').orderBy('requests', 'desc').orderBy('ip').limit(limit)) as Row[];
    return rows.map((r) => ({
      ip: String(r.ip), downloads: Number(r.downloads), requests: Number(r.requests), refused: Number(r.refused),
      lastAt: toDate(r.last_at),
    }));
  }
}
