/**
 * A ledger row's reason as its reader reads it: the system's rows (a
 * recharge's debit, a revocation's credit) carry a code and parameters and
 * are rendered through `ledger:reasons.<code>` in the page's language; rows
 * typed by staff or the CLI, and any code the locale files lack, show the
 * stored `reason` as written.
 */
import type { TFunction } from 'i18next';
import type { LedgerEntry } from './ledger.repository.js';

/** The reason of `entry` in the language of `t`. */
export function ledgerReason(t: TFunction, entry: Pick<LedgerEntry, 'reason' | 'reasonCode'>): string {
  if (!entry.reasonCode) return entry.reason;
  return t(`ledger:reasons.${entry.reasonCode.code}`, { ...entry.reasonCode.params, defaultValue: entry.reason });
}

/** The row with `reasonText` (its reason in the language of `t`), for pages and CSV files. */
export function withLedgerText<E extends Pick<LedgerEntry, 'reason' | 'reasonCode'>>(t: TFunction, entry: E): E & { reasonText: string } {
  return { ...entry, reasonText: ledgerReason(t, entry) };
}
