/**
 * The `download_blocks` table: client IPs refused by the public download
 * routes. IPs are stored and compared in canonical form ({@link canonicalIp}).
 * Written only through DownloadBlocksService; DownloadsService reads it.
 */
import net from 'node:net';
import { insertedId, type Db } from '../platform/db.js';
import { toDate } from '../platform/time.js';

export interface DownloadBlock {
  id: number;
  ip: string;
  reason: string;
  createdBy: number | null;
  /** E-mail of the account that created the block (null once it is deleted). */
  createdByEmail: string | null;
  createdAt: Date;
}

/**
 * The canonical text of an IP address: IPv4 dotted as is, an IPv4-mapped
 * IPv6 address (`::ffff:1.2.3.4`, as Node reports IPv4 clients of a dual-stack
 * socket) as its IPv4 form, other IPv6 lower-case. Null when `text` is not an IP.
 */
export function canonicalIp(text: string): string | null {
  const ip = text.trim();
  if (net.isIPv4(ip)) return ip;
  if (!net.isIPv6(ip)) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped && net.isIPv4(mapped[1]!)) return mapped[1]!;
  return ip.toLowerCase();
}

type Row = Record<string, unknown>;

function toBlock(r: Row): DownloadBlock {
  return {
    id: Number(r.id), ip: String(r.ip), reason: String(r.reason), createdBy: r.created_by === null ? null : Number(r.created_by),
    createdByEmail: r.email === null || r.email === undefined ? null : String(r.email), createdAt: toDate(r.created_at),
  };
}

export class DownloadBlocksRepository {
  constructor(private readonly db: Db) {}

  /** The same repository over a transaction. */
  with(trx: Db): DownloadBlocksRepository {
    return new DownloadBlocksRepository(trx);
  }

  /** Every blocked IP (canonical text). */
  async allIps(): Promise<string[]> {
    const rows = (await this.db('download_blocks').select('ip')) as Row[];
    return rows.map((r) => String(r.ip));
  }

  /** Every block, newest first, with its creator's e-mail. */
  async list(): Promise<DownloadBlock[]> {
    const rows = (await this.db('download_blocks as b').leftJoin('accounts as a', 'a.id', 'b.created_by')
      .orderBy('b.created_at', 'desc').orderBy('b.id', 'desc').select('b.*', 'a.email')) as Row[];
    return rows.map(toBlock);
  }

  async byId(id: number): Promise<DownloadBlock | null> {
    const row = (await this.db('download_blocks as b')
      .leftJoin('accounts as a', 'a.id', 'b.created_by')
      .where('b.id', id)
      .first('b.*', 'a.email')) as Row | undefined;
    return row ? toBlock(row) : null;
  }

  async byIp(ip: string): Promise<DownloadBlock | null> {
    const row = (await this.db('download_blocks as b')
      .leftJoin('accounts as a', 'a.id', 'b.created_by')
      .where('b.ip', ip)
      .first('b.*', 'a.email')) as Row | undefined;
    return row ? toBlock(row) : null;
  }

  /** Insert a block (`ip` canonical); returns its id. */
  async insert(b: { ip: string; reason: string; createdBy: number | null }, now: Date): Promise<number> {
    return insertedId(await this.db('download_blocks')
      .insert({ ip: b.ip, reason: b.reason, created_by: b.createdBy, created_at: now.toISOString() })
      .returning('id'));
  }

  /** Delete a block; false when there was none. */
  async delete(id: number): Promise<boolean> {
    return Number(await this.db('download_blocks').where({ id }).delete()) > 0;
  }
}
