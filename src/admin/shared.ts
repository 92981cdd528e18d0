/**
 * Building blocks shared by the admin areas: role guards, list queries
 * (search, filters, sort, pages of 50) and the confirmation
 * step in front of every destructive action.
 *
 * Confirmation pattern (plain forms, no script): an action form posts to its
 * route; without `confirm=yes` the route answers the page
 * `views/admin/confirm.ejs`, which repeats the submitted fields as hidden
 * inputs and asks again; the second post carries `confirm=yes` and acts.
 * Forms that need typed input (a reason) are validated first, so a missing
 * reason re-renders the form with its error before anything is confirmed.
 */
import type { Request, Response } from 'express';
import { requireRole, STAFF_ROLES } from '../http/auth.js';
import { parseDay, searchText } from '../http/query.js';

/** admin and superadmin: every page and action. */
export const adminOnly = requireRole('admin', 'superadmin');
/** support, admin, superadmin: the read-only pages support may see. */
export const staffOnly = requireRole(...STAFF_ROLES);
/** superadmin only (role changes). */
export const superadminOnly = requireRole('superadmin');

export const PER_PAGE = 50;

/** A numeric route id (`/admin/…/:id`): 1 to 9 decimal digits, else null (`1e3`, `0x10`, `-1` are not ids). */
export function routeId(value: unknown): number | null {
  return typeof value === 'string' && /^[1-9]\d{0,8}$/.test(value) ? Number(value) : null;
}

/** A list page's query string, cleaned: bad values fall back to defaults, never an error. */
export interface ListQuery {
  /** Trimmed search text without control characters, at most 100 characters ('' = none). */
  q: string;
  /** 1-based page number (1..10 000). */
  page: number;
  perPage: number;
  offset: number;
  /** One of the allowed sort keys (the first is the default). */
  sort: string;
  /** 'asc' | 'desc' */
  dir: 'asc' | 'desc';
  /** `?format=csv` asked. */
  csv: boolean;
  /** Start of the date range (`from=YYYY-MM-DD`, UTC midnight, years 2000–2100: http/query.ts) or null. */
  from: Date | null;
  /** End of the date range, exclusive (the day after `to=YYYY-MM-DD`) or null. */
  toExclusive: Date | null;
  /** The raw filter values to echo in the form and in links (only allowed keys, only strings). */
  params: Record<string, string>;
}

/**
 * Parse a list query. `sorts` lists the allowed sort keys (default first);
 * `filters` the extra string filters kept in `params` (each at most 100
 * characters). `from`/`to` are always read.
 */
export function parseListQuery(query: Record<string, unknown>, sorts: readonly string[] = ['id'], filters: readonly string[] = []): ListQuery {
  const str = searchText;
  const q = str(query.q);
  const page = Math.min(10_000, Math.max(1, Number.parseInt(str(query.page) || '1', 10) || 1));
  const sort = sorts.includes(str(query.sort)) ? str(query.sort) : (sorts[0] ?? 'id');
  const dir = str(query.dir) === 'asc' ? 'asc' : 'desc';
  const from = parseDay(query.from);
  const to = parseDay(query.to);
  const params: Record<string, string> = {};
  if (q) params.q = q;
  if (str(query.sort) && sorts.includes(str(query.sort))) params.sort = sort;
  if (str(query.dir)) params.dir = dir;
  if (from) params.from = str(query.from);
  if (to) params.to = str(query.to);
  for (const f of filters) if (str(query[f])) params[f] = str(query[f]);
  return {
    q, page, perPage: PER_PAGE, offset: (page - 1) * PER_PAGE, sort, dir, csv: str(query.format) === 'csv',
    from, toExclusive: to ? new Date(to.getTime() + 86_400_000) : null, params,
  };
}

/** A query string from `params` with `extra` over it (empty values dropped), for links that keep the filters. */
export function queryString(params: Record<string, string>, extra: Record<string, string | number> = {}): string {
  const all: Record<string, string> = { ...params };
  for (const [k, v] of Object.entries(extra)) all[k] = String(v);
  const entries = Object.entries(all).filter(([, v]) => v !== '');
  return entries.length ? `?${new URLSearchParams(entries).toString()}` : '';
}

/** Escape `%`, `_` and `\` for a LIKE pattern (used with `ESCAPE '\'`). */
export function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}


/** The data of the pager partial (views/partials/pager.ejs). */
export function pager(q: ListQuery, total: number, basePath: string): { page: number; pages: number; total: number; prev: string | null; next: string | null } {
  const pages = Math.max(1, Math.ceil(total / q.perPage));
  return {
    page: q.page, pages, total,
    prev: q.page > 1 ? basePath + queryString(q.params, { page: q.page - 1 }) : null,
    next: q.page < pages ? basePath + queryString(q.params, { page: q.page + 1 }) : null,
  };
}

/** What the confirmation page shows. All texts are i18n keys (with `params`). */
export interface ConfirmSpec {
  /** Page title key. */
  title: string;
  /** Explanation key: what will happen. */
  message: string;
  params?: Record<string, string | number>;
  /** Where the confirmed form posts (usually the same route). */
  action: string;
  /** Where "Cancel" goes back to. */
  back: string;
  /** Label key of the confirm button (default admin:confirm.yes). */
  button?: string;
  /** Red button for irreversible actions. */
  danger?: boolean;
}

/** Whether the posted form is the answer of a confirmation page (`confirm=yes`). */
export function isConfirmation(req: Request): boolean {
  return ((req.body ?? {}) as Record<string, unknown>).confirm === 'yes';
}

/**
 * True when the form was confirmed (`confirm=yes`); otherwise renders the
 * confirmation page, repeating every submitted field but `_csrf` and
 * `confirm` as hidden inputs, and returns false.
 */
export function confirmed(req: Request, res: Response, spec: ConfirmSpec): boolean {
  if (isConfirmation(req)) return true;
  const body = (req.body ?? {}) as Record<string, unknown>;
  const fields = Object.entries(body)
    .filter(([k, v]) => k !== '_csrf' && k !== 'confirm' && typeof v === 'string')
    .map(([name, value]) => ({ name, value: value as string }));
  res.render('admin/confirm', { title: req.t(spec.title), spec, fields });
  return false;
}
