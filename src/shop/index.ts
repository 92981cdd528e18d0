/**
 * The customer shop: the catalogue (product listings and offers), customers'
 * orders paid through the billing component's invoices and gateways, the
 * license keys a paid order creates (the license server's activation codes),
 * refunds that revoke them. Other components import only this file.
 */
import type { TFunction } from 'i18next';
import type { AuditService } from '../audit/index.js';
import type { Billing } from '../billing/index.js';
import type { CoursesService } from '../courses/index.js';
import type { ActivationCodesService, LicensesService, ProductsService } from '../licenses/index.js';
import type { OnlinePaymentsService } from '../payments/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import type { Mailer } from '../platform/mailer.js';
import { CatalogueService } from './catalogue.service.js';
import { CourseOrdersService } from './course-orders.js';
import { DevicesService } from './devices.js';
import { OrdersService } from './orders.service.js';
import { RefundsService } from './refunds.js';
import { RemindersService } from './reminders.js';
import { ShopMails } from './shop.mails.js';

export { CatalogueService, THUMBNAIL_MAX_BYTES, type CatalogueEntry } from './catalogue.service.js';
export type { Listing, ListingFields, Offer, OfferFields, CurrentRelease } from './catalogue.repository.js';
export { isRenewable, OrdersService, type OrderPreview } from './orders.service.js';
export { DevicesService, type ReleaseAllowance } from './devices.js';
export { ORDER_STATUSES, type Order, type OrderRow, type OrderStatus, type LicenseKey, type OrderFilter } from './orders.repository.js';
export { RefundsService } from './refunds.js';
export { RemindersService, REMINDER_DAYS } from './reminders.js';
export { createShopController, productJson } from './shop.controller.js';
export { createOrdersController } from './orders.controller.js';
export { CourseOrdersService, type CourseOrder } from './course-orders.js';
export { createCourseOrdersController } from './course-orders.controller.js';
export { createShopRouter } from './shop.router.js';
export { createTokensController, type CustomerTokens } from './tokens.controller.js';
export { createCustomerApiRouter, type CustomerApiDeps } from './customer-api.js';

export interface Shop {
  catalogue: CatalogueService;
  orders: OrdersService;
  refunds: RefundsService;
  /** The daily job's license expiry reminders (a billing DailyJob). */
  reminders: RemindersService;
  /** Courses bought alone; paid, they grant the course (payment hook). */
  courseOrders: CourseOrdersService;
  /** The customers' "release this device" on their keys. */
  devices: DevicesService;
}

export interface ShopDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  billing: Billing;
  online: OnlinePaymentsService;
  codes: ActivationCodesService;
  licenses: Pick<LicensesService, 'revokeIn' | 'extendIn' | 'releaseActivation' | 'releasesOfBatchSince' | 'releasesOfBatchesSince'>;
  /** The courses sold alone and their grants (src/courses). */
  courses: Pick<CoursesService, 'grant' | 'sellable'>;
  /** The license server's products (a published listing sets its product's renewal_url). */
  products?: Pick<ProductsService, 'pointRenewalAt'>;
  /** SHOP_RELEASES_PER_MONTH (default 3). */
  releasesPerMonth?: number;
  /** Where product thumbnails are kept (files/shop/thumbnails). */
  thumbnailsDir?: string;
  mailer: Mailer;
  t: Record<'fr' | 'en', TFunction>;
  viewsDir: string;
  baseUrl: string;
  refundDays: number;
  contactOf(accountId: number): Promise<{ email: string; locale: 'fr' | 'en' } | null>;
  /** The catalogue changed (the anonymous pages are cached). */
  changed?: () => void;
  logger?: Logger;
}

/** The shop's services; a paid invoice of an order creates its license keys (payment hook registered here). */
export function createShop(deps: ShopDeps): Shop {
  const catalogue = new CatalogueService({ db: deps.db, clock: deps.clock, audit: deps.audit, changed: deps.changed, products: deps.products,
    thumbnailsDir: deps.thumbnailsDir });
  const mails = new ShopMails({ mailer: deps.mailer, t: deps.t, viewsDir: deps.viewsDir, baseUrl: deps.baseUrl });
  const orders = new OrdersService({ db: deps.db, clock: deps.clock, audit: deps.audit, invoices: deps.billing.invoices, codes: deps.codes,
    licenses: deps.licenses, promotions: deps.billing.promotions,
    catalogue: catalogue.repo, mails, contactOf: deps.contactOf, logger: deps.logger });
  deps.billing.payments.onInvoicePaid(orders);
  const refunds = new RefundsService({ db: deps.db, clock: deps.clock, audit: deps.audit, orders, invoices: deps.billing.invoices,
    payments: deps.billing.payments, codes: deps.codes, licenses: deps.licenses, refundDays: deps.refundDays,
    gatewayRefund: (paymentId, amount, reason, formKey, actor) => deps.online.refund(paymentId, amount, reason, formKey, actor) });
  const courseOrders = new CourseOrdersService({ db: deps.db, clock: deps.clock, audit: deps.audit, invoices: deps.billing.invoices,
    courses: deps.courses });
  deps.billing.payments.onInvoicePaid(courseOrders);
  const devices = new DevicesService({ db: deps.db, clock: deps.clock, orders, licenses: deps.licenses, perMonth: deps.releasesPerMonth ?? 3 });
  return { catalogue, orders, refunds, reminders: new RemindersService({ db: deps.db, clock: deps.clock, orders }), courseOrders, devices };
}
