/**
 * What every admin area receives: the services built once in src/app.ts.
 * Each area (src/admin/<area>/index.ts) exports `create<Area>Router(deps)`;
 * src/admin/admin.router.ts mounts them all.
 */
import type { RequestHandler } from 'express';
import type { AccountsService, AuthService } from '../accounts/index.js';
import type { AuditService } from '../audit/index.js';
import type { Billing, SubscriptionsService } from '../billing/index.js';
import type { Config } from '../config/index.js';
import type { CoursesService } from '../courses/index.js';
import type { DownloadBlocksService, DownloadsService } from '../downloads/index.js';
import type { PageCache } from '../http/page-cache.js';
import type { PackagesService } from '../packages/index.js';
import type { Payments } from '../payments/index.js';
import type { IssuerKeys, IssuerKeysService } from '../keys/index.js';
import type { ActivationCodesService, LicensesService, ProductsService } from '../licenses/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import type { Mailer } from '../platform/mailer.js';
import type { InstallationsService, LedgerService, RechargeService } from '../recharge/index.js';
import type { Shop } from '../shop/index.js';
import type { ContactService } from '../site/index.js';
import type { SupportService } from '../support/index.js';

export interface AdminDeps {
  config: Readonly<Config>;
  db: Db;
  clock: Clock;
  logger: Logger;
  mailer: Mailer;
  audit: AuditService;
  accounts: AccountsService;
  auth: AuthService;
  ledger: LedgerService;
  recharges: RechargeService;
  /** Transfers of installations between partners. */
  installations: InstallationsService;
  downloads: DownloadsService;
  /** The IPs refused by the download routes. */
  downloadBlocks: DownloadBlocksService;
  keys: IssuerKeys;
  /** Issuer key listing and rotation (with its audit row). */
  issuerKeys: IssuerKeysService;
  /** The license server: licenses, their state changes and expiry. */
  licenses: LicensesService;
  /** The license server's products and their policy. */
  products: ProductsService;
  /** Activation code batches. */
  codes: ActivationCodesService;
  /** The contact form's messages. */
  contact: ContactService;
  /** Support tickets: the staff queue, replies, assignment, closing (with the audit rows). */
  support: SupportService;
  pageCache: PageCache;
  /** Plans, invoices and credit notes, payments, the credit balance (src/billing). */
  billing: Billing;
  /** Online gateways: refunds through the gateway (src/payments). */
  payments: Payments;
  /** Subscriptions: the staff actions on them and their dunning (src/billing). */
  subscriptions: SubscriptionsService;
  /** The customer shop: catalogue, orders, refunds (src/shop). */
  shop: Shop;
  /** Courses and their lessons (src/courses): staff pages write through it. */
  courses: CoursesService;
  /** Client packages and their API keys (src/packages): the admin pages write through it. */
  packages: PackagesService;
  /** CSRF check for multipart forms, to run after multer has parsed the body (src/http/csrf.ts). */
  csrfAfterUpload: RequestHandler;
}
