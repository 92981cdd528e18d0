/**
 * Courses sold alone, through the shop's checkout: the only writer of
 * `course_orders`. A customer buys a published course of access `paid`: one
 * transaction issues its one-time invoice (VAT treatment of the buyer, credit
 * balance applied) and the purchase row (idempotency key from the summary
 * page), audit `course_order.placed`. It is paid like an order (card, PayPal,
 * transfer); the payment that makes the invoice paid grants the course in its
 * own transaction (CoursesService.grant, InvoicePaidHook) — once: the row is
 * locked and checked pending, and a grant exists once per account and course.
 */
import type { Actor, AuditService } from '../audit/index.js';
import { moneyText, type DraftLine, type Invoice, type InvoicePaidHook, type InvoicesService, type VatTreatment } from '../billing/index.js';
import type { Course, CoursesService } from '../courses/index.js';
import { ConflictError, ERR, NotFoundError, ValidationError } from '../errors/index.js';
import type { Clock } from '../platform/clock.js';
import { isUniqueViolation, type Db } from '../platform/db.js';
import { CourseOrdersRepository, type CourseOrder } from './course-orders.repository.js';

export type { CourseOrder } from './course-orders.repository.js';

/** The summary before buying: the line and totals in minor units of the course's currency. */
export interface CoursePreview {
  course: Course;
  lines: DraftLine[];
  ht: number;
  vatBreakdown: { rateBp: number; base: number; vat: number }[];
  ttc: number;
  vat: VatTreatment;
}

const KEY = /^[\w-]{8,100}$/;

export class CourseOrdersService implements InvoicePaidHook {
  private readonly repo: CourseOrdersRepository;

  constructor(private readonly deps: { db: Db; clock: Clock; audit: AuditService; invoices: InvoicesService;
    courses: Pick<CoursesService, 'grant' | 'sellable'> }) {
    this.repo = new CourseOrdersRepository(deps.db);
  }

  private async sellable(slug: string): Promise<Course> {
    const course = typeof slug === 'string' ? await this.deps.courses.sellable(slug) : null;
    if (!course) throw new NotFoundError('no such course for sale');
    return course;
  }

  private lines(course: Course, locale: 'fr' | 'en'): DraftLine[] {
    const word = locale === 'en' ? 'Course' : 'Formation';
    return [{ description: `${word} — ${locale === 'en' ? course.titleEn : course.titleFr}`.slice(0, 200), quantity: 1, unitPrice: course.price! }];
  }

  /** The summary of buying course `slug`. @throws NotFoundError (not a published course for sale). */
  async preview(accountId: number, slug: string, locale: 'fr' | 'en'): Promise<CoursePreview> {
    const course = await this.sellable(slug);
    const lines = this.lines(course, locale);
    const { totals, vat } = await this.deps.invoices.preview(accountId, lines);
    return { course, lines, ht: totals.ht, vatBreakdown: totals.vatBreakdown, ttc: totals.ttc, vat };
  }

  /**
   * Buy course `slug` for `accountId` with idempotency key `key` (module comment). @throws NotFoundError; ValidationError
   * {form: shop:errors.stale_form}; ConflictError CONFLICT when the key bought for another account.
   */
  async place(accountId: number, slug: string, key: string, locale: 'fr' | 'en', actor: Actor): Promise<CourseOrder> {
    if (typeof key !== 'string' || !KEY.test(key)) throw new ValidationError({ form: 'shop:errors.stale_form' });
    const course = await this.sellable(slug);
    try {
      return await this.deps.db.transaction(async (trx) => {
        await this.deps.invoices.lockChainIn(trx);
        const repo = this.repo.with(trx);
        const done = await repo.byKey(key);
        if (done) return this.mine(done, accountId);
        const invoice = await this.deps.invoices.issueIn(trx, accountId, this.lines(course, locale),
          { type: 'one-time', currency: course.currency!, subscriptionId: null }, actor);
        const id = await repo.insert({ accountId, courseId: course.id, invoiceId: invoice.id, key }, this.deps.clock.now());
        await this.deps.audit.record(trx, actor, 'course_order.placed', { type: 'course', id: course.id }, { number: invoice.number,
          account: accountId, amount_text: moneyText(invoice.totalTtc, invoice.currency) });
        if (invoice.status === 'paid') await this.paidIn(trx, invoice, actor);
        return (await repo.byId(id))!;
      });
    } catch (err) {
      const done = isUniqueViolation(err) ? await this.repo.byKey(key) : null;
      if (!done) throw err;
      return this.mine(done, accountId);
    }
  }

  private mine(o: CourseOrder, accountId: number): CourseOrder {
    if (o.accountId !== accountId) throw new ConflictError('idempotency key used by another account', ERR.CONFLICT);
    return o;
  }

  /** InvoicePaidHook: a pending course order's invoice is paid: the course is granted, once (module comment). */
  async invoicePaidIn(trx: Db, invoice: Invoice, actor: Actor): Promise<void> {
    if (invoice.kind !== 'invoice' || invoice.subscriptionId) return;
    await this.paidIn(trx, invoice, actor);
  }

  private async paidIn(trx: Db, invoice: Invoice, actor: Actor): Promise<void> {
    const repo = this.repo.with(trx);
    const o = await repo.byInvoice(invoice.id, true);
    if (!o || o.status !== 'pending') return;
    await this.deps.courses.grant(trx, o.accountId, o.courseId, 'order', invoice.number!);
    await repo.markPaid(o.id, this.deps.clock.now());
    await this.deps.audit.record(trx, actor, 'course_order.paid', { type: 'course', id: o.courseId }, { number: invoice.number, account: o.accountId });
  }

  /** The course order `id` if it is `accountId`'s. @throws NotFoundError. */
  async forAccount(accountId: number, id: number): Promise<CourseOrder> {
    const found = Number.isSafeInteger(id) && id > 0 ? await this.repo.byId(id) : null;
    if (!found || found.accountId !== accountId) throw new NotFoundError('no such course order');
    return found;
  }
}
