/**
 * The legal mentions of an invoice, decided from the seller's VAT regime and
 * the buyer, and the VAT treatment that goes with them. Pure.
 * Sources: Code de commerce L441-9 and L441-10 (due date, late-payment
 * penalties, the 40 € fixed recovery indemnity owed by business buyers,
 * D441-5); CGI art. 293 B (franchise en base); CGI art. 283-2 and
 * directive 2006/112/CE art. 196 (reverse charge for an EU business buyer);
 * CGI art. 259-1° (a service to a business established outside the EU is
 * supplied where the buyer is: no French VAT, the `export` mention).
 * Decision: a buyer outside the EU without a company name (a consumer) is
 * charged French VAT (the cautious reading; no such partner exists today).
 * Monaco is France for VAT (convention of 1963); the French overseas
 * departments are treated as France (their own rates are not handled).
 */
import type { BillingConfig } from '../config/index.js';
import type { BuyerRow } from './invoices.repository.js';
import { formatRate } from './money.js';
import { billingText, type BillingLocale } from './texts.js';

/** EU member states (ISO 3166-1 alpha-2) besides France. */
const EU_OTHER = new Set(['AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'GR', 'HR', 'HU', 'IE', 'IT', 'LT', 'LU', 'LV', 'MT',
  'NL', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK']);

/** Within the French VAT territory for this component (module comment): France, Monaco, the overseas departments. */
const FRANCE_VAT = new Set(['FR', 'MC', 'GP', 'MQ', 'RE', 'GF', 'YT']);

/** How VAT applies to one sale: `standard` charges the lines' rates, the others charge none. */
export type VatTreatment = 'standard' | 'franchise' | 'reverse_charge' | 'export';

/** A buyer with a company name is a business (B2B): the recovery indemnity applies. */
export function isBusiness(buyer: Pick<BuyerRow, 'company'>): boolean {
  return buyer.company.trim() !== '';
}

/** The VAT treatment for this seller and buyer (module comment). */
export function vatTreatment(billing: Pick<BillingConfig, 'vatRegime'>, buyer: Pick<BuyerRow, 'company' | 'country' | 'vatNumber'>): VatTreatment {
  if (billing.vatRegime === 'franchise') return 'franchise';
  const country = buyer.country.toUpperCase();
  if (isBusiness(buyer) && buyer.vatNumber && EU_OTHER.has(country)) return 'reverse_charge';
  if (isBusiness(buyer) && /^[A-Z]{2}$/.test(country) && !EU_OTHER.has(country) && !FRANCE_VAT.has(country)) return 'export';
  return 'standard';
}

/** The mentions printed at the foot of a document, in the buyer's language, in the order printed. */
export function mentionsFor(billing: BillingConfig, buyer: BuyerRow, kind: 'invoice' | 'credit_note', dueDate: string, locale: BillingLocale,
  cited?: { number: string; issueDate: string }): string[] {
  const t = (key: string, params: Record<string, string> = {}) => billingText(locale, `mentions.${key}`, params);
  const out: string[] = [];
  if (kind === 'credit_note' && cited) out.push(t('credit_note_of', { number: cited.number, date: cited.issueDate }));
  if (kind === 'invoice') {
    out.push(t('due_date', { date: dueDate }));
    out.push(billing.latePenaltyRateBp === undefined ? t('penalty_legal') : t('penalty_rate', { rate: formatRate(billing.latePenaltyRateBp, locale) }));
    if (isBusiness(buyer)) out.push(t('recovery_indemnity'));
    out.push(t('no_discount'));
  }
  const treatment = vatTreatment(billing, buyer);
  if (treatment === 'franchise') out.push(t('franchise'));
  if (treatment === 'reverse_charge') out.push(t('reverse_charge'));
  if (treatment === 'export') out.push(t('export'));
  return out;
}
