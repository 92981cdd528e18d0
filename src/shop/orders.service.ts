/**
 * Customers' orders: the only writer of `orders`. A customer orders an offer
 * of a published product (quantity = seats): one transaction issues the
 * order's `one-time` invoice (the buyer's VAT treatment, the credit balance
 * applied as at every finalisation) and the order row (idempotency key chosen
 * when the summary is shown: a double submit orders once), audit
 * `order.placed`.
 *
 * The licenses exist only once paid: in the transaction of the payment that
 * makes the invoice paid (InvoicePaidHook: a manual payment, a gateway's
 * webhook, the PayPal return or the reconciliation; never a redirect), the
 * order is locked, checked still pending and marked paid, and its activation
 * batch is created (one license key per seat, each giving a license of the
 * offer's type and duration on activation: ActivationCodesService). A payment
 * notified twice, or a second payment of the same invoice, finds the order
 * paid and creates nothing. The purchase mail (keys, download link) leaves
 * after commit.
 *
 * Refunds: the customer asks within SHOP_REFUND_DAYS of payment; staff approve
 * (refunds.ts): the money goes back, then one transaction closes the batch
 * (its unused keys refused), revokes its licenses (validate answers
 * LICENSE_REVOKED at once) and marks the order refunded.
 */
import type { Actor, AuditService } from '../audit/index.js';
import {
  formatMoney, moneyText, type DraftLine, type Invoice, type InvoicePaidHook, type InvoicesService, type PromotionsService, type VatTreatment,
} from '../billing/index.js';
import { ConflictError, ERR, NotFoundError, ValidationError } from '../errors/index.js';
import type { ActivationCodesService, LicensesService } from '../licenses/index.js';
import type { Clock } from '../platform/clock.js';
import { isUniqueViolation, type Db } from '../platform/db.js';
import type { CatalogueRepository, Listing, Offer } from './catalogue.repository.js';
import { OrdersRepository, type LicenseKey, type Order, type OrderFilter, type OrderRow } from './orders.repository.js';
import type { ShopMails } from './shop.mails.js';

export interface OrdersDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  invoices: InvoicesService;
  codes: ActivationCodesService;
  licenses: Pick<LicensesService, 'extendIn'>;
  /** Promotion codes: a code without a plan list applies to the shop's orders (plan id 0), checked and used as at a plan's checkout. */
  promotions: Pick<PromotionsService, 'forCheckout' | 'applyIn' | 'recordIn'>;
  catalogue: CatalogueRepository;
  mails: ShopMails;
  contactOf(accountId: number): Promise<{ email: string; locale: 'fr' | 'en' } | null>;
  logger?: { error(obj: object, msg: string): void };
}

/** The summary before ordering: the lines and totals in minor units of the offer's currency. */
export interface OrderPreview {
  listing: Listing;
  offer: Offer;
  quantity: number;
  lines: DraftLine[];
  ht: number;
  vatBreakdown: { rateBp: number; base: number; vat: number }[];
  ttc: number;
  vat: VatTreatment;
  /** The code that applies (typed, or an auto-apply one), with its discount HT in minor units; null: none. */
  promotion: { code: string; name: string; discount: number; auto: boolean } | null;
  /** Why a typed code gives nothing (`promotions:refusals.<reason>`), or null. */
  codeError: string | null;
}

const KEY = /^[\w-]{8,100}$/;

/** Whether `order` can be renewed: a paid purchase whose offer has a renewal price and a duration (not lifetime). */
export function isRenewable(order: Order, offer: Offer | null): offer is Offer {
  return order.kind === 'purchase' && order.status === 'paid' && offer !== null && offer.renewalPrice !== null && offer.licenseType !== 'lifetime'
    && Boolean(offer.durationDays);
}

export class OrdersService implements InvoicePaidHook {
  private readonly repo: OrdersRepository;

  constructor(private readonly deps: OrdersDeps) {
    this.repo = new OrdersRepository(deps.db);
  }

  /** The offer `offerId` of a published product with `quantity` seats. @throws ValidationError {offer|quantity}. */
  private async orderable(offerId: number, quantity: number): Promise<{ listing: Listing; offer: Offer }> {
    const offer = Number.isSafeInteger(offerId) && offerId > 0 ? await this.deps.catalogue.offer(offerId) : null;
    const listing = offer?.isActive ? await this.deps.catalogue.byProduct(offer.productId) : null;
    if (!offer || !listing?.published) throw new ValidationError({ offer: 'shop:errors.offer_unavailable' });
    const max = offer.seatBased ? offer.maxSeats : 1;
    if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > max) throw new ValidationError({ quantity: 'shop:errors.quantity' });
    return { listing, offer };
  }

  /** The invoice line of `quantity` seats of `offer` in `locale`. */
  linesFor(listing: Listing, offer: Offer, quantity: number, locale: 'fr' | 'en'): DraftLine[] {
    const title = locale === 'en' ? listing.titleEn : listing.titleFr;
    const name = locale === 'en' ? offer.nameEn : offer.nameFr;
    return [{ description: `${title} — ${name}`.slice(0, 200), quantity, unitPrice: offer.price }];
  }

  /** The summary before ordering. @throws ValidationError {offer|quantity}. */
  async preview(accountId: number, offerId: number, quantity: number, locale: 'fr' | 'en', code = ''): Promise<OrderPreview> {
    const { listing, offer } = await this.orderable(offerId, quantity);
    return this.summary(accountId, listing, offer, quantity, this.linesFor(listing, offer, quantity, locale), code, true);
  }

  /** The summary of `lines` with promotion code `code` checked ('' = the best auto-apply code). Reads only. */
  private async summary(accountId: number, listing: Listing, offer: Offer, quantity: number, lines: DraftLine[], code: string, first: boolean):
    Promise<OrderPreview> {
    const check = await this.deps.promotions.forCheckout(accountId, { id: 0, currency: offer.currency, trialDays: 0 }, lines, code, first);
    const applied = check?.ok && check.appliesNow && check.discount > 0 ? check : null;
    const { totals, vat } = await this.deps.invoices.preview(accountId, applied ? applied.lines : lines);
    return { listing, offer, quantity, lines: applied ? applied.lines : lines, ht: totals.ht, vatBreakdown: totals.vatBreakdown, ttc: totals.ttc, vat,
      promotion: applied ? { code: applied.promotion.code, name: applied.promotion.name, discount: applied.discount, auto: !code } : null,
      codeError: check && !check.ok ? `promotions:refusals.${check.reason}` : null };
  }

  /**
   * Order `quantity` seats of `offerId` for `accountId` with idempotency key `key` (module comment).
   * @throws ValidationError {offer|quantity|form}; ConflictError CONFLICT when the key ordered for another account.
   */
  async place(accountId: number, offerId: number, quantity: number, key: string, locale: 'fr' | 'en', actor: Actor, code = ''):
    Promise<{ order: Order; invoice: Invoice; repeated: boolean }> {
    if (typeof key !== 'string' || !KEY.test(key)) throw new ValidationError({ form: 'shop:errors.stale_form' });
    const { listing, offer } = await this.orderable(offerId, quantity);
    return this.create(accountId, listing, offer, quantity, null, key, this.linesFor(listing, offer, quantity, locale), actor, code);
  }

  /**
   * The renewal of paid order `orderId` (all its seats, at the offer's renewal price): its summary. The licenses are
   * extended when it is paid. @throws NotFoundError (not the account's); ValidationError {form: shop:renew.not_renewable}.
   */
  async renewalPreview(accountId: number, orderId: number, locale: 'fr' | 'en', code = ''): Promise<OrderPreview & { original: Order }> {
    const { original, listing, offer, lines } = await this.renewable(accountId, orderId, locale);
    return { original, ...await this.summary(accountId, listing, offer, original.quantity, lines, code, false) };
  }

  /** Order the renewal of `orderId` (key: see place). @throws as renewalPreview, and ValidationError {form} for a stale key. */
  async placeRenewal(accountId: number, orderId: number, key: string, locale: 'fr' | 'en', actor: Actor, code = ''):
    Promise<{ order: Order; invoice: Invoice; repeated: boolean }> {
    if (typeof key !== 'string' || !KEY.test(key)) throw new ValidationError({ form: 'shop:errors.stale_form' });
    const { original, listing, offer, lines } = await this.renewable(accountId, orderId, locale);
    return this.create(accountId, listing, offer, original.quantity, original.id, key, lines, actor, code);
  }

  private async renewable(accountId: number, orderId: number, locale: 'fr' | 'en') {
    const original = await this.forAccount(accountId, orderId);
    const offer = await this.deps.catalogue.offer(original.offerId);
    const listing = await this.deps.catalogue.byProduct(original.productId);
    if (!isRenewable(original, offer) || !listing) throw new ValidationError({ form: 'shop:renew.not_renewable' });
    const title = locale === 'en' ? listing.titleEn : listing.titleFr;
    const word = locale === 'en' ? 'Renewal' : 'Renouvellement';
    const lines: DraftLine[] = [{ description: `${word} — ${title} — ${locale === 'en' ? offer.nameEn : offer.nameFr}`.slice(0, 200),
      quantity: original.quantity, unitPrice: offer.renewalPrice! }];
    return { original, listing, offer, lines };
  }

  /**
   * The order and its invoice in one transaction (chain counter first); the promotion code `code` ('' = the best auto-apply one)
   * locked, checked again and its use recorded there. @throws ValidationError {code} when a typed code is refused now.
   */
  private async create(accountId: number, listing: Listing, offer: Offer, quantity: number, renews: number | null, key: string, lines: DraftLine[],
    actor: Actor, code = ''): Promise<{ order: Order; invoice: Invoice; repeated: boolean }> {
    const after: (() => void)[] = [];
    try {
      const out = await this.deps.db.transaction(async (trx) => {
        await this.deps.invoices.lockChainIn(trx);
        const repo = this.repo.with(trx);
        const done = await repo.byKey(key);
        if (done) return { done, order: undefined, invoice: undefined, repeated: true } as const;
        const plan = { id: 0, currency: offer.currency, trialDays: 0 };
        const applied = await this.deps.promotions.applyIn(trx, code, accountId, plan, lines, renews === null);
        const used = applied?.appliesNow && applied.discount > 0 ? applied : null;
        const invoice = await this.deps.invoices.issueIn(trx, accountId, used ? used.lines : lines,
          { type: 'one-time', currency: offer.currency, subscriptionId: null }, actor);
        if (used) await this.deps.promotions.recordIn(trx, used, invoice, null, renews === null ? 'first' : 'renewal', actor);
        const id = await repo.insert({ accountId, productId: listing.productId, offerId: offer.id, kind: renews ? 'renewal' : 'purchase', renewsOrderId: renews,
          quantity, invoiceId: invoice.id, idempotencyKey: key }, this.deps.clock.now());
        await this.deps.audit.record(trx, actor, 'order.placed', { type: 'order', id }, {
          number: invoice.number, product: listing.sku, offer: offer.code, quantity, amount_text: moneyText(invoice.totalTtc, invoice.currency),
          renews: renews ?? null,
        });
        // The credit balance may have paid it all at finalisation: then it is paid now, in this transaction.
        if (invoice.status === 'paid') after.push(await this.paidIn(trx, invoice, actor));
        return { done: null, order: (await repo.byId(id))!, invoice, repeated: false };
      });
      if (out.done) return this.repeated(out.done, accountId);
      for (const done of after) done();
      this.mailPlaced(out.order, out.invoice);
      return { order: out.order, invoice: out.invoice, repeated: false };
    } catch (err) {
      const done = isUniqueViolation(err) ? await this.repo.byKey(key) : null;
      if (!done) throw err;
      return this.repeated(done, accountId);
    }
  }

  private async repeated(done: Order, accountId: number): Promise<{ order: Order; invoice: Invoice; repeated: boolean }> {
    if (done.accountId !== accountId) throw new ConflictError('idempotency key used by another account', ERR.CONFLICT);
    return { order: done, invoice: (await this.deps.invoices.byId(done.invoiceId))!, repeated: true };
  }

  /** InvoicePaidHook: the invoice of a pending order is paid: its license keys, once (module comment). */
  async invoicePaidIn(trx: Db, invoice: Invoice, actor: Actor): Promise<(() => void) | void> {
    if (invoice.kind !== 'invoice' || invoice.subscriptionId) return;
    return this.paidIn(trx, invoice, actor);
  }

  private async paidIn(trx: Db, invoice: Invoice, actor: Actor): Promise<() => void> {
    const repo = this.repo.with(trx);
    const order = await repo.byInvoice(invoice.id, true);
    if (!order || order.status !== 'pending') return () => undefined;
    const offer = (await this.deps.catalogue.with(trx).offer(order.offerId))!;
    const listing = (await this.deps.catalogue.with(trx).byProduct(order.productId))!;
    if (order.kind === 'renewal') return this.renewedIn(trx, order, offer, listing, invoice, actor);
    const batchId = await this.deps.codes.createBatchIn(trx, { product: { id: listing.productId, code: listing.sku }, type: offer.licenseType,
      durationDays: offer.licenseType === 'lifetime' ? null : offer.durationDays, count: order.quantity, expiresAt: null,
      note: `order ${invoice.number}` }, actor);
    await repo.markPaid(order.id, batchId, this.deps.clock.now());
    await this.deps.audit.record(trx, actor, 'order.paid', { type: 'order', id: order.id }, { number: invoice.number, batch: batchId });
    const keys = await repo.keys(batchId);
    return () => this.mailPurchase(order, invoice, listing, keys);
  }

  /**
   * A renewal paid: each license of the renewed order moves `durationDays` on from the later of now and its expiry
   * (an expired one keeps its machines), in the payment's transaction; keys not activated yet get their full duration
   * when activated. Audit `order.paid`; the renewal mail after commit.
   */
  private async renewedIn(trx: Db, order: Order, offer: Offer, listing: Listing, invoice: Invoice, actor: Actor): Promise<() => void> {
    const original = order.renewsOrderId ? await this.repo.with(trx).byId(order.renewsOrderId) : null;
    const ids = original?.batchId ? await this.deps.codes.licensesOfBatchIn(trx, original.batchId) : [];
    let extended = 0;
    for (const id of ids) {
      if (await this.deps.licenses.extendIn(trx, id, { days: offer.durationDays ?? 0 }, `renewal ${invoice.number}`, actor)) extended += 1;
    }
    await this.repo.with(trx).markPaid(order.id, null, this.deps.clock.now());
    await this.deps.audit.record(trx, actor, 'order.paid', { type: 'order', id: order.id }, { number: invoice.number, renewed: original?.id ?? null,
      licenses: extended });
    const path = `/orders/${original?.id ?? order.id}`;
    return () => void this.mail(order.accountId, async (to) => ({ kind: 'renewed', to, path, params: { number: invoice.number!,
      product: to.locale === 'en' ? listing.titleEn : listing.titleFr, days: String(offer.durationDays ?? 0) } }));
  }

  private mailPlaced(order: Order, invoice: Invoice): void {
    if (invoice.status === 'paid') return;
    void this.mail(order.accountId, async (to) => ({ kind: 'order_placed', to, path: `/orders/${order.id}`, params: { number: invoice.number!,
      amount: formatMoney(invoice.amountDue - invoice.amountPaid, invoice.currency, invoice.locale) },
    attachment: await this.pdf(invoice) }));
  }

  private mailPurchase(order: Order, invoice: Invoice, listing: Listing, keys: LicenseKey[]): void {
    void this.mail(order.accountId, async (to) => ({ kind: 'purchase', to, path: `/orders/${order.id}`,
      params: { number: invoice.number!, product: to.locale === 'en' ? listing.titleEn : listing.titleFr }, extra: keys.map((k) => k.code),
      attachment: await this.pdf(invoice) }));
  }

  private async pdf(invoice: Invoice): Promise<{ filename: string; content: Buffer } | undefined> {
    const bytes = await this.deps.invoices.pdf(invoice.id);
    return bytes ? { filename: `${invoice.number}.pdf`, content: bytes } : undefined;
  }

  /** Send a mail to an account after commit; a failure is logged, never thrown (the order stands). */
  async mail(accountId: number, build: (to: { email: string; locale: 'fr' | 'en' }) => Promise<Parameters<ShopMails['send']>[0]>): Promise<void> {
    try {
      const to = await this.deps.contactOf(accountId);
      if (to) await this.deps.mails.send(await build(to));
    } catch (err) {
      this.deps.logger?.error({ err, account: accountId }, 'shop mail not sent');
    }
  }

  /** The order `id` if it is `accountId`'s (customers see only theirs). @throws NotFoundError. */
  async forAccount(accountId: number, id: number): Promise<Order> {
    const order = Number.isSafeInteger(id) && id > 0 ? await this.repo.byId(id) : null;
    if (!order || order.accountId !== accountId) throw new NotFoundError('no such order');
    return order;
  }

  /** License `licenseId` of one of `accountId`'s orders: the order and the key that created it. @throws NotFoundError otherwise. */
  async licenseFor(accountId: number, licenseId: number): Promise<{ order: Order; key: LicenseKey }> {
    const orderId = Number.isSafeInteger(licenseId) && licenseId > 0 ? await this.repo.orderOfLicense(accountId, licenseId) : null;
    const order = orderId ? await this.repo.byId(orderId) : null;
    const key = order ? (await this.keys(order)).find((k) => k.licenseId === licenseId) : undefined;
    if (!order || !key) throw new NotFoundError('no such license');
    return { order, key };
  }

  /** Whether `accountId` holds a paid (not refunded) order of `productId` (the courses' product ownership). */
  ownsProduct(accountId: number, productId: number): Promise<boolean> {
    return this.repo.ownsProduct(accountId, productId);
  }

  byId(id: number): Promise<Order | null> {
    return this.repo.byId(id);
  }

  /** Orders matching `f`, newest first, and how many in all. */
  async list(f: OrderFilter, limit: number, offset: number): Promise<{ rows: OrderRow[]; total: number }> {
    const [rows, total] = await Promise.all([this.repo.list(f, limit, offset), this.repo.count(f)]);
    return { rows, total };
  }

  /** The license keys of a paid order (none before payment). */
  keys(order: Order): Promise<LicenseKey[]> {
    return order.batchId ? this.repo.keys(order.batchId) : Promise.resolve([]);
  }

  /** The license keys of each of `orders`, by order id (an order not paid yet has none), read in one batch. */
  async keysOf(orders: readonly Order[]): Promise<Map<number, LicenseKey[]>> {
    const byBatch = await this.repo.keysOfBatches(orders.flatMap((o) => (o.batchId ? [o.batchId] : [])));
    return new Map(orders.map((o) => [o.id, (o.batchId ? byBatch.get(o.batchId) : undefined) ?? []]));
  }

  /** In `trx`: the order locked for a refund, and the writes refunds.ts makes through this service. */
  lockIn(trx: Db, id: number): Promise<Order | null> {
    return this.repo.with(trx).byId(id, true);
  }

  requestRefundIn(trx: Db, id: number, reason: string): Promise<boolean> {
    return this.repo.with(trx).requestRefund(id, reason, this.deps.clock.now());
  }

  markRefundedIn(trx: Db, id: number): Promise<boolean> {
    return this.repo.with(trx).markRefunded(id, this.deps.clock.now());
  }
}
