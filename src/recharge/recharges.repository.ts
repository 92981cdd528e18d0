/**
 * The `installations` and `recharges` tables. A recharge carries the customer
 * label it was made for; an installation's `customer` is only the label used
 * last (by whichever partner). A partner's views read their own recharges only.
 */
import type { Db } from '../platform/db.js';
import { isSqlite } from '../platform/db.js';
import { toDate, toDateOrNull } from '../platform/time.js';

export interface Installation {
  id: number;
  code: string;
  partnerId: number;
  /** The label of its latest recharge, whoever made it. */
  customer: string;
  lastSerial: number;
  totalUnits: number;
  rechargeCount: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface Recharge {
  id: string;
  partnerId: number;
  installationId: number;
  installationCode: string;
  /** The customer label given for this recharge. */
  customer: string;
  serial: number;
  units: number;
  kid: string;
  sha256: string;
  state: 'issued' | 'revoked';
  issuedAt: Date;
  expiresAt: Date | null;
  /** When the owning partner first downloaded the key file or the delivery API first served it; null = never delivered. */
  deliveredAt: Date | null;
  revokedAt: Date | null;
  revokedReason: string | null;
  /** Account id of the staff member who revoked it. */
  revokedBy: number | null;
}

type Row = Record<string, unknown>;

function toInstallation(r: Row): Installation {
  return {
    id: Number(r.id), code: String(r.code), partnerId: Number(r.partner_id), customer: String(r.customer), lastSerial: Number(r.last_serial),
    totalUnits: Number(r.total_units), rechargeCount: Number(r.recharge_count), createdAt: toDate(r.created_at), updatedAt: toDate(r.updated_at),
  };
}

export function toRecharge(r: Row): Recharge {
  return {
    id: String(r.id), partnerId: Number(r.partner_id), installationId: Number(r.installation_id),
    installationCode: String(r.code), customer: String(r.customer),
    serial: Number(r.serial), units: Number(r.units), kid: String(r.kid), sha256: String(r.sha256), state: r.state === 'revoked' ? 'revoked' : 'issued',
    issuedAt: toDate(r.issued_at), expiresAt: toDateOrNull(r.expires_at), deliveredAt: toDateOrNull(r.delivered_at), revokedAt: toDateOrNull(r.revoked_at),
    revokedReason: (r.revoked_reason as string | null) ?? null, revokedBy: r.revoked_by === null || r.revoked_by === undefined ? null : Number(r.revoked_by),
  };
}

export const RECHARGE_COLUMNS = [
  'r.id', 'r.partner_id', 'r.installation_id', 'r.serial', 'r.units', 'r.kid', 'r.sha256', 'r.state', 'r.issued_at', 'r.expires_at',
  'r.delivered_at', 'r.revoked_at', 'r.revoked_reason', 'r.revoked_by', 'i.code', 'r.customer',
];

export interface RechargeFilter {
  partnerId?: number;
  q?: string;
  from?: Date;
  to?: Date;
}

export interface NewRecharge {
  id: string;
  partnerId: number;
  installationId: number;
  customer: string;
  serial: number;
  units: number;
  kid: string;
  file: Buffer;
  sha256: string;
  issuedAt: Date;
  expiresAt: Date | null;
}

/** An installation as one partner sees it: their own recharges of it only. */
export interface PartnerInstallation {
  id: number;
  code: string;
  /** The label of this partner's latest recharge of it. */
  customer: string;
  /** Units and count of this partner's issued (not revoked) recharges of it. */
  totalUnits: number;
  rechargeCount: number;
  /** This partner's latest recharge of it (the partner's view has no other change date). */
  updatedAt: Date;
  /** False once it was transferred to another partner. */
  owned: boolean;
}

export class RechargesRepository {
  constructor(private readonly db: Db) {}

  async installationByCode(code: string, lock = false): Promise<Installation | null> {
    const q = this.db('installations').where({ code });
    if (lock && !isSqlite(this.db)) q.forUpdate();
    const row = (await q.first()) as Row | undefined;
    return row ? toInstallation(row) : null;
  }

  async insertInstallation(code: string, partnerId: number, customer: string, now: Date): Promise<Installation> {
    const [row] = (await this.db('installations')
      .insert({ code, partner_id: partnerId, customer, created_at: now.toISOString(), updated_at: now.toISOString() })
      .returning('*')) as Row[];
    return toInstallation(row!);
  }

  async recordRecharge(installationId: number, serial: number, units: number, customer: string, now: Date): Promise<void> {
    await this.db('installations').where({ id: installationId }).update({
      last_serial: serial, customer, total_units: this.db.raw('total_units + ?', [units]),
      recharge_count: this.db.raw('recharge_count + 1'), updated_at: now.toISOString(),
    });
  }

  async insertRecharge(r: NewRecharge): Promise<void> {
    await this.db('recharges').insert({
      id: r.id, partner_id: r.partnerId, installation_id: r.installationId, customer: r.customer, serial: r.serial, units: r.units,
      kid: r.kid, file: r.file, sha256: r.sha256,
      state: 'issued', issued_at: r.issuedAt.toISOString(), expires_at: r.expiresAt?.toISOString() ?? null,
    });
  }

  async rechargeById(id: string): Promise<Recharge | null> {
    const row = (await this.db('recharges as r')
      .join('installations as i', 'i.id', 'r.installation_id')
      .where('r.id', id)
      .first(RECHARGE_COLUMNS)) as Row | undefined;
    return row ? toRecharge(row) : null;
  }

  /** The recharge row locked until the transaction ends (PostgreSQL `FOR UPDATE`; SQLite runs one transaction at a time). */
  async rechargeForUpdate(id: string): Promise<Recharge | null> {
    const q = this.db('recharges as r').join('installations as i', 'i.id', 'r.installation_id').where('r.id', id);
    if (!isSqlite(this.db)) q.forUpdate('r');
    const row = (await q.first(RECHARGE_COLUMNS)) as Row | undefined;
    return row ? toRecharge(row) : null;
  }

  /**
   * Mark recharges delivered at `now`, once: only rows still `issued` and not
   * yet delivered change (a concurrent revocation waits on, or wins, the same
   * row). Returns the ids among `ids` that are issued afterwards — delivered
   * now or before, so no longer revocable; a revoked id is left out.
   */
  async markDelivered(ids: string[], now: Date): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    await this.db('recharges').whereIn('id', ids).where('state', 'issued').whereNull('delivered_at').update({ delivered_at: now.toISOString() });
    const rows = (await this.db('recharges').whereIn('id', ids).where('state', 'issued').select('id')) as { id: unknown }[];
    return new Set(rows.map((r) => String(r.id)));
  }

  /** issued and never delivered → revoked. Returns false when the row was not in that state any more. */
  async markRevoked(id: string, reason: string, by: number | null, now: Date): Promise<boolean> {
    const n = await this.db('recharges').where({ id, state: 'issued' }).whereNull('delivered_at')
      .update({ state: 'revoked', revoked_at: now.toISOString(), revoked_reason: reason.slice(0, 500), revoked_by: by });
    return Number(n) === 1;
  }

  /** Take a revoked recharge's units and count off its installation's totals (`last_serial` stays: serials are never reused). */
  async unrecordRecharge(installationId: number, units: number, now: Date): Promise<void> {
    await this.db('installations').where({ id: installationId }).update({
      total_units: this.db.raw('total_units - ?', [units]), recharge_count: this.db.raw('recharge_count - 1'), updated_at: now.toISOString(),
    });
  }

  async fileOf(id: string): Promise<Buffer | null> {
    const row = (await this.db('recharges').where({ id }).first('file')) as { file: Buffer | Uint8Array } | undefined;
    return row ? Buffer.from(row.file) : null;
  }

  private filtered(f: RechargeFilter) {
    const q = this.db('recharges as r').join('installations as i', 'i.id', 'r.installation_id');
    if (f.partnerId) q.where('r.partner_id', f.partnerId);
    if (f.q) {
      const like = `%${f.q.toLowerCase().replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
      q.where((w) => w.whereRaw("lower(r.customer) like ? escape '\\'", [like]).orWhereRaw("lower(i.code) like ? escape '\\'", [like]));
    }
    if (f.from) q.where('r.issued_at', '>=', f.from.toISOString());
    if (f.to) q.where('r.issued_at', '<', f.to.toISOString());
    return q;
  }

  async list(f: RechargeFilter, limit: number, offset: number): Promise<{ rows: Recharge[]; total: number }> {
    const [count] = (await this.filtered(f).count({ n: '*' })) as { n: unknown }[];
    const rows = (await this.filtered(f).orderBy('r.issued_at', 'desc').orderBy('r.id').limit(limit).offset(offset).select(RECHARGE_COLUMNS)) as Row[];
    return { rows: rows.map(toRecharge), total: Number(count?.n ?? 0) };
  }

  /** Issued key files of an installation with serial > `afterSerial`, serial order. */
  async filesAfter(code: string, afterSerial: number, limit: number): Promise<{ serial: number; id: string; file: Buffer }[]> {
    const rows = (await this.db('recharges as r').join('installations as i', 'i.id', 'r.installation_id')
      .where('i.code', code).where('r.state', 'issued').where('r.serial', '>', afterSerial).orderBy('r.serial').limit(limit)
      .select('r.serial', 'r.id', 'r.file')) as { serial: unknown; id: unknown; file: Uint8Array }[];
    return rows.map((r) => ({ serial: Number(r.serial), id: String(r.id), file: Buffer.from(r.file) }));
  }

  /**
   * The installations `partnerId` recharged, with their own recharges only: the
   * label of their latest one, count and units of the issued ones, its date;
   * most units first. An installation transferred away stays listed (owned: false).
   */
  async installationsOf(partnerId: number): Promise<PartnerInstallation[]> {
    const latestLabel = this.db('recharges as l').select('l.customer')
      .where('l.installation_id', this.db.ref('i.id')).where('l.partner_id', partnerId).orderBy('l.serial', 'desc').limit(1);
    const rows = (await this.db('recharges as r').join('installations as i', 'i.id', 'r.installation_id').where('r.partner_id', partnerId)
      .groupBy('i.id', 'i.code', 'i.partner_id')
      .select('i.id', 'i.code', 'i.partner_id', latestLabel.as('customer'), this.db.raw('max(r.issued_at) as last_at'),
        this.db.raw("sum(case when r.state = 'issued' then r.units else 0 end) as units"),
        this.db.raw("sum(case when r.state = 'issued' then 1 else 0 end) as n"))
      .orderBy('units', 'desc').orderBy('i.id')) as Row[];
    return rows.map((r) => ({
      id: Number(r.id), code: String(r.code), customer: String(r.customer ?? ''), totalUnits: Number(r.units ?? 0), rechargeCount: Number(r.n ?? 0),
      updatedAt: toDate(r.last_at), owned: Number(r.partner_id) === partnerId,
    }));
  }

  /** The latest issued recharge of installation `code` by `partnerId` made at or after `since`, or null. */
  async latestSince(partnerId: number, code: string, since: Date): Promise<Recharge | null> {
    const row = (await this.db('recharges as r').join('installations as i', 'i.id', 'r.installation_id')
      .where({ 'i.code': code, 'r.partner_id': partnerId, 'r.state': 'issued' }).where('r.issued_at', '>=', since.toISOString())
      .orderBy('r.serial', 'desc').first(RECHARGE_COLUMNS)) as Row | undefined;
    return row ? toRecharge(row) : null;
  }

  /** Units recharged per UTC month (YYYY-MM) since `from`, for a partner. */
  async unitsPerMonth(partnerId: number, from: Date): Promise<Map<string, number>> {
    const rows = (await this.db('recharges')
      .where({ partner_id: partnerId, state: 'issued' })
      .where('issued_at', '>=', from.toISOString())
      .select('issued_at', 'units')) as Row[];
    const out = new Map<string, number>();
    for (const r of rows) {
      const month = toDate(r.issued_at).toISOString().slice(0, 7);
      out.set(month, (out.get(month) ?? 0) + Number(r.units));
    }
    return out;
  }
}
