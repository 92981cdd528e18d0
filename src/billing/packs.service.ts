/**
 * Unit packs: the only writer of `pack_purchases`. A pack is a plan of type
 * `custom` with the cycle `one-time` (plans.service.ts isUnitPack); it gives
 * its `limits.units_per_period` once. A partner whose subscription lets them
 * recharge (trialing, active, past_due: the units are for recharging) buys an
 * active public pack with a price: one transaction issues its `one-time`
 * invoice (the credit balance applies, as at every finalisation) and the
 * purchase row (idempotency key chosen when the summary is shown: a double
 * submit buys once), with its audit row `unit_pack.ordered`.
 *
 * The units are credited in the transaction of the payment that makes the
 * invoice paid (InvoicePaidHook, registered by createSubscriptions), or at
 * once when the credit balance paid it all: LedgerService.creditIn with the
 * invoice number as reference, `credited_at` set and the audit row
 * `unit_pack.credited`. Exactly once: a paid invoice takes no other payment,
 * the purchase row is checked and locked, and the ledger refuses a
 * reference it holds already.
 *
 * Lock order: the chain counter (an invoice is issued), then the partner's
 * account, as SubscriptionsService. Mails (invoice issued, payment received)
 * leave after commit.
 */
import type { Actor, AuditService } from '../audit/index.js';
import type { BillingConfig } from '../config/index.js';
import { ConflictError, ERR, ValidationError } from '../errors/index.js';
import type { Clock } from '../platform/clock.js';
import { isUniqueViolation, type Db } from '../platform/db.js';
import type { Invoice } from './invoices.repository.js';
import type { VatTreatment } from './mentions.js';
import type { DraftLine, InvoicesService } from './invoices.service.js';
import { formatMoney, moneyText } from './money.js';
import { PacksRepository, type PackPurchase, type PackPurchaseRow } from './packs.repository.js';
import type { InvoicePaidHook } from './payments.service.js';
import type { Plan } from './plans.repository.js';
import { isUnitPack } from './plans.service.js';
import type { GateReason, PendingMail, UnitLedger } from './subscriptions.service.js';
import { namespaceText, type BillingLocale } from './texts.js';

/** The largest credit the unit ledger takes at once: a pack above it is not offered. */
export const MAX_PACK_UNITS = 10_000_000;

/** What packs need of the subscriptions: the partner's lock, whether the partner may use units, the mails. */
export interface PackSubscriptions {
  lockAccountIn(trx: Db, accountId: number): Promise<unknown>;
  gateIn(trx: Db, accountId: number): Promise<GateReason | null>;
  deliver(mails: PendingMail[]): Promise<void>;
}

export interface PacksDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  invoices: InvoicesService;
  ledger: UnitLedger;
  billing: BillingConfig;
}

/** A pack's summary before buying: the lines and totals (minor units of the pack's currency) and the units. */
export interface PackPreview {
  plan: Plan;
  lines: DraftLine[];
  ht: number;
  vatBreakdown: { rateBp: number; base: number; vat: number }[];
  ttc: number;
  vat: VatTreatment;
  units: number;
}

export interface PackOrder {
  purchase: PackPurchase;
  invoice: Invoice;
  /** True when this key had bought it already (nothing new written). */
  repeated: boolean;
}

const KEY = /^[\w-]{8,100}$/;

/** Whether `p` is offered as a pack: active, public, a unit pack with a price and 1..MAX_PACK_UNITS units. */
export function isOffered(p: Plan): boolean {
  const units = p.limits.units_per_period;
  return p.isActive && p.isPublic && isUnitPack(p) && p.price > 0 && Number.isSafeInteger(units) && units >= 1 && units <= MAX_PACK_UNITS;
}

export class PacksService implements InvoicePaidHook {
  private readonly repo: PacksRepository;

  constructor(private readonly deps: PacksDeps, private readonly subs: PackSubscriptions) {
    this.repo = new PacksRepository(deps.db);
  }

  /** The packs on offer, in display order. */
  async offered(): Promise<Plan[]> {
    return (await this.repo.offered()).filter(isOffered);
  }

  /** The account's purchases with their invoices, newest first. */
  purchases(accountId: number, limit = 50): Promise<PackPurchaseRow[]> {
    return this.repo.ofAccount(accountId, limit);
  }

  /** The invoice line of `plan` in `locale`. */
  linesFor(plan: Plan, locale: BillingLocale): DraftLine[] {
    const name = locale === 'en' ? plan.nameEn : plan.nameFr;
    const units = new Intl.NumberFormat(locale === 'en' ? 'en-GB' : 'fr-FR').format(plan.limits.units_per_period);
    return [{ description: namespaceText('packs', locale, 'line', { pack: name, units }), quantity: 1, unitPrice: plan.price }];
  }

  private async pack(db: PacksRepository, planId: number): Promise<Plan> {
    const plan = Number.isSafeInteger(planId) && planId > 0 ? await db.plan(planId) : null;
    if (!plan || !isOffered(plan)) throw new ValidationError({ plan: 'packs:errors.unavailable' });
    return plan;
  }

  /** The summary before buying `planId`. @throws ValidationError {plan} when it is not offered (any more). */
  async preview(accountId: number, planId: number, locale: BillingLocale): Promise<PackPreview> {
    const plan = await this.pack(this.repo, planId);
    const lines = this.linesFor(plan, locale);
    const { totals, vat } = await this.deps.invoices.preview(accountId, lines);
    return { plan, lines, ht: totals.ht, vatBreakdown: totals.vatBreakdown, ttc: totals.ttc, vat, units: plan.limits.units_per_period };
  }

  /**
   * Buy pack `planId` for `accountId` with idempotency key `key` (module comment): the invoice, in the buyer's language.
   * @throws ValidationError {plan} not offered; {form: packs:errors.stale_form} bad key; {form: packs:gate.<reason>} the
   *   subscription does not allow it; ConflictError CONFLICT when the key bought for another account.
   */
  async buy(accountId: number, planId: number, key: string, actor: Actor): Promise<PackOrder> {
    if (typeof key !== 'string' || !KEY.test(key)) throw new ValidationError({ form: 'packs:errors.stale_form' });
    await this.pack(this.repo, planId);
    const mails: PendingMail[] = [];
    try {
      const order = await this.deps.db.transaction((trx) => this.buyIn(trx, accountId, planId, key, actor, mails));
      void this.subs.deliver(mails);
      return order;
    } catch (err) {
      // A concurrent double submit on PostgreSQL: the other transaction bought it.
      const done = isUniqueViolation(err) ? await this.repo.byKey(key) : null;
      if (!done) throw err;
      return this.repeated(done, accountId, (await this.deps.invoices.byId(done.invoiceId))!);
    }
  }

  private repeated(done: PackPurchase, accountId: number, invoice: Invoice): PackOrder {
    if (done.accountId !== accountId) throw new ConflictError('idempotency key used by another account', ERR.CONFLICT);
    return { purchase: done, invoice, repeated: true };
  }

  private async buyIn(trx: Db, accountId: number, planId: number, key: string, actor: Actor, mails: PendingMail[]): Promise<PackOrder> {
    await this.deps.invoices.lockChainIn(trx);
    await this.subs.lockAccountIn(trx, accountId);
    const repo = this.repo.with(trx);
    const done = await repo.byKey(key);
    if (done) return this.repeated(done, accountId, (await this.deps.invoices.lockForPayment(trx, done.invoiceId))!);
    const gate = await this.subs.gateIn(trx, accountId);
    if (gate) throw new ValidationError({ form: `packs:gate.${gate}` });
    const plan = await this.pack(repo, planId);
    const lines = this.linesFor(plan, await repo.locale(accountId));
    const invoice = await this.deps.invoices.issueIn(trx, accountId, lines, { type: 'one-time', currency: plan.currency, subscriptionId: null }, actor);
    const units = plan.limits.units_per_period;
    await repo.insert({ accountId, planId: plan.id, invoiceId: invoice.id, units, idempotencyKey: key }, this.deps.clock.now());
    await this.deps.audit.record(trx, actor, 'unit_pack.ordered', { type: 'invoice', id: invoice.id }, {
      number: invoice.number, pack: plan.slug, units, amount_text: moneyText(invoice.totalTtc, invoice.currency),
    });
    const amount = formatMoney(invoice.amountDue, invoice.currency, invoice.locale);
    mails.push({ kind: 'invoice_issued', accountId, invoiceId: invoice.id, params: { number: invoice.number!, amount, due: invoice.dueDate ?? '' } });
    if (invoice.status === 'paid') await this.creditIn(trx, (await repo.byKey(key))!, invoice, actor);
    return { purchase: (await repo.byKey(key))!, invoice, repeated: false };
  }

  /**
   * InvoicePaidHook (PaymentsService, inside the payment's transaction, the invoice locked): a pack's invoice is
   * paid, its units go to the partner's ledger once (module comment); the payment mail leaves after commit.
   */
  async invoicePaidIn(trx: Db, invoice: Invoice, actor: Actor): Promise<(() => void) | void> {
    if (invoice.kind !== 'invoice' || invoice.subscriptionId) return;
    const purchase = await this.repo.with(trx).byInvoice(invoice.id, true);
    if (!purchase || purchase.creditedAt) return;
    await this.creditIn(trx, purchase, invoice, actor);
    const params = { number: invoice.number!, amount: formatMoney(invoice.amountDue, invoice.currency, invoice.locale) };
    return () => void this.subs.deliver([{ kind: 'payment_received', accountId: invoice.accountId, params }]);
  }

  private async creditIn(trx: Db, purchase: PackPurchase, invoice: Invoice, actor: Actor): Promise<void> {
    const number = invoice.number!;
    const credited = await this.deps.ledger.creditIn(trx, purchase.accountId, purchase.units, `unit pack ${number}`, number, actor);
    await this.repo.with(trx).markCredited(purchase.id, this.deps.clock.now());
    await this.deps.audit.record(trx, actor, 'unit_pack.credited', { type: 'invoice', id: invoice.id }, {
      number, units: purchase.units, account: purchase.accountId, credited: credited ? 'yes' : 'no',
    });
  }
}
