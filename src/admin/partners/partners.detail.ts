/**
 * The detail page of /admin/partners/:id: profile, state, balance and the
 * last 50 ledger rows (reasons in the reader's language), installations, recent recharges, logins and the audit
 * rows about the account, with the action forms the viewer's role allows
 * (none for support; no balance form on a closed account). The balance form
 * carries a fresh one-time `confirm_id` (UUID) on every render. Re-rendered with field errors or a notice after a
 * refused action.
 */
import { withAuditText } from '../../audit/index.js';
import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import type { Account } from '../../accounts/index.js';
import { formatInstallationCode } from '../../crypto/index.js';
import { withLedgerText } from '../../recharge/index.js';
import type { AdminDeps } from '../context.js';
import { UUID } from './partners.schemas.js';
import { allows, TRANSITIONS } from './partners.service.js';

export const LEDGER_ROWS = 50;
export const RECHARGE_ROWS = 20;
export const INSTALLATION_ROWS = 100;
export const LOGIN_ROWS = 20;
export const AUDIT_ROWS = 50;

type Form = 'suspend' | 'balance' | 'close' | 'role';

/** Why the page is shown again: field errors and typed values per form, or a notice (i18n key). */
export interface DetailState {
  errors?: Partial<Record<Form, Record<string, string>>>;
  values?: Partial<Record<Form, Record<string, string>>>;
  notice?: { key: string; params?: Record<string, string> };
}

export function createDetailRenderer(deps: AdminDeps) {
  return async (req: Request, res: Response, status: number, account: Account, state: DetailState = {}): Promise<void> => {
    const id = account.id;
    const [balance, ledger, installations, recharges, logins, audit] = await Promise.all([
      deps.ledger.balance(id),
      deps.ledger.entries(id, LEDGER_ROWS),
      deps.recharges.installationsOf(id),
      deps.recharges.list({ partnerId: id }, RECHARGE_ROWS, 0),
      deps.auth.recentSessions(id, LOGIN_ROWS),
      deps.audit.list({ targetType: 'account', targetId: String(id) }, AUDIT_ROWS),
    ]);
    const me = req.account!;
    // The balance form's one-time id: a fresh one for every page, the posted one when the form comes back with errors (nothing was recorded).
    const posted = state.values?.balance?.confirm_id ?? '';
    const balanceConfirmId = UUID.test(posted) ? posted : crypto.randomUUID();
    const canAct = (me.role === 'admin' || me.role === 'superadmin') && me.id !== id && (account.role === 'partner' || me.role === 'superadmin');
    res.status(status).render('admin/partners/show', {
      title: req.t('admin-partners:show.title', { name: account.company || account.email }),
      a: account,
      balance,
      ledger: ledger.map((e) => withLedgerText(req.t, e)),
      installations: installations.slice(0, INSTALLATION_ROWS),
      installationsTotal: installations.length,
      recharges: recharges.rows,
      rechargesTotal: recharges.total,
      logins,
      audit: audit.map((r) => withAuditText(req.t, r)),
      formatCode: formatInstallationCode,
      canAct,
      canChangeRole: me.role === 'superadmin' && me.id !== id,
      // A key file download delivers it (no revocation afterwards): not for read-only support.
      canDownloadKeys: me.role === 'admin' || me.role === 'superadmin',
      can: Object.fromEntries(Object.keys(TRANSITIONS).map((t) => [t, allows(t as keyof typeof TRANSITIONS, account)])),
      balanceConfirmId,
      errors: state.errors ?? {},
      values: state.values ?? {},
      notice: state.notice ?? null,
    });
  };
}
