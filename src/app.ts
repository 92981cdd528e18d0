/**
 * Builds the app from its dependencies: the request listener the HTTP server
 * calls and the Express application behind it; never listens (src/server.ts
 * does). The whole middleware chain and every router is visible here, in
 * order:
 *
 *   request listener: metrics (every answer counted and timed) → (HTTPS_REDIRECT: plain HTTP redirected) →
 *   license validation (its own short chain, node's request and response, no Express) or the Express app:
 *   security headers → health (/healthz, /readyz) and /metrics →
 *   API request log → control characters (API query strings) → JSON API and public keys →
 *   API fallback (any other /api request: JSON 404/405) → gateway webhooks (raw body, signature, JSON) →
 *   language → maintenance (visitors without a session) → page cache (anonymous hits end here, logged by the cache) →
 *   request log → static assets → session → account → maintenance (logged in: staff pass) → body → control characters → CSRF →
 *   locals (the header's unread notifications) → (a stale token on a public form: that form again) → routers →
 *   404 → error handler
 */
import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import path from 'node:path';
import express from 'express';
import proxyaddr from 'proxy-addr';
import { pinoHttp } from 'pino-http';
import {
  AccountMails, AccountsService, AuthService, TotpService, createAccountController, createAccountsRouter, createAuthController, createTotpController,
} from './accounts/index.js';
import { createAdminRouter } from './admin/index.js';
import { createApiDocsRouter } from './api-docs/index.js';
import { PagesService, uploadsDir } from './cms/index.js';
import { CoursesService, createCoursesController, createCoursesRouter } from './courses/index.js';
import { AuditService } from './audit/index.js';
import { createBillingController, createBillingRouter, createBillingStack, type Billing, type BillingRun, type SubscriptionsService } from './billing/index.js';
import type { Config } from './config/index.js';
import { createDownloadsController, createDownloadsRouter, DownloadBlocksService, DownloadLinks, DownloadsService } from './downloads/index.js';
import { createApiFallback, routesOfApp } from './http/api-fallback.js';
import { refuseControlCharacters, refuseControlCharactersInApi } from './http/control-chars.js';
import { createCsrf } from './http/csrf.js';
import { createErrorHandler, isApiPath, notFound, pathOfTarget } from './http/error-handler.js';
import { createI18n } from './http/i18n.js';
import { createLocals, DISPLAY_TIMEZONE_SETTING } from './http/locals.js';
import { PageCache } from './http/page-cache.js';
import { logRequest, requestId } from './http/request-id.js';
import { limiterFactory } from './http/rate-limit.js';
import { securityHeaders, securityHeaderSetter } from './http/security.js';
import { staleFormRecovery } from './http/stale-form.js';
import { createAccountLoader, requireStaffEnrolment } from './http/auth.js';
import { createSession, saveBeforeRedirect, sessionCookieName, storeDestroyer } from './http/session.js';
import { createKeysRouter, IssuerKeys, IssuerKeysService } from './keys/index.js';
import {
  ActivationCodesService, createAppListener, createLicensesApiRouter, createValidateRoute, LicensesService, ProductsService, sendSignedError, SIGNED_PATHS,
  VALIDATE_PATHS,
} from './licenses/index.js';
import { createHealthRouter, createHttpsRedirect, createMetricsRouter, measureRequests, Metrics, type TrustFn } from './ops/index.js';
import { createNotificationsController, createNotificationsRouter, NotificationsService } from './notifications/index.js';
import { CleanupService, createMaintenanceGate, createMaintenanceRouter, MaintenanceService } from './ops/index.js';
import { buildPackagesService, createClientApiRouter, type PackagesService } from './packages/index.js';
import { createPartnersRouter } from './partners/index.js';
import {
  createCourseOrdersController, createCustomerApiRouter, createOrdersController, createShop, createShopController, createShopRouter,
  createTokensController, type Shop,
} from './shop/index.js';
import {
  createCheckoutController, createCheckoutRouter, createPayments, createWebhooksRouter, paypalApproveOrigin, stripeCheckoutOrigin, type Payments,
} from './payments/index.js';
import {
  createKeyfilesApiRouter, createRechargeController, createRechargeRouter, InstallationsService, KeyFileStore, LedgerService,
  RechargeService,
} from './recharge/index.js';
import type { Clock } from './platform/clock.js';
import type { Db } from './platform/db.js';
import type { Logger } from './platform/logger.js';
import { withHook, type Mailer } from './platform/mailer.js';
import { ContactService, createSiteController, createSiteRouter } from './site/index.js';
import { createSupportController, createSupportRouter, SupportMails, SupportService } from './support/index.js';

export interface AppDeps {
  config: Readonly<Config>;
  db: Db;
  logger: Logger;
  mailer: Mailer;
  clock: Clock;
  sessionSecret: string;
  /** Issuer keys, initialised (IssuerKeys.init) before the app is built. */
  keys: IssuerKeys;
  /**
   * Tests only: called with every JSON answer under /api (method, route path,
   * status, headers, parsed body), so the suite can check each against the
   * OpenAPI document. Production passes nothing.
   */
  apiObserver?: ApiObserver;
}

/** One JSON answer of the API, as the OpenAPI conformance check reads it. */
export interface ApiExchange {
  method: string;
  /** The request path, without the query string. */
  path: string;
  status: number;
  headers: Record<string, unknown>;
  body: unknown;
}
export type ApiObserver = (exchange: ApiExchange) => void;

export interface AppHandle {
  /**
   * What the HTTP server calls (`http.createServer(listener)`, supertest):
   * the two validate routes go straight to their handler, everything else
   * to `app`.
   */
  listener: RequestListener;
  /** The Express application (everything but the two validate routes; see listener). */
  app: express.Express;
  ledger: LedgerService;
  recharges: RechargeService;
  accounts: AccountsService;
  auth: AuthService;
  /** Two-step login (TOTP) and recovery codes. */
  totp: TotpService;
  audit: AuditService;
  downloads: DownloadsService;
  pageCache: PageCache;
  /** The license server; close() writes its pending validation statistics. */
  licenses: LicensesService;
  billing: Billing;
  subscriptions: SubscriptionsService;
  /** Online gateways, their notifications, refunds (src/payments). */
  payments: Payments;
  /** In-app notifications: the copy of every mail sent to an account. */
  notifications: NotificationsService;
  /** The customer shop: catalogue, orders, refunds (src/shop). */
  shop: Shop;
  /** The daily billing job (server.ts schedules it; tests run it with a date). */
  billingRun: BillingRun;
  /** Support tickets (src/support). */
  support: SupportService;
  /** Courses: entitlement, progress, media links, and the grant the shop writes when a course is paid (src/courses). */
  courses: CoursesService;
  /** Editable public pages: drafts, versions, publication (src/cms). */
  pages: PagesService;
  /** The app's Prometheus metrics (GET /metrics). */
  metrics: Metrics;
  /** Maintenance mode: the switch every instance reads (src/ops). */
  maintenance: MaintenanceService;
  /** Data retention: the daily cleanup, also run by `npm run db:cleanup` (src/ops). */
  cleanup: CleanupService;
  /** Client packages and their API keys (src/packages). */
  packages: PackagesService;
  /** Close what the app opened (session store, log files, license statistics); not the database. */
  close(): Promise<void>;
}


/** The swagger-ui-dist files the /api/docs page uses (and the source maps browsers ask for). */
const SWAGGER_UI_FILES = new Set(['/swagger-ui.css', '/swagger-ui-bundle.js', '/swagger-ui.css.map', '/swagger-ui-bundle.js.map']);

export function createApp(deps: AppDeps): AppHandle {
  const { config, db, logger, clock } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('view engine', 'ejs');
  app.set('views', config.paths.views);
  app.set('view cache', config.env === 'production');
  app.set(DISPLAY_TIMEZONE_SETTING, config.displayTimezone);

  const i18n = createI18n(config.defaultLocale, config.secureCookies);
  // Rate limits shared by the instances through Redis when REDIS_URL is set (src/http/rate-limit.ts), else per process.
  const redis = config.redis ? new Redis(config.redis.url, { maxRetriesPerRequest: 1, enableOfflineQueue: true }) : undefined;
  redis?.on('error', (err) => logger.warn({ err: err.message }, 'redis unreachable: rate limits not counted until it is back'));
  const limit = limiterFactory(redis, config.redis?.prefix);
  const session = createSession(config, deps.sessionSecret);
  const csrf = createCsrf(sessionCookieName(config));
  const pageCache = new PageCache(config.pageCacheTtl, sessionCookieName(config), logger);
  // One registry per app: the components report through their observer interfaces (src/ops/metrics.ts).
  const metrics = new Metrics(db);
  const cacheEvents = redis ? sharePageCacheClears(pageCache, redis, `${config.redis!.prefix}page-cache`, logger) : undefined;
  const downloads = new DownloadsService({ db, config, clock, logger, observer: metrics });
  const audit = new AuditService(db, clock);
  // Every mail leaves through this mailer: the one to an account is kept in its notifications first.
  // `accounts` is built below, before any request.
  const notifications = new NotificationsService({ db, clock, logger, accountOf: (email) => accounts.byEmail(email) });
  const mailer = withHook(deps.mailer, (message) => notifications.mirror(message));
  const mails = new AccountMails({ mailer, t: i18n.t, viewsDir: config.paths.views, baseUrl: config.baseUrl, logger });
  const auth = new AuthService({ db, clock, audit, mails, logger, sessions: storeDestroyer(session.store) });
  const accounts = new AccountsService({ db, clock, audit, mails, auth });
  // TOTP secrets are sealed with a key derived from the session secret (src/accounts/totp-secret.ts).
  const totp = new TotpService({ db, clock, audit, auth, secret: deps.sessionSecret });
  const ledger = new LedgerService(db, clock, audit);
  const recharges = new RechargeService({ db, clock, audit, keys: deps.keys, store: new KeyFileStore(config.paths.keyFiles), proofSecret: deps.sessionSecret,
    // Read under the partner's lock in the confirming transaction; `subscriptions` is built below, before any request.
    gate: (trx, accountId) => subscriptions.gateIn(trx, accountId), observer: metrics });
  const products = new ProductsService({ db, clock, audit });
  const codes = new ActivationCodesService({ db, clock, audit });
  const licenses = new LicensesService({ db, clock, logger, audit, keys: deps.keys, products, codes, observer: metrics });
  const issuerKeys = new IssuerKeysService({ db, keys: deps.keys, audit });
  const installations = new InstallationsService({ db, clock, audit });
  const downloadBlocks = new DownloadBlocksService({ db, clock, audit, changed: () => downloads.blocksChanged() });
  // Client packages: the product's current release, a new API key, the zip (src/packages).
  const packages = buildPackagesService({ db, clock, audit, config, logger, products, downloads });
  const maintenance = new MaintenanceService({ db, clock, audit, logger, cacheSeconds: config.ops.maintenanceCacheSeconds });
  // Each kind of row is deleted by its owner; `payments` is built below, before any run.
  const cleanup = new CleanupService({ clock, logger, retention: config.ops.retention, accounts, auth, downloads, packages,
    inbound: { purgeHandledBefore: (before) => payments.inbound.purgeHandledBefore(before) } });
  // Billing, partner side: subscriptions over the billing services; a paid invoice activates its subscription (payment hook).
  // A plan change clears the page cache: the anonymous /subscription page lists the plans.
  const { billing, subscriptions, run: billingRun } = createBillingStack({
    db, clock, audit, billing: config.billing, ledger, mailer, t: i18n.t, viewsDir: config.paths.views, baseUrl: config.baseUrl, logger,
    plansChanged: () => pageCache.clear(),
    // Renewals on a saved card are charged before their dunning steps; `payments` is built below, before any run.
    charger: { chargeDue: (sub, today, unpaid) => payments.online.chargeDue(sub, today, unpaid), reconcile: () => payments.online.reconcile() },
    // The shop's license expiry reminders; `shop` is built below, before any run.
    // And the data retention cleanup (src/ops/cleanup.ts).
    jobs: [{ name: 'license_reminders', run: (today) => shop.reminders.run(today) }, cleanup.job()],
    runObserver: metrics,
  });
  const payments = createPayments({ config, db, clock, audit, billing, subscriptions, logger, observer: metrics });
  const shop = createShop({ db, clock, audit, billing, online: payments.online, codes, licenses, mailer, t: i18n.t, viewsDir: config.paths.views,
    baseUrl: config.baseUrl, refundDays: config.shop.refundDays, products, releasesPerMonth: config.shop.releasesPerMonth,
    thumbnailsDir: path.join(config.paths.files, 'shop', 'thumbnails'),
    contactOf: (id) => subscriptions.contactOf(id), changed: () => pageCache.clear(), logger,
    // `courses` is built just below, before any request or payment.
    courses: { grant: (...a) => courses.grant(...a), sellable: (slug) => courses.sellable(slug) } });
  // Media links are signed with a key derived from the session secret (src/courses/media-token.ts).
  const courses = new CoursesService({ db, clock, audit, config: config.courses, secret: deps.sessionSecret,
    // A paid, unrefunded order of the product (src/shop); `shop` is built below, before any request.
    ownsProduct: (accountId, productId) => shop.orders.ownsProduct(accountId, productId) });
  const contact = new ContactService({ db, mailer, clock, logger, audit, adminEmail: config.adminEmail, baseUrl: config.baseUrl });
  // Editable pages (src/cms): a publication or an archive clears the page cache (every instance).
  const pages = new PagesService({ db, clock, audit, tr: (lng, key) => i18n.t[lng](key), changed: () => pageCache.clear() });
  const support = new SupportService({ db, clock, audit, logger, filesDir: config.paths.files,
    mails: new SupportMails({ mailer, t: i18n.t, viewsDir: config.paths.views, baseUrl: config.baseUrl, logger }) });

  // Trial, activate and validate accept a client package's API key (Authorization: Bearer sk_…, src/licenses/client-key.ts).
  const licensesApi = { config, db, clock, logger, audit, accounts, keys: deps.keys, licenses, limit, clientKeys: packages };
  // POST /api/v1/licenses/validate and /api/license/validate: the license
  // server's hot path, answered by the listener below without Express, with
  // only what it needs (its own security headers, request line, limit, body
  // parser; validate-route.ts explains why).
  const validate = createValidateRoute({
    ...licensesApi,
    securityHeaders: securityHeaderSetter(config.secureCookies),
    // proxyaddr gives undefined once the socket is gone.
    clientIp: (req) => (proxyaddr(req, app.get('trust proxy fn') as (addr: string, i: number) => boolean) as string | undefined) ?? '',
  });
  // "Pay by card" and "Pay with PayPal" answer a POST with a redirect to the gateway's hosted page: the origins forms may lead to besides ours.
  app.use(securityHeaders(config.secureCookies, [...(config.stripe ? [stripeCheckoutOrigin(config.stripe)] : []),
    ...(config.paypal ? [paypalApproveOrigin(config.paypal)] : [])]));
  // Health and metrics: JSON or text, no language, session or CSRF, never cached (src/ops).
  app.use(createHealthRouter({ db, logger, migrationsDir: config.paths.migrations,
    dataDirs: [config.paths.db, config.paths.files], minFreeMb: config.monitoring.readyMinFreeMb }));
  app.use(createMetricsRouter(metrics, config.monitoring.metricsToken));
  // The JSON API and the public keys use no language, session, cookie, CSRF
  // token or page locals: they are answered first, with their own request
  // line (logRequest), before the rest of the chain (which costs more than a
  // validation itself). Unmatched /api paths go on to the pages below
  // (/api/docs) and end in the JSON 404; they are not logged twice.
  app.use(apiRequestLog(logger));
  app.use(refuseControlCharactersInApi);
  app.use(createLicensesApiRouter(licensesApi));
  app.use(createKeysRouter(deps.keys));
  app.use(createKeyfilesApiRouter(recharges, limit('keyfiles', { windowSeconds: 3600, limit: config.keyfilesPerHour })));
  // The customer API (bearer andc_ tokens): counted per IP before the token is looked up.
  app.use(createCustomerApiRouter({ orders: shop.orders, accounts, baseUrl: config.baseUrl }, limit('customer-api', { windowSeconds: 3600, limit: 600 })));
  // Who a client package's API key belongs to (bearer sk_), counted per IP before the key is looked up.
  app.use(createClientApiRouter(packages, limit('client-api', { windowSeconds: 3600, limit: 600 })));
  // Any other request under /api: the JSON 404 or 405 (signed on the signed routes' paths), before session and CSRF.
  app.use(createApiFallback({
    routes: () => [...routesOfApp(app), ...validate.routes],
    signed: (p) => SIGNED_PATHS.has(p),
    sendSigned: (err, req, res) => sendSignedError(licensesApi, err, req, res),
  }));
  // Gateway notifications: raw body, signature instead of session and CSRF, JSON answers (src/payments/webhooks.router.ts).
  app.use(createWebhooksRouter({ inbound: payments.inbound, gateways: payments.gateways, logger,
    limiter: limit('webhooks', { windowSeconds: 60, limit: 6000, methods: ['POST'] }) }));
  app.use(i18n.middleware);
  // Maintenance mode: visitors without a session get the 503 page here, before a cached page; the rest after the account loader.
  const sessionCookie = `${sessionCookieName(config)}=`;
  const maintenanceGate = createMaintenanceGate(maintenance, (req) => (req.headers.cookie ?? '').includes(sessionCookie), logger);
  app.use(maintenanceGate.early);
  app.use(pageCache.serve);
  const httpLog = pinoHttp({
    logger,
    genReqId: requestId,
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    // One short line per request: no headers (cookies, tokens), no query values.
    // Raw objects straight to these small serializers (no pino-std-serializers
    // copy of every header first): that copy, made for each request's child
    // logger, costs about as much as Express's own handling of the request.
    wrapSerializers: false,
    serializers: {
      req: (req: { id: unknown; method: string; url: string; socket?: { remoteAddress?: string } }) => ({
        id: req.id, method: req.method, path: req.url.split('?')[0], ip: req.socket?.remoteAddress,
      }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
  });
  app.use((req, res, next) => (req.id === undefined ? httpLog(req, res, next) : next()));
  app.use(express.static(config.paths.public, { maxAge: config.env === 'production' ? '1d' : 0, index: false }));
  // Images uploaded for the editable pages: named by their SHA-256, so never changed once served (src/cms/images.ts).
  app.use('/uploads', express.static(uploadsDir(config.paths.files), { maxAge: config.env === 'production' ? '30d' : 0, immutable: true, index: false }));
  app.use(
    '/vendor/chart.js',
    express.static(path.join(config.paths.root, 'node_modules', 'chart.js', 'dist'), { index: false, maxAge: config.env === 'production' ? '7d' : 0 }),
  );
  // Only the two files /api/docs loads: swagger-ui-dist also ships a demo index.html
  // and initializer pointing at a public petstore, which this site must not serve.
  const swaggerUi = express.static(
    path.join(config.paths.root, 'node_modules', 'swagger-ui-dist'),
    { index: false, maxAge: config.env === 'production' ? '7d' : 0 },
  );
  app.use('/vendor/swagger-ui', (req, res, next) => (SWAGGER_UI_FILES.has(req.path) ? swaggerUi(req, res, next) : next()));
  app.use(session.middleware);
  app.use(saveBeforeRedirect);
  app.use(createAccountLoader(auth));
  app.use(i18n.accountLocale);
  app.use(maintenanceGate.late);
  // Form bodies are small (16 KB); a release changelog (20,000 characters,
  // at most 6 bytes per UTF-16 unit once URL-encoded) gets its own limit.
  app.use(/^\/admin\/releases\/\d+\/changelog$/, express.urlencoded({ extended: false, limit: '200kb', parameterLimit: 10 }));
  // A page section's form holds a field per text and language of each of its services (src/admin/pages).
  app.use(/^\/admin\/pages\/[a-z]+\/sections\/\d+$/, express.urlencoded({ extended: false, limit: '512kb', parameterLimit: 2000 }));
  app.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }));
  app.use(refuseControlCharacters);
  app.use(csrf.protect);
  const locals = createLocals(csrf, (accountId) => notifications.unreadCount(accountId));
  app.use(locals);
  app.use(staleFormRecovery(csrf.isTokenError, locals));

  const contactLimiter = limit('contact', { windowSeconds: 3600, limit: config.contactPerHour, methods: ['POST'], successfulOnly: true });
  app.use(createSiteRouter(createSiteController(contact, pageCache, config.legal, () => subscriptions.publicPlans(), { pages, baseUrl: config.baseUrl }),
    contactLimiter));
  // Releases restricted to license holders (a shop listing) are served only through signed links.
  const downloadLinks = new DownloadLinks(deps.sessionSecret, config.shop.downloadLinkMinutes);
  app.use(createDownloadsRouter(createDownloadsController(downloads, pageCache, config, logger,
    { links: downloadLinks, clock, restricted: (product) => shop.catalogue.restricted(product) })));
  app.use(createAccountsRouter(createAuthController(accounts, auth, totp, config.staff2faRequired), createAccountController(accounts, auth, totp),
    createTotpController(accounts, auth, totp), {
    login: limit('login', { windowSeconds: 900, limit: 20 }),
    forgot: limit('forgot', { windowSeconds: 900, limit: 10 }),
    register: limit('register', { windowSeconds: 3600, limit: 10 }),
  }));
  app.use(createPartnersRouter(recharges, ledger, clock));
  // Upload routes: multer parses the body in the route, then the same text rule and the CSRF check.
  const afterUpload: express.RequestHandler = (req, res, next) =>
    refuseControlCharacters(req, res, (err?: unknown) => (err ? next(err) : csrf.afterUpload(req, res, next)));
  app.use(createBillingRouter(createBillingController(subscriptions, billing, config.billing.currency, payments.online)));
  app.use(createCheckoutRouter(createCheckoutController(payments.online, config.billing.currency, logger),
    limit('checkout', { windowSeconds: 3600, limit: 60, methods: ['POST'] })));
  app.use(createShopRouter(createShopController(shop.catalogue, shop.orders, pageCache),
    createOrdersController({ orders: shop.orders, refunds: shop.refunds, catalogue: shop.catalogue, devices: shop.devices, billing,
      online: payments.online, logger,
      signLink: (releaseId, accountId, ip) => downloadLinks.sign(releaseId, accountId, clock.now(), ip) }),
    limit('shop', { windowSeconds: 3600, limit: 60, methods: ['POST'] }), createTokensController(accounts),
    createCourseOrdersController({ courseOrders: shop.courseOrders, courses, billing, online: payments.online, logger })));
  app.use(createRechargeRouter(createRechargeController(recharges, ledger, (id) => subscriptions.gate(id)), afterUpload));
  app.use(createSupportRouter(createSupportController(support), afterUpload,
    limit('tickets', { windowSeconds: 3600, limit: 60, methods: ['POST'], successfulOnly: true })));
  app.use(createCoursesRouter(createCoursesController(courses)));
  app.use(createApiDocsRouter());
  app.use(createNotificationsRouter(createNotificationsController(notifications)));
  app.use('/admin', requireStaffEnrolment(config.staff2faRequired, (id) => totp.isEnabled(id)));
  app.use(createMaintenanceRouter(maintenance));
  app.use(createAdminRouter({
    config, db, clock, logger, mailer, audit, accounts, auth, ledger, recharges, downloads, keys: deps.keys, licenses, products,
    codes, contact, support, downloadBlocks, installations, issuerKeys, pageCache, csrfAfterUpload: afterUpload, billing, subscriptions, payments,
    courses, shop, pages, packages,
  }));

  app.use(notFound);
  const errorHandler = createErrorHandler(logger);
  app.use(errorHandler);

  // POST /api/v1/licenses/validate and /api/license/validate go to their own handler, the rest to Express (validate-route.ts).
  const dispatch = createAppListener(validate, app, errorHandler, logger);
  const observe = deps.apiObserver ? observeApi(deps.apiObserver) : null;
  const observed: RequestListener = observe
    ? (req, res) => {
      if (isApiPath(req.url ?? '')) observe(req, res);
      dispatch(req, res);
    }
    : dispatch;
  const redirect = config.monitoring.httpsRedirect
    ? createHttpsRedirect(config.baseUrl, () => app.get('trust proxy fn') as TrustFn)
    : null;
  // Every answer counted and timed, redirects included; the fast path's two routes named by their path, as Express routes are.
  const listener = measureRequests(metrics, redirect ? (req, res) => { if (!redirect(req, res)) observed(req, res); } : observed, (req) => {
    const version = validate.match(req);
    return version ? VALIDATE_PATHS[version] : null;
  });

  return {
    listener,
    app,
    ledger,
    recharges,
    accounts,
    auth,
    totp,
    audit,
    downloads,
    pageCache,
    licenses,
    billing,
    subscriptions,
    payments,
    notifications,
    shop,
    billingRun,
    support,
    courses,
    pages,
    metrics,
    maintenance,
    cleanup,
    packages,
    close: async () => {
      await licenses.close();
      await downloads.close();
      await session.close();
      cacheEvents?.disconnect();
      redis?.disconnect();
    },
  };
}

/**
 * Every instance drops its page cache when one clears its own: clear() publishes this instance's id on `channel`, a
 * second Redis connection (subscribed) hears the others' and clears locally. Returns that connection (closed with the app).
 */
function sharePageCacheClears(pageCache: PageCache, redis: Redis, channel: string, logger: Logger): Redis {
  const me = crypto.randomUUID();
  const sub = redis.duplicate();
  sub.on('error', (err) => logger.warn({ err: err.message }, 'redis subscription unreachable: page caches expire by their TTL'));
  sub.on('message', (ch: string, from: string) => { if (ch === channel && from !== me) pageCache.clearLocal(); });
  void sub.subscribe(channel).catch(() => undefined);
  pageCache.shareClears(() => { void redis.publish(channel, me).catch(() => undefined); });
  return sub;
}

/** The request line of /api/ and /.well-known/ requests (logRequest); other paths are logged by pino-http. */
function apiRequestLog(logger: Logger): express.RequestHandler {
  return (req, res, next) => {
    if (isApiPath(req.url) || /^\/(\.well-known|webhooks)\//i.test(req.url)) logRequest(logger, req, res);
    next();
  };
}

/**
 * Wraps res.write and res.end of a request under /api to hand each JSON
 * answer to `observer` (tests only); res.json ends there too. The body is
 * gathered from both: express-session writes all but the last byte before
 * saving the session, then ends with that byte.
 */
function observeApi(observer: ApiObserver): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = pathOfTarget(req.url ?? '');
    const chunks: Buffer[] = [];
    const keep = (chunk: unknown): void => {
      if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) chunks.push(Buffer.from(chunk));
    };
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    res.write = ((...args: unknown[]) => {
      keep(args[0]);
      return write(...args);
    }) as typeof res.write;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((...args: unknown[]) => {
      if (typeof args[0] !== 'function') keep(args[0]);
      if (chunks.length && /json/.test(String(res.getHeader('content-type') ?? ''))) {
        const text = Buffer.concat(chunks).toString();
        let body: unknown;
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          body = { unparseable_json: text.slice(0, 200) }; // the conformance check reports it
        }
        observer({ method: req.method ?? '', path, status: res.statusCode, headers: res.getHeaders(), body });
      }
      return end(...args);
    }) as typeof res.end;
  };
}
