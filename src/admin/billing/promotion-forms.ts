/**
 * The promotion form of /admin/promotions, read into PromotionFields. Like
 * forms.ts: `{ ok: true, data }` or `{ ok: false, errors }` (field → i18n
 * key), never a throw. A percentage is typed as a percent with at most two
 * decimals ("12,5") and kept in basis points; a fixed amount and the minimum
 * are typed as people write money in the chosen currency (money.ts
 * parseAmount: XOF has no decimals). Plans are checkboxes `plan_<id>`
 * (none ticked: every plan). Days are YYYY-MM-DD (the date inputs).
 */
import {
  isCurrency, normaliseCode, promotionErrors, toDecimalString, type Currency, type Promotion, type PromotionFields, type PromotionKind,
  type PromotionScope,
} from '../../billing/index.js';
import { amountField, calendarDay, typed, type Parsed } from './forms.js';

const E = (k: string): string => `admin-promotions:errors.${k}`;

/** Every field of the form but the plan checkboxes. */
export const PROMOTION_FORM_FIELDS: readonly string[] = [
  'code', 'name', 'kind', 'value', 'currency', 'max_uses', 'max_uses_per_customer', 'applies_to', 'starts_on', 'ends_on', 'min_amount',
  'is_active', 'auto_apply', 'new_customers_only',
];

/** The values of the empty "new promotion" form. */
export const NEW_PROMOTION_VALUES: Record<string, string> = {
  kind: 'percentage', currency: '', max_uses_per_customer: '1', applies_to: 'first', min_amount: '', is_active: 'yes',
};

/** A percent typed with at most two decimals ("10", "12,5") into basis points, or null. */
export function percentBp(text: string): number | null {
  const m = /^(\d{1,6})(?:[.,](\d{1,2}))?$/.exec(text.trim());
  return m ? Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0')) : null;
}

/** The ticked plan checkboxes (`plan_<id>` = yes) as ids. */
export function tickedPlans(body: unknown): number[] {
  const b = (body ?? {}) as Record<string, unknown>;
  return Object.keys(b).map((k) => /^plan_([1-9]\d{0,8})$/.exec(k)).filter((m) => m && b[m[0]] === 'yes').map((m) => Number(m![1]));
}

/** An amount as the form shows it (a decimal comma in French). */
function decimalIn(minor: number, currency: Currency, locale: string): string {
  const text = toDecimalString(minor, currency);
  return locale === 'fr' ? text.replace('.', ',') : text;
}

/** A promotion as the form's values; its plans as `plan_<id>` = yes. */
export function promotionValues(p: Promotion, locale: string): Record<string, string> {
  const value = p.kind === 'percentage' ? decimalIn(p.value, 'EUR', locale).replace(/[.,]00$/, '') : decimalIn(p.value, p.currency ?? 'EUR', locale);
  const v: Record<string, string> = {
    code: p.code, name: p.name, kind: p.kind, value, currency: p.currency ?? '', max_uses: p.maxUses === null ? '' : String(p.maxUses),
    max_uses_per_customer: p.maxUsesPerCustomer === null ? '' : String(p.maxUsesPerCustomer), applies_to: p.appliesTo, starts_on: p.startsOn ?? '',
    ends_on: p.endsOn ?? '', min_amount: p.minAmount ? decimalIn(p.minAmount, p.currency ?? 'EUR', locale) : '', is_active: p.isActive ? 'yes' : '',
    auto_apply: p.autoApply ? 'yes' : '', new_customers_only: p.newCustomersOnly ? 'yes' : '',
  };
  for (const id of p.planIds) v[`plan_${id}`] = 'yes';
  return v;
}

/** The form's values to show again after an error: its text fields and its ticked plans. */
export function postedValues(body: unknown): Record<string, string> {
  const v = typed(body, PROMOTION_FORM_FIELDS);
  for (const id of tickedPlans(body)) v[`plan_${id}`] = 'yes';
  return v;
}

/** A whole count typed in a form: '' is no limit (null); otherwise 1..10^9, or undefined (an error). */
function limit(text: string): number | null | undefined {
  const t = text.trim();
  if (!t) return null;
  return /^\d{1,10}$/.test(t) && Number(t) >= 1 && Number(t) <= 1_000_000_000 ? Number(t) : undefined;
}

/** The promotion form into PromotionFields (promotionErrors' rules, plus the typing). */
export function parsePromotion(body: unknown): Parsed<PromotionFields> {
  const v = typed(body, PROMOTION_FORM_FIELDS);
  const errors: Record<string, string> = {};
  const currencyText = v.currency!.trim();
  const currency = currencyText === '' ? null : isCurrency(currencyText) ? currencyText : undefined;
  if (currency === undefined) errors.currency = E('currency');
  const kind = v.kind as PromotionKind;
  let value = 0;
  if (kind === 'percentage') {
    const bp = percentBp(v.value!);
    if (bp === null || bp < 1 || bp > 10000) errors.value = E('percentage');
    else value = bp;
  } else if (kind === 'fixed' && currency) {
    const r = amountField(v.value!, currency, false);
    if ('error' in r) errors.value = r.error;
    else value = r.minor;
  } else if (kind === 'fixed' && currency === null) {
    errors.currency = E('currency_required');
  }
  let minAmount = 0;
  if (v.min_amount!.trim()) {
    if (!currency) errors.currency ??= E('currency_required');
    else {
      const r = amountField(v.min_amount!, currency, true);
      if ('error' in r) errors.min_amount = r.error;
      else minAmount = r.minor;
    }
  }
  const day = (field: 'starts_on' | 'ends_on'): string | null => {
    if (!v[field]!.trim()) return null;
    const d = calendarDay(v[field]!);
    if (d === null) errors[field] = E('day');
    return d;
  };
  const count = (field: 'max_uses' | 'max_uses_per_customer'): number | null => {
    const n = limit(v[field]!);
    if (n === undefined) errors[field] = E('count');
    return n ?? null;
  };
  const data: PromotionFields = {
    code: normaliseCode(v.code), name: v.name!.trim(), kind, value, currency: currency ?? null, maxUses: count('max_uses'),
    maxUsesPerCustomer: count('max_uses_per_customer'), appliesTo: v.applies_to as PromotionScope, startsOn: day('starts_on'), endsOn: day('ends_on'),
    isActive: v.is_active === 'yes', autoApply: v.auto_apply === 'yes', newCustomersOnly: v.new_customers_only === 'yes', minAmount,
    planIds: tickedPlans(body),
  };
  // Without a currency the amounts could not be read: their errors would only repeat the currency's.
  const unread = errors.currency ? ['value', 'min_amount'] : [];
  for (const [k, e] of Object.entries(promotionErrors(data))) if (!errors[k] && !unread.includes(k)) errors[k] = e;
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, data };
}
