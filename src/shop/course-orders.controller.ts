/**
 * A course bought alone (customers): `/courses/:slug/buy` shows the summary
 * (HT / VAT / TTC) and orders it (303 to `/course-orders/:id`), where it is
 * paid by card, PayPal or transfer; once paid, the page leads to the course
 * (the payment granted it). Another account's course order is a 404.
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { BILLING_VIEW_HELPERS, type Billing, type GatewayName } from '../billing/index.js';
import { NotFoundError, ValidationError } from '../errors/index.js';
import { actorOf } from '../http/actor.js';
import { boundedInt, INT4_MAX } from '../http/query.js';
import { paymentReturned, redirectToGateway, type OnlinePaymentsService } from '../payments/index.js';
import type { Logger } from '../platform/logger.js';
import type { CourseOrder, CourseOrdersService } from './course-orders.js';

const localeOf = (req: Request): 'fr' | 'en' => (req.locale === 'en' ? 'en' : 'fr');

export function createCourseOrdersController(d: { courseOrders: CourseOrdersService; courses: { byId(id: number): Promise<{ slug: string;
  titleFr: string; titleEn: string } | null> }; billing: Billing; online: OnlinePaymentsService; logger?: Logger }) {
  const mine = (req: Request): Promise<CourseOrder> => d.courseOrders.forAccount(req.account!.id, boundedInt(req.params.id, 1, INT4_MAX) ?? 0);
  const slugOf = (req: Request): string => String(req.params.slug ?? '');
  return {
    /** GET /courses/:slug/buy */
    summary: async (req: Request, res: Response): Promise<void> => {
      const preview = await d.courseOrders.preview(req.account!.id, slugOf(req), localeOf(req));
      res.render('shop/course-buy', { ...BILLING_VIEW_HELPERS, title: req.t('shop:course_order.buy_title'), preview, key: randomUUID(), errors: {} });
    },

    /** POST /courses/:slug/buy */
    buy: async (req: Request, res: Response): Promise<void> => {
      try {
        const o = await d.courseOrders.place(req.account!.id, slugOf(req), String((req.body as Record<string, unknown>).key ?? ''), localeOf(req),
          actorOf(req));
        res.redirect(303, `/course-orders/${o.id}`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const preview = await d.courseOrders.preview(req.account!.id, slugOf(req), localeOf(req));
        res.status(422).render('shop/course-buy', { ...BILLING_VIEW_HELPERS, title: req.t('shop:course_order.buy_title'), preview, key: randomUUID(),
          errors: err.fields });
      }
    },

    /** GET /course-orders/:id */
    show: async (req: Request, res: Response): Promise<void> => {
      const o = await mine(req);
      const [invoice, course] = await Promise.all([d.billing.invoices.byId(o.invoiceId), d.courses.byId(o.courseId)]);
      if (!invoice || !course) throw new NotFoundError('no such course order');
      const owed = o.status === 'pending' && (invoice.status === 'open' || invoice.status === 'overdue');
      res.render('shop/course-order', { ...BILLING_VIEW_HELPERS, title: req.t('shop:course_order.title', { id: o.id }), o, invoice, course,
        gateways: owed ? d.online.available(invoice.currency) : [], owed,
        instructions: owed ? (await d.billing.gateway.createPayment({ invoiceNumber: invoice.number!, amount: 0, currency: invoice.currency,
          idempotencyKey: 'page' })).next : null });
    },

    /** GET /course-orders/:id/invoice.pdf */
    pdf: async (req: Request, res: Response): Promise<void> => {
      const o = await mine(req);
      const [inv, pdf] = await Promise.all([d.billing.invoices.byId(o.invoiceId), d.billing.invoices.pdf(o.invoiceId)]);
      if (!inv || !pdf) throw new NotFoundError('no invoice');
      res.attachment(`${inv.number}.pdf`).type('application/pdf').setHeader('Cache-Control', 'private, no-store');
      res.send(pdf);
    },

    /** POST /course-orders/:id/pay/<gateway> */
    pay: (gateway: GatewayName) => async (req: Request, res: Response): Promise<void> => {
      const o = await mine(req);
      const page = `/course-orders/${o.id}`;
      await redirectToGateway(d.online, d.logger, req, res, gateway, page, () => d.online.payInvoice(gateway, o.invoiceId, req.account!.id,
        localeOf(req), actorOf(req), { back: page, returnTo: `${page}/return/${gateway}` }), 'payments:errors.not_payable');
    },

    /** GET /course-orders/:id/return/<gateway>?token= */
    returned: (gateway: GatewayName) => async (req: Request, res: Response): Promise<void> => {
      const o = await mine(req);
      await paymentReturned(d.online, d.logger, req, res, gateway, o.invoiceId, () => `/course-orders/${o.id}`);
    },
  };
}
