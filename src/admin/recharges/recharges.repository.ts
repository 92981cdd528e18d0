/**
 * The admin's reads of `recharges` (/admin/recharges, and an installation's
 * recharges on /admin/installations/:id): every partner's recharges with the
 * partner's e-mail and who revoked them. Writes go through RechargeService.
 */
import { normaliseInstallationCode } from '../../crypto/index.js';
import type { Db } from '../../platform/db.js';
import { RECHARGE_COLUMNS, toRecharge, type Recharge } from '../../recharge/recharges.repository.js';
import { likePattern } from '../shared.js';

export const RECHARGE_SORTS = ['issued', 'units'] as const;

export interface AdminRechargeFilter {
  /**
   * Text in the customer label (the recharge's own, or the installation's: the one used last), a piece of the
   * installation code (dashes optional) or of the recharge id ('' = none).
   */
  q?: string;
  /** The partner: account id, e-mail (exact, any case) or public reference ('' = any). */
  partner?: string;
  installationId?: number;
  state?: '' | 'issued' | 'revoked';
  delivered?: '' | 'yes' | 'no';
  from?: Date | null;
  /** Exclusive end of the issue date range. */
  before?: Date | null;
}

/** A recharge with its partner's identity and the e-mail of whoever revoked it. */
export interface AdminRecharge extends Recharge {
  partnerEmail: string;
  partnerCompany: string;
  revokedByEmail: string | null;
}

type Row = Record<string, unknown>;

const COLUMNS = [...RECHARGE_COLUMNS, 'a.email as partner_email', 'a.company as partner_company', 'rb.email as revoked_by_email'];

function toAdminRecharge(r: Row): AdminRecharge {
  return {
    ...toRecharge(r), partnerEmail: String(r.partner_email), partnerCompany: String(r.partner_company ?? ''),
    revokedByEmail: (r.revoked_by_email as string | null) ?? null,
  };
}

export class AdminRechargesRepository {
  constructor(private readonly db: Db) {}

  private base() {
    return this.db('recharges as r').join('installations as i', 'i.id', 'r.installation_id').join('accounts as a', 'a.id', 'r.partner_id')
      .leftJoin('accounts as rb', 'rb.id', 'r.revoked_by');
  }

  private filtered(f: AdminRechargeFilter) {
    const q = this.base();
    if (f.q) {
      const text = f.q;
      const code = normaliseInstallationCode(text);
      const like = likePattern(text);
      q.where((w) => {
        // Each recharge keeps the label it was made for; the installation's is only the one used last.
        for (const col of ['r.customer', 'i.customer', 'r.id']) w.orWhereRaw(`lower(${col}) like ? escape '\\'`, [like]);
        if (code) w.orWhereRaw("lower(i.code) like ? escape '\\'", [likePattern(code)]);
      });
    }
    if (f.partner) {
      const p = f.partner.trim();
      if (/^\d{1,9}$/.test(p)) q.where('r.partner_id', Number(p));
      else q.where((w) => w.whereRaw('lower(a.email) = ?', [p.toLowerCase()]).orWhere('a.public_ref', p.toUpperCase()));
    }
    if (f.installationId) q.where('r.installation_id', f.installationId);
    if (f.state) q.where('r.state', f.state);
    if (f.delivered === 'yes') q.whereNotNull('r.delivered_at');
    if (f.delivered === 'no') q.whereNull('r.delivered_at');
    if (f.from) q.where('r.issued_at', '>=', f.from.toISOString());
    if (f.before) q.where('r.issued_at', '<', f.before.toISOString());
    return q;
  }

  async count(f: AdminRechargeFilter): Promise<number> {
    const [row] = (await this.filtered(f).count({ n: '*' })) as { n: unknown }[];
    return Number(row?.n ?? 0);
  }

  /** A page of recharges, newest first by default; `sort` one of RECHARGE_SORTS. */
  async list(f: AdminRechargeFilter, sort: string, dir: 'asc' | 'desc', limit: number, offset: number): Promise<AdminRecharge[]> {
    const col = sort === 'units' ? 'r.units' : 'r.issued_at';
    const rows = (await this.filtered(f).orderBy(col, dir).orderBy('r.id', dir).limit(limit).offset(offset).select(COLUMNS)) as Row[];
    return rows.map(toAdminRecharge);
  }

  async byId(id: string): Promise<AdminRecharge | null> {
    const row = (await this.base().where('r.id', id).first(COLUMNS)) as Row | undefined;
    return row ? toAdminRecharge(row) : null;
  }
}
