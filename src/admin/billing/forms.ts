/**
 * The forms of the billing admin pages, read into the billing services'
 * shapes. Every parser answers `{ ok: true, data }` or `{ ok: false, errors }`
 * (field → i18n key) and never throws: bad input re-renders its form.
 * Amounts are typed as people write them ("12,50", "1 000") and read by
 * money.ts parseAmount in the currency concerned (XOF has no decimals).
 */
import {
  BILLING_CYCLES, CURRENCIES, isCurrency, MAX_FEATURES, parseAmount, PLAN_TYPES, planErrors, toDecimalString as decimal,
  type BillingCycle, type Currency, type Plan, type PlanFeature, type PlanFields, type PlanType,
} from '../../billing/index.js';

export type Parsed<T> = { ok: true; data: T } | { ok: false; errors: Record<string, string> };

const E = (k: string): string => `admin-billing:errors.${k}`;
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The string fields of a posted form (anything else, an array or a missing field, reads as ''). */
export function typed(body: unknown, fields: readonly string[]): Record<string, string> {
  const b = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(fields.map((f) => [f, typeof b[f] === 'string' ? (b[f] as string) : '']));
}

/** An amount field into minor units of `currency`, or the error key. */
export function amountField(text: string, currency: Currency, allowZero: boolean): { minor: number } | { error: string } {
  if (!text.trim()) return { error: E(allowZero ? 'amount_format' : 'amount_required') };
  const r = parseAmount(text, currency);
  if ('error' in r) return { error: E(`amount_${r.error}`) };
  if (!allowZero && r.minor === 0) return { error: E('amount_required') };
  return r;
}

/** A whole number typed in a form (at most 10 digits), or null. */
function whole(text: string): number | null {
  const t = text.trim();
  return /^\d{1,10}$/.test(t) ? Number(t) : null;
}

const featureNames = (i: number): string[] => [`feature_${i}_name_fr`, `feature_${i}_name_en`, `feature_${i}_value`];

/** Every field of the plan form. */
export const PLAN_FORM_FIELDS: readonly string[] = [
  'slug', 'name_fr', 'name_en', 'description_fr', 'description_en', 'type', 'price', 'currency', 'billing_cycle', 'trial_days', 'setup_fee',
  'units_per_period', 'max_installations', 'display_order', 'is_active', 'is_public', 'highlighted',
  ...Array.from({ length: MAX_FEATURES }, (_, i) => featureNames(i)).flat(),
];

/** A plan as the form's values (amounts as decimal text in the plan's currency, with a decimal comma in French). */
export function planValues(p: Plan, locale: string): Record<string, string> {
  const toDecimalString = (minor: number, currency: Currency): string => {
    const text = decimal(minor, currency);
    return locale === 'fr' ? text.replace('.', ',') : text;
  };
  const v: Record<string, string> = {
    slug: p.slug, name_fr: p.nameFr, name_en: p.nameEn, description_fr: p.descriptionFr, description_en: p.descriptionEn, type: p.type,
    price: toDecimalString(p.price, p.currency), currency: p.currency, billing_cycle: p.billingCycle, trial_days: String(p.trialDays),
    setup_fee: toDecimalString(p.setupFee, p.currency), units_per_period: String(p.limits.units_per_period),
    max_installations: p.limits.max_installations === null ? '' : String(p.limits.max_installations), display_order: String(p.displayOrder),
    is_active: p.isActive ? 'yes' : '', is_public: p.isPublic ? 'yes' : '', highlighted: p.highlighted ? 'yes' : '',
  };
  p.features.forEach((f, i) => { [v[`feature_${i}_name_fr`], v[`feature_${i}_name_en`], v[`feature_${i}_value`]] = [f.name_fr, f.name_en, f.value]; });
  return v;
}

/** The values of the empty "new plan" form. */
export const NEW_PLAN_VALUES: Record<string, string> = {
  type: 'monthly', currency: 'EUR', billing_cycle: 'month', trial_days: '0', setup_fee: '0', units_per_period: '0', display_order: '10', is_active: 'yes',
};

function features(v: Record<string, string>, errors: Record<string, string>): PlanFeature[] {
  const out: PlanFeature[] = [];
  for (let i = 0; i < MAX_FEATURES; i += 1) {
    const [fr, en, value] = featureNames(i).map((n) => v[n]!.trim()) as [string, string, string];
    if (!fr && !en && !value) continue;
    if (!fr || !en || !value || [fr, en, value].some((s) => s.length > 120 || CONTROL.test(s))) errors[`feature_${i}`] = E('feature_row');
    out.push({ name_fr: fr, name_en: en, value });
  }
  return out;
}

/**
 * The plan form into PlanFields (planErrors' rules, plus the typing: amounts, whole numbers, checkboxes).
 * `max_installations` left empty means no limit.
 */
export function parsePlan(body: unknown): Parsed<PlanFields> {
  const v = typed(body, PLAN_FORM_FIELDS);
  const errors: Record<string, string> = {};
  const currency = v.currency!.trim();
  if (!isCurrency(currency)) errors.currency = E('currency');
  const money = (field: 'price' | 'setup_fee'): number => {
    if (!isCurrency(currency)) return 0;
    const r = amountField(v[field]!, currency, true);
    if ('error' in r) errors[field] = r.error;
    return 'minor' in r ? r.minor : 0;
  };
  const num = (field: string, key: string, empty: number | null = null): number | null => {
    if (!v[field]!.trim() && empty !== null) return empty;
    const n = whole(v[field]!);
    if (n === null) errors[field] = E(key);
    return n;
  };
  const inst = v.max_installations!.trim() ? num('max_installations', 'installations') : null;
  const data: PlanFields = {
    slug: v.slug!.trim(), nameFr: v.name_fr!.trim(), nameEn: v.name_en!.trim(), descriptionFr: v.description_fr!.trim(),
    descriptionEn: v.description_en!.trim(), type: v.type as PlanType, price: money('price'), currency: (isCurrency(currency) ? currency : 'EUR'),
    billingCycle: v.billing_cycle as BillingCycle, trialDays: num('trial_days', 'trial_days', 0) ?? 0, setupFee: money('setup_fee'),
    features: features(v, errors), limits: { units_per_period: num('units_per_period', 'units', 0) ?? 0, max_installations: inst },
    isActive: v.is_active === 'yes', isPublic: v.is_public === 'yes', displayOrder: num('display_order', 'display_order', 0) ?? 0,
    highlighted: v.highlighted === 'yes',
  };
  // A bad feature row is already named on its row; the plan-wide features error would repeat it.
  const rowErrors = Object.keys(errors).some((x) => x.startsWith('feature_'));
  for (const [k, e] of Object.entries(planErrors(data))) if (!errors[k] && !(k === 'features' && rowErrors)) errors[k] = e;
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, data };
}

export { BILLING_CYCLES, CURRENCIES, PLAN_TYPES };

/** How many lines the manual invoice form shows. */
export const MANUAL_LINES = 5;
const lineNames = (i: number): string[] => [`line_${i}_description`, `line_${i}_quantity`, `line_${i}_unit_price`, `line_${i}_vat_rate`];
export const MANUAL_FORM_FIELDS: readonly string[] = ['partner', 'currency', ...Array.from({ length: MANUAL_LINES }, (_, i) => lineNames(i)).flat()];

export interface ManualInvoiceForm {
  partner: string;
  currency: Currency;
  lines: { description: string; quantity: number; unitPrice: number; vatRateBp: number }[];
}

/** A VAT rate typed as a percentage ("20", "5,5") into basis points, or null. */
function rateBp(text: string): number | null {
  const m = /^(\d{1,3})(?:[.,](\d{1,2}))?$/.exec(text.trim());
  if (!m) return null;
  const bp = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0') || '0');
  return bp <= 10000 ? bp : null;
}

/** The manual invoice form: a partner, a currency, 1..5 filled lines (an empty rate takes `defaultRateBp`). */
export function parseManualInvoice(body: unknown, defaultRateBp: number): Parsed<ManualInvoiceForm> {
  const v = typed(body, MANUAL_FORM_FIELDS);
  const errors: Record<string, string> = {};
  const currency = v.currency!.trim();
  if (!isCurrency(currency)) errors.currency = E('currency');
  if (!v.partner!.trim()) errors.partner = E('partner');
  const lines: ManualInvoiceForm['lines'] = [];
  for (let i = 0; i < MANUAL_LINES; i += 1) {
    const [d, q, p, r] = lineNames(i).map((n) => v[n]!.trim()) as [string, string, string, string];
    if (!d && !q && !p && !r) continue;
    const quantity = whole(q || '1');
    const price = isCurrency(currency) ? amountField(p, currency, true) : { error: E('currency') };
    const rate = r ? rateBp(r) : defaultRateBp;
    if (!d || d.length > 500 || CONTROL.test(d)) errors[`line_${i}`] = E('line');
    else if (quantity === null || quantity < 1 || quantity > 1_000_000) errors[`line_${i}`] = E('quantity');
    else if ('error' in price) errors[`line_${i}`] = price.error;
    else if (rate === null) errors[`line_${i}`] = E('vat_rate');
    else lines.push({ description: d, quantity, unitPrice: price.minor, vatRateBp: rate });
  }
  if (!lines.length && !Object.keys(errors).some((k) => k.startsWith('line_'))) errors.line_0 = E('no_lines');
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, data: { partner: v.partner!.trim(), currency: currency as Currency, lines } };
}

/** A calendar day YYYY-MM-DD that exists, or null. */
export function calendarDay(text: string): string | null {
  const t = text.trim();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(t)) return null;
  const d = new Date(`${t}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === t ? t : null;
}

/** A one-line text of at most `max` characters without control characters (may be empty), or null. */
export function oneLine(text: string, max: number): string | null {
  const t = text.trim();
  return t.length <= max && !CONTROL.test(t) ? t : null;
}
