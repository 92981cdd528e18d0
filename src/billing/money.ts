/**
 * Money: amounts are integers in the currency's minor unit (cents for EUR,
 * francs for XOF, which has none), always carried with their currency.
 * Nothing here does I/O; every total of an invoice or credit note comes from
 * {@link computeTotals}, so there is one rounding rule in the code base.
 *
 * THE ROUNDING RULE (the only place it is written):
 * 1. line HT = quantity × unit price HT, both integers: exact, no rounding;
 * 2. a discount is taken off the line HT, before VAT (a percentage discount is
 *    rounded half away from zero to the minor unit, see {@link percentOf});
 * 3. VAT is computed per rate on the sum of the HT of the lines at that rate
 *    (not line by line), rounded half away from zero to the minor unit;
 * 4. TTC = HT + VAT (sum of the per-rate amounts), exact.
 * Rates are basis points: 20 % = 2000, 5.5 % = 550 (two decimals of a percent).
 * Source: CGI art. 266 (VAT base is the price net of discounts) and the
 * per-rate totals required on invoices by CGI annexe II art. 242 nonies A.
 */

/** The currencies the portal accepts, with their ISO 4217 minor-unit exponent. */
export const CURRENCY_EXPONENTS = { EUR: 2, XOF: 0, USD: 2, GBP: 2, CHF: 2, XAF: 0 } as const;
export type Currency = keyof typeof CURRENCY_EXPONENTS;
export const CURRENCIES = Object.keys(CURRENCY_EXPONENTS) as [Currency, ...Currency[]];

/** Whether `code` is one of {@link CURRENCIES}. */
export function isCurrency(code: unknown): code is Currency {
  return typeof code === 'string' && Object.hasOwn(CURRENCY_EXPONENTS, code);
}

/** Why a typed amount was refused: not a number, below zero, more decimals than the currency has, past 2^53 − 1 minor units. */
export type AmountError = 'format' | 'negative' | 'precision' | 'too_large';

/**
 * Read an amount typed by a person ("12,50", "12.50", "1 000", "1 000,5") in
 * `currency` into minor units. Spaces (also no-break ones) group thousands;
 * the one comma or dot separates decimals.
 * @returns `{ minor }`, or `{ error }` naming the reason (never throws).
 */
export function parseAmount(text: string, currency: Currency): { minor: number } | { error: AmountError } {
  const compact = text.trim().replace(/[\s\u00a0\u202f]/g, '');
  if (/^-/.test(compact)) return { error: 'negative' };
  const m = /^(\d+)(?:[.,](\d+))?$/.exec(compact);
  if (!m) return { error: 'format' };
  const exponent = CURRENCY_EXPONENTS[currency];
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (fraction.length > exponent) return { error: 'precision' };
  const minor = BigInt(m[1]!) * 10n ** BigInt(exponent) + BigInt(fraction.padEnd(exponent, '0') || '0');
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) return { error: 'too_large' };
  return { minor: Number(minor) };
}

/** The amount as a plain decimal string ("1234.50", "-3", "1500" for XOF): for CSV files and exact formatting. */
export function toDecimalString(minor: number, currency: Currency): string {
  const exponent = CURRENCY_EXPONENTS[currency];
  const digits = Math.abs(minor).toString().padStart(exponent + 1, '0');
  const sign = minor < 0 ? '-' : '';
  return exponent === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/** The amount with its currency code, the same in every language ("1234.50 EUR"): for audit rows and logs. */
export function moneyText(minor: number, currency: Currency): string {
  return `${toDecimalString(minor, currency)} ${currency}`;
}

/**
 * The amount for display in `locale` ("1 234,50 €" in fr, "€1,234.50" in en), through
 * Intl.NumberFormat with the currency. Formats the exact decimal string, so no float rounding.
 */
export function formatMoney(minor: number, currency: Currency, locale: string): string {
  return cachedFormat(`${locale}|${currency}`, () => {
    const exponent = CURRENCY_EXPONENTS[currency];
    return new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: exponent, maximumFractionDigits: exponent });
  }).format(toDecimalString(minor, currency) as unknown as number);
}

const formats = new Map<string, Intl.NumberFormat>();

/** A formatter built once per key (building one costs more than formatting a PDF's amounts); at most 64 kept. */
function cachedFormat(key: string, make: () => Intl.NumberFormat): Intl.NumberFormat {
  let f = formats.get(key);
  if (!f) {
    if (formats.size >= 64) formats.clear();
    formats.set(key, (f = make()));
  }
  return f;
}

/** `numerator / denominator` rounded half away from zero (2.5 → 3, −2.5 → −3); denominator > 0. */
export function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const q = numerator / denominator;
  const r = numerator % denominator;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice < denominator) return q;
  return numerator < 0n ? q - 1n : q + 1n;
}

/** `rateBp` basis points of `amount` minor units, rounded half away from zero (rule step 2 and 3). */
export function percentOf(amount: number, rateBp: number): number {
  return Number(divideRounded(BigInt(amount) * BigInt(rateBp), 10000n));
}

/** One line to total: quantity and unit price HT integers ≥ 0, VAT rate in basis points, optional discount HT (minor units). */
export interface LineInput {
  quantity: number;
  unitPrice: number;
  vatRateBp: number;
  discount?: number;
}

/** The amounts of one VAT rate: base HT and VAT (minor units). */
export interface VatPart {
  rateBp: number;
  base: number;
  vat: number;
}

export interface Totals {
  /** Each line's HT after its discount, in input order. */
  lines: number[];
  ht: number;
  vat: number;
  ttc: number;
  /** One entry per rate, lowest rate first. */
  vatBreakdown: VatPart[];
}

/** Raised when a line or a total leaves the safe integer range, or a line is malformed: a bug or hostile input. */
export class MoneyError extends Error {}

function safe(n: bigint, what: string): number {
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < -BigInt(Number.MAX_SAFE_INTEGER)) throw new MoneyError(`${what} beyond 2^53 - 1`);
  return Number(n);
}

/**
 * Totals of a document by THE ROUNDING RULE (module comment).
 * @throws MoneyError for a non-integer or negative quantity/price/discount, a discount above the line,
 *   a rate outside 0..10000, or an amount past Number.MAX_SAFE_INTEGER.
 */
export function computeTotals(lines: readonly LineInput[]): Totals {
  const perRate = new Map<number, bigint>();
  const lineHts: number[] = [];
  for (const l of lines) {
    for (const v of [l.quantity, l.unitPrice, l.discount ?? 0]) {
      if (!Number.isSafeInteger(v) || v < 0) throw new MoneyError('quantity, unit price and discount are integers >= 0');
    }
    if (!Number.isInteger(l.vatRateBp) || l.vatRateBp < 0 || l.vatRateBp > 10000) throw new MoneyError('VAT rate outside 0..100 %');
    const gross = BigInt(l.quantity) * BigInt(l.unitPrice);
    const discount = BigInt(l.discount ?? 0);
    if (discount > gross) throw new MoneyError('discount above the line amount');
    const ht = gross - discount;
    lineHts.push(safe(ht, 'line HT'));
    perRate.set(l.vatRateBp, (perRate.get(l.vatRateBp) ?? 0n) + ht);
  }
  const vatBreakdown: VatPart[] = [...perRate].sort(([a], [b]) => a - b).map(([rateBp, base]) => ({
    rateBp, base: safe(base, 'HT of a rate'), vat: safe(divideRounded(base * BigInt(rateBp), 10000n), 'VAT of a rate'),
  }));
  const ht = vatBreakdown.reduce((s, p) => s + BigInt(p.base), 0n);
  const vat = vatBreakdown.reduce((s, p) => s + BigInt(p.vat), 0n);
  return { lines: lineHts, ht: safe(ht, 'HT'), vat: safe(vat, 'VAT'), ttc: safe(ht + vat, 'TTC'), vatBreakdown };
}

/** A rate in basis points as a percentage for display: 2000 → "20", 550 → "5.5" (fr: "5,5"). */
export function formatRate(rateBp: number, locale: string): string {
  return cachedFormat(`${locale}|rate`, () => new Intl.NumberFormat(locale, { maximumFractionDigits: 2 })).format(rateBp / 100);
}
