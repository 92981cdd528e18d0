/**
 * What /admin/installations reads of `installations`: the list (search on
 * code or customer, owner filter, sort, pages) with each installation's
 * owner, one installation with its owner, and the partner a transfer names.
 * The transfer itself is InstallationsService's (src/recharge).
 */
import { normaliseInstallationCode } from '../../crypto/index.js';
import type { Db } from '../../platform/db.js';
import { toDate } from '../../platform/time.js';
import { likePattern } from '../shared.js';

/** Sort keys of the list, default first. */
export const INSTALLATION_SORTS = ['created', 'units', 'recharges', 'updated'] as const;

const SORT_COLUMNS: Record<string, string> = { created: 'i.created_at', units: 'i.total_units', recharges: 'i.recharge_count', updated: 'i.updated_at' };

export interface InstallationFilter {
  /** Text in the customer, or a piece of the code typed with or without dashes/spaces ('' = none). */
  q: string;
  /** The owner: account id, e-mail (exact, any case) or public reference ('' = any). */
  owner: string;
}

/** One installation as the admin sees it: totals in units, owner's identity. */
export interface InstallationRow {
  id: number;
  code: string;
  customer: string;
  partnerId: number;
  ownerEmail: string;
  ownerCompany: string;
  ownerRef: string | null;
  ownerState: string;
  lastSerial: number;
  totalUnits: number;
  rechargeCount: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A partner account as a transfer target. */
export interface PartnerRef {
  id: number;
  email: string;
  company: string;
  publicRef: string | null;
  state: string;
}

type Row = Record<string, unknown>;

const COLUMNS = [
  'i.id', 'i.code', 'i.customer', 'i.partner_id', 'i.last_serial', 'i.total_units', 'i.recharge_count', 'i.created_at', 'i.updated_at',
  'a.email as owner_email', 'a.company as owner_company', 'a.public_ref as owner_ref', 'a.state as owner_state',
];

function toRow(r: Row): InstallationRow {
  return {
    id: Number(r.id), code: String(r.code), customer: String(r.customer), partnerId: Number(r.partner_id), ownerEmail: String(r.owner_email),
    ownerCompany: String(r.owner_company ?? ''), ownerRef: (r.owner_ref as string | null) ?? null, ownerState: String(r.owner_state),
    lastSerial: Number(r.last_serial), totalUnits: Number(r.total_units), rechargeCount: Number(r.recharge_count),
    createdAt: toDate(r.created_at), updatedAt: toDate(r.updated_at),
  };
}

export class AdminInstallationsRepository {
  constructor(private readonly db: Db) {}

  private filtered(f: InstallationFilter) {
    const q = this.db('installations as i').join('accounts as a', 'a.id', 'i.partner_id');
    if (f.q) {
      const code = normaliseInstallationCode(f.q);
      q.where((w) => {
        w.whereRaw("lower(i.customer) like ? escape '\\'", [likePattern(f.q)]);
        if (code) w.orWhereRaw("lower(i.code) like ? escape '\\'", [likePattern(code)]);
      });
    }
    if (f.owner) {
      const owner = f.owner.trim();
      if (/^\d{1,9}$/.test(owner)) q.where('i.partner_id', Number(owner));
      else q.where((w) => w.whereRaw('lower(a.email) = ?', [owner.toLowerCase()]).orWhere('a.public_ref', owner.toUpperCase()));
    }
    return q;
  }

  async count(f: InstallationFilter): Promise<number> {
    const [row] = (await this.filtered(f).count({ n: '*' })) as { n: unknown }[];
    return Number(row?.n ?? 0);
  }

  /** A page of the list; `sort` one of INSTALLATION_SORTS. */
  async list(f: InstallationFilter, sort: string, dir: 'asc' | 'desc', limit: number, offset: number): Promise<InstallationRow[]> {
    const rows = (await this.filtered(f)
      .orderBy(SORT_COLUMNS[sort] ?? 'i.created_at', dir)
      .orderBy('i.id', dir)
      .limit(limit)
      .offset(offset)
      .select(COLUMNS)) as Row[];
    return rows.map(toRow);
  }

  /** One installation with its owner. */
  async byId(id: number): Promise<InstallationRow | null> {
    const row = (await this.db('installations as i').join('accounts as a', 'a.id', 'i.partner_id').where('i.id', id).first(COLUMNS)) as Row | undefined;
    return row ? toRow(row) : null;
  }

  /** A partner account by e-mail (any case) or public reference (`PTN-0001`); null when there is none. */
  async partnerByEmailOrRef(text: string): Promise<PartnerRef | null> {
    const t = text.trim();
    const row = (await this.db('accounts').where('role', 'partner')
      .where((w) => w.whereRaw('lower(email) = ?', [t.toLowerCase()]).orWhere('public_ref', t.toUpperCase()))
      .first('id', 'email', 'company', 'public_ref', 'state')) as Row | undefined;
    return row ? {
      id: Number(row.id), email: String(row.email), company: String(row.company ?? ''),
      publicRef: (row.public_ref as string | null) ?? null, state: String(row.state),
    } : null;
  }
}
