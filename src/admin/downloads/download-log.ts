/**
 * What /admin/downloads reads (nothing here writes): the download log's
 * filtered pages, the top client IPs, and the releases to filter by. The
 * block list is DownloadBlocksService's (src/downloads).
 */
import { ReleasesRepository } from '../../downloads/index.js';
import type { Db } from '../../platform/db.js';
import { DownloadsAdminRepository, type LogFilter, type LogRow, type TopIp } from './downloads-admin.repository.js';

export class DownloadLogReports {
  private readonly repo: DownloadsAdminRepository;
  private readonly releases: ReleasesRepository;

  constructor(db: Db) {
    this.repo = new DownloadsAdminRepository(db);
    this.releases = new ReleasesRepository(db);
  }

  /** A page of the log, newest first, and the number of matching rows. */
  list(f: LogFilter, limit: number, offset: number): Promise<{ rows: LogRow[]; total: number }> {
    return this.repo.list(f, limit, offset);
  }

  /** The top `limit` client IPs by counted downloads since `since`. */
  topIps(since: Date, limit: number): Promise<TopIp[]> {
    return this.repo.topIps(since, limit);
  }

  /** Every release (id, version, filename), newest first. */
  releaseChoices(): Promise<{ id: number; version: string; filename: string }[]> {
    return this.releases.choices();
  }
}
