/**
 * Configuration: the environment is read once, here, validated with zod and
 * frozen. Nothing else in the code base reads `process.env`.
 *
 * `loadConfig(env)` returns a frozen {@link Config}; it throws a
 * {@link ConfigError} whose message lists every invalid key, so the server
 * fails at start with a readable list instead of failing later.
 * Every key, its default and its meaning is listed in `.env.example`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CURRENCIES, type Currency } from '../billing/money.js';
import { BACKUP_FORMATS, isAgeX25519Recipient, type BackupFormat } from './backup.js';
import { monitoringConfig, monitoringKeys, type MonitoringConfig } from './monitoring.js';
import { paypalConfig, paypalKeys, type PayPalConfig } from './paypal.js';

export type { MonitoringConfig } from './monitoring.js';
export { backupIdentityFile, isAgeX25519Recipient, type BackupFormat } from './backup.js';
export type { PayPalConfig } from './paypal.js';

/**
 * Whether this code runs compiled (the JavaScript setup/build.mjs writes into dist/, `npm start`)
 * rather than as TypeScript under tsx (`npm run dev`, the tests, the npm CLI scripts).
 */
export const COMPILED = fileURLToPath(import.meta.url).endsWith('.js');

/** The top of the running code's tree, two folders above this file: the project root under tsx, dist/ when compiled. */
const CODE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Absolute path of the project root (the folder holding package.json, views/, public/, db/): the build mirrors the
 * root's src/ and db/ into dist/src and dist/db, so compiled code finds the root one folder above its tree.
 */
export const ROOT_DIR = COMPILED ? path.dirname(CODE_DIR) : CODE_DIR;

/** The migrations the running code loads: db/migrations (.ts) under tsx, their compiled copies (dist/db/migrations, .js) when compiled. */
export const MIGRATIONS_DIR = path.join(CODE_DIR, 'db', 'migrations');

/** Raised when the environment does not describe a valid configuration. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const intInRange = (def: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(def);

/** Whether `zone` is a time zone this runtime's Intl knows (IANA names: Europe/Paris, UTC, …). */
function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** One line of the legal notice (a name, an address, a number), shown as typed. */
const legalText = z.string().trim().min(1).max(300).optional();

/** A percentage with at most two decimals ("20", "5.5", "20.00"), 0..100, read as basis points (20.00 % → 2000). */
const percentBp = z.string().trim().regex(/^\d{1,3}(\.\d{1,2})?$/, 'a percentage such as 20.00')
  .transform((v) => Math.round(Number(v) * 100)).refine((bp) => bp <= 10000, 'at most 100');

/**
 * A comma-separated list of product codes (as /admin/licenses creates them: a-z, 0-9, `_`, 2 to 32 characters), spaces
 * around each allowed, duplicates dropped; empty: none.
 */
const productCodeList = z.string().transform((v) => v.split(',').map((c) => c.trim()).filter((c) => c !== ''))
  .refine((codes) => codes.every((c) => /^[a-z0-9_]{2,32}$/.test(c)), 'comma-separated product codes (a-z, 0-9, _), e.g. artisan_nd,easyfacture')
  .transform((codes) => [...new Set(codes)]).default([]);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: intInRange(3000, 0, 65535),
  HOST: z.string().min(1).default('127.0.0.1'),
  BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  DATABASE_URL: z.string().min(1).optional(),
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier').optional(),
  SESSION_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  TRUST_PROXY: intInRange(0, 0, 10),
  STAFF_2FA_REQUIRED: z.enum(['0', '1']).optional(),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'an smtp:// or smtps:// URL').optional(),
  MAIL_FROM: z.string().min(3).default('artisan_nd <no-reply@localhost>'),
  ADMIN_EMAIL: z.email().default('admin@localhost.localdomain'),
  DEFAULT_LOCALE: z.enum(['fr', 'en']).default('fr'),
  DOWNLOADS_PER_HOUR: intInRange(10, 1, 100000),
  DOWNLOADS_CONCURRENT: intInRange(3, 1, 1000),
  DOWNLOAD_ACCEL: z.enum(['none', 'x-accel']).default('none'),
  DOWNLOAD_ACCEL_PREFIX: z.string().regex(/^\/.*\/$/, 'a path starting and ending with /').default('/_protected_downloads/'),
  CONTACT_PER_HOUR: intInRange(5, 1, 10000),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  REDIS_PREFIX: z.string().regex(/^[\w:.-]{0,64}$/, 'letters, digits, : . - _ (64 at most)').default('artisan-nd:'),
  PAGE_CACHE_TTL: intInRange(60, 0, 86400),
  SHUTDOWN_GRACE_SECONDS: intInRange(30, 0, 600),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  FILES_DIR: z.string().min(1).default('files'),
  LOGS_DIR: z.string().min(1).default('logs'),
  DB_DIR: z.string().min(1).default('db'),
  SUBSCRIPTION_DIR: z.string().min(1).default('subscription'),
  ISSUER_KEY_FILE: z.string().min(1).optional(),
  KEYFILES_PER_HOUR: intInRange(600, 1, 1000000),
  RELEASE_MAX_BYTES: intInRange(524_288_000, 1, 10 * 1024 ** 3),
  COURSE_VIDEO_MAX_BYTES: intInRange(524_288_000, 1, 10 * 1024 ** 3),
  COURSE_PDF_MAX_BYTES: intInRange(52_428_800, 1, 1024 ** 3),
  LICENSE_TRIALS_PER_HOUR: intInRange(3, 1, 10_000_000),
  LICENSE_ACTIVATIONS_PER_HOUR: intInRange(10, 1, 10_000_000),
  LICENSE_VALIDATIONS_PER_HOUR: intInRange(100, 1, 100_000_000),
  DISPLAY_TIMEZONE: z.string().refine(isTimeZone, 'an IANA time zone, e.g. Europe/Paris').default('Europe/Paris'),
  LEGAL_PUBLISHER_NAME: legalText,
  LEGAL_PUBLISHER_ADDRESS: legalText,
  LEGAL_PUBLISHER_PHONE: legalText,
  LEGAL_PUBLISHER_REGISTRATION: legalText,
  LEGAL_PUBLISHER_VAT: legalText,
  LEGAL_PUBLICATION_DIRECTOR: legalText,
  LEGAL_CONTACT_EMAIL: z.email().optional(),
  LEGAL_HOST_NAME: legalText,
  LEGAL_HOST_ADDRESS: legalText,
  LEGAL_HOST_PHONE: legalText,
  ...paypalKeys,
  ...monitoringKeys,
  BILLING_SELLER_NAME: legalText,
  BILLING_SELLER_ADDRESS: legalText,
  BILLING_SELLER_SIRET: z.string().trim().regex(/^\d{3} ?\d{3} ?\d{3}( ?\d{5})?$/, 'a SIREN (9 digits) or SIRET (14 digits)').optional(),
  BILLING_SELLER_VAT_NUMBER: z.string().trim().regex(/^[A-Z]{2}[0-9A-Z]{2,13}$/, 'an intra-EU VAT number such as FR12345678901').optional(),
  BILLING_SELLER_RCS: legalText,
  BILLING_SELLER_CAPITAL: legalText,
  BILLING_VAT_RATE: percentBp.default(2000),
  BILLING_VAT_REGIME: z.enum(['standard', 'franchise']).default('standard'),
  BILLING_CURRENCY: z.enum(CURRENCIES).default('EUR'),
  BILLING_INVOICE_PREFIX: z.string().regex(/^[A-Z]{1,6}$/, '1 to 6 capital letters').default('FA'),
  BILLING_CREDIT_NOTE_PREFIX: z.string().regex(/^[A-Z]{1,6}$/, '1 to 6 capital letters').default('AV'),
  BILLING_PAYMENT_TERMS_DAYS: intInRange(30, 0, 60),
  BILLING_LATE_PENALTY_RATE: percentBp.optional(),
  BILLING_PAYMENT_INSTRUCTIONS: z.string().trim().min(1).max(2000).optional(),
  BILLING_PENDING_DAYS: intInRange(14, 1, 365),
  SHOP_REFUND_DAYS: intInRange(14, 0, 365),
  SHOP_RELEASES_PER_MONTH: intInRange(3, 0, 100),
  DOWNLOAD_LINK_MINUTES: intInRange(15, 1, 1440),
  MAINTENANCE_CACHE_SECONDS: intInRange(5, 0, 300),
  RETENTION_WEBHOOK_DAYS: intInRange(90, 1, 3650),
  RETENTION_DOWNLOADS_DAYS: intInRange(400, 366, 3650),
  RETENTION_SESSIONS_DAYS: intInRange(90, 1, 3650),
  PACKAGE_DOWNLOAD_DAYS: intInRange(7, 1, 365),
  PACKAGE_KEEP_DAYS: intInRange(30, 1, 3650),
  CLIENT_KEY_REQUIRED_PRODUCTS: productCodeList,
  BILLING_RUN_AT: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time HH:MM').default('06:00'),
  BILLING_TIMEZONE: z.string().refine(isTimeZone, 'an IANA time zone, e.g. Europe/Paris').default('Europe/Paris'),
  STRIPE_SECRET_KEY: z.string().trim().regex(/^(sk|rk)_(test|live)_[A-Za-z0-9]{1,250}$/, 'a Stripe secret key sk_test_… or sk_live_…').optional(),
  STRIPE_WEBHOOK_SECRET: z.string().trim().regex(/^whsec_[A-Za-z0-9+/=]{1,250}$/, 'a webhook signing secret whsec_…').optional(),
  STRIPE_API_BASE: z.url({ protocol: /^https?$/ }).optional(),
  BACKUP_DIR: z.string().min(1).optional(),
  BACKUP_KEEP: intInRange(14, 1, 10000),
  BACKUP_AT: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time HH:MM').default('03:30'),
  BACKUP_FORMAT: z.enum(BACKUP_FORMATS).default('tar.gz'),
  BACKUP_RECIPIENT: z.string().trim().refine(isAgeX25519Recipient, 'an age X25519 public key age1… (npm run backup:keygen prints one)').optional(),
  BACKUP_IDENTITY_FILE: z.string().min(1).optional(),
}).refine((e) => e.BILLING_INVOICE_PREFIX !== e.BILLING_CREDIT_NOTE_PREFIX, {
  path: ['BILLING_CREDIT_NOTE_PREFIX'], message: 'must differ from BILLING_INVOICE_PREFIX',
}).refine((e) => !e.STRIPE_SECRET_KEY === !e.STRIPE_WEBHOOK_SECRET, {
  path: ['STRIPE_WEBHOOK_SECRET'], message: 'STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are set together (card payments need both)',
}).refine((e) => !(e.BACKUP_RECIPIENT && e.BACKUP_FORMAT === 'dir'), {
  path: ['BACKUP_FORMAT'], message: 'a dir archive cannot be encrypted: use tar.gz with BACKUP_RECIPIENT, or remove BACKUP_RECIPIENT',
});

/** Database connection: the embedded SQLite file or a PostgreSQL URL. */
export type DatabaseConfig =
  | { client: 'sqlite'; filename: string }
  | { client: 'pg'; url: string; schema: string | undefined };

/** The validated, frozen configuration. Paths are absolute; durations in seconds. */
export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  baseUrl: string;
  secureCookies: boolean;
  database: DatabaseConfig;
  sessionSecret: string | undefined;
  trustProxy: number;
  /** Admins and superadmins must enrol in two-step login before reaching /admin (STAFF_2FA_REQUIRED, on by default in production). */
  staff2faRequired: boolean;
  smtpUrl: string | undefined;
  mailFrom: string;
  adminEmail: string;
  defaultLocale: 'fr' | 'en';
  downloads: { perHour: number; concurrent: number; accel: 'none' | 'x-accel'; accelPrefix: string };
  contactPerHour: number;
  pageCacheTtl: number;
  shutdownGraceSeconds: number;
  logLevel: string;
  paths: {
    root: string; files: string; downloads: string; logs: string; mail: string; db: string; views: string; public: string;
    keys: string; keyFiles: string;
    /** The migrations folder this code loads ({@link MIGRATIONS_DIR}). */
    migrations: string;
  };
  /** An issuer key file given by the operator (32-byte Ed25519 seed, hex), instead of subscription/keys/. */
  issuerKeyFile: string | undefined;
  /** Key-file fetches per IP and hour on the delivery API. */
  keyfilesPerHour: number;
  /** Largest .deb an admin may upload on /admin/releases (bytes). */
  releaseMaxBytes: number;
  /**
   * Courses: how long a lesson's signed media URL stays valid (minutes), the largest video and PDF an admin may upload (bytes).
   * Lesson files live in `files` + `/courses/<course id>/`, never under public/.
   */
  courses: { linkMinutes: number; videoMaxBytes: number; pdfMaxBytes: number; dir: string };
  /** License server API limits, requests per client IP and hour (validate also counts the compatibility route). */
  licenses: { trialsPerHour: number; activationsPerHour: number; validationsPerHour: number };
  /** IANA time zone in which pages show dates and times (CSV exports stay in UTC). */
  displayTimezone: string;
  /** PayPal payments; undefined unless PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET and PAYPAL_WEBHOOK_ID are set (the pay page then offers no PayPal). */
  paypal: PayPalConfig | undefined;
  /** Who publishes and who hosts the site, for /legal, /terms and /privacy; each unset one is shown as missing. */
  legal: LegalIdentity;
  billing: BillingConfig;
  /** Card payments through Stripe; undefined when STRIPE_SECRET_KEY is not set (the pay page then offers no card). */
  stripe: StripeConfig | undefined;
  /**
   * The customer shop: days after payment a customer may ask for a refund; minutes a signed download link lives; devices a
   * customer may release per order and calendar month (UTC).
   */
  shop: { refundDays: number; downloadLinkMinutes: number; releasesPerMonth: number };
  /**
   * Backups (`npm run backup`, src/ops): the folder receiving the archives (undefined: `--out` is required and the
   * server schedules none), how many archives to keep there, and the daily time (HH:MM, in the billing time zone);
   * the archive's form (`tar.gz`: one file, the default; `dir`: a folder); the age X25519 public key (`age1…`) the
   * tar.gz is encrypted to (undefined: not encrypted); the file holding the matching AGE-SECRET-KEY-1… that
   * backup:verify and restore read when no `--identity` is given (kept off the server: usually undefined there).
   */
  backup: { dir: string | undefined; keep: number; at: string; format: BackupFormat; recipient: string | undefined; identityFile: string | undefined };
  /** Health, metrics and the HTTPS redirect (src/ops). */
  monitoring: MonitoringConfig;
  /** Redis shared by the instances (rate limits) and its key prefix; undefined: limits counted in each process. */
  redis: { url: string; prefix: string } | undefined;
  /**
   * Client packages (src/packages): where the zips are written (`files` + `/packages`, git-ignored), days the admin page
   * serves a new zip (PACKAGE_DOWNLOAD_DAYS) and days before the daily cleanup deletes it (PACKAGE_KEEP_DAYS; the key stays).
   */
  packages: { dir: string; downloadDays: number; keepDays: number };
  /**
   * The products whose license API requests (trial, activate, validate) must carry a valid client API key
   * (CLIENT_KEY_REQUIRED_PRODUCTS, product codes; empty: the key is optional for every product).
   */
  clientKeys: { requiredProducts: ReadonlySet<string> };
  /** Operations (src/ops): how long each instance reuses its read of the maintenance switch; what the daily cleanup keeps. */
  ops: { maintenanceCacheSeconds: number; retention: RetentionConfig };
}

/** Days kept by the daily cleanup (src/ops/cleanup.ts), counted back from today. */
export interface RetentionConfig {
  /** Gateway notifications (inbound_events) handled or ignored. */
  webhookDays: number;
  /** Download log rows (at least a year). */
  downloadsDays: number;
  /** Ended account sessions (the login history staff read). */
  sessionsDays: number;
  /** Client package zips (PACKAGE_KEEP_DAYS): deleted after that many days; their rows and keys stay. */
  packageZipDays: number;
}

/** Stripe's keys (never logged nor shown) and, for tests, the address of a local fake of its API. */
export interface StripeConfig {
  secretKey: string;
  webhookSecret: string;
  /** STRIPE_API_BASE parsed: the SDK's host, port and protocol; undefined: Stripe itself. */
  api: { host: string; port: number; protocol: 'http' | 'https' } | undefined;
}

/** Billing settings (BILLING_* keys); rates in basis points (20.00 % = 2000). */
export interface BillingConfig {
  seller: SellerIdentity;
  /** Name, address and SIRET are all set: invoices can be issued without the admins' "seller not configured" notice. */
  sellerConfigured: boolean;
  /** The standard VAT rate, basis points. */
  vatRateBp: number;
  /** `franchise`: franchise en base de TVA (art. 293 B du CGI), no VAT charged. */
  vatRegime: 'standard' | 'franchise';
  currency: Currency;
  invoicePrefix: string;
  creditNotePrefix: string;
  /** Days between an invoice's issue date and its due date (at most 60: Code de commerce L441-10). */
  paymentTermsDays: number;
  /** Annual late-payment penalty rate, basis points; undefined: three times the legal interest rate (the legal minimum). */
  latePenaltyRateBp: number | undefined;
  /** Text shown with a manual-gateway invoice (bank details, mobile money number). */
  paymentInstructions: string | undefined;
  pendingDays: number;
  /** The daily billing job's time (HH:MM) in `timezone`. */
  runAt: string;
  timezone: string;
}

/** The seller's identity printed on every invoice (Code de commerce L441-9, CGI art. 242 nonies A). */
export interface SellerIdentity {
  name: string | undefined;
  address: string | undefined;
  siret: string | undefined;
  vatNumber: string | undefined;
  rcs: string | undefined;
  capital: string | undefined;
}

/** The site's legal identity (LCEN art. 6 III; RGPD art. 13 1 a); `undefined` when the operator has not set it. */
export interface LegalIdentity {
  publisherName: string | undefined;
  publisherAddress: string | undefined;
  publisherPhone: string | undefined;
  /** Legal form, share capital and registration (RCS/RM number, SIREN), as one line. */
  publisherRegistration: string | undefined;
  publisherVat: string | undefined;
  publicationDirector: string | undefined;
  /** Address for legal and personal-data requests. */
  contactEmail: string | undefined;
  hostName: string | undefined;
  hostAddress: string | undefined;
  hostPhone: string | undefined;
}

function parseDatabase(url: string | undefined, schemaName: string | undefined, dbDir: string): DatabaseConfig | string {
  if (!url) return { client: 'sqlite', filename: path.join(dbDir, 'artisan_nd.sqlite') };
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (!file) return 'DATABASE_URL: sqlite: needs a file path, e.g. sqlite:db/artisan_nd.sqlite';
    return { client: 'sqlite', filename: path.resolve(ROOT_DIR, file) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { client: 'pg', url, schema: schemaName };
  return 'DATABASE_URL: expected sqlite:<path> or postgres://user@host:port/database';
}

/**
 * Validate `env` (normally `process.env`) and build the frozen configuration.
 * @throws ConfigError listing every invalid key.
 */
export function loadConfig(env: Record<string, string | undefined>): Readonly<Config> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const abs = (p: string) => path.resolve(ROOT_DIR, p);
  const dbDir = abs(e.DB_DIR);
  const database = parseDatabase(e.DATABASE_URL, e.DATABASE_SCHEMA, dbDir);
  if (typeof database === 'string') throw new ConfigError([database]);
  const paypal = paypalConfig(e);
  if (typeof paypal === 'string') throw new ConfigError([paypal]);
  const baseUrl = (e.BASE_URL ?? `http://${e.HOST}:${e.PORT}`).replace(/\/+$/, '');
  const files = abs(e.FILES_DIR);
  const subscription = abs(e.SUBSCRIPTION_DIR);
  const logs = abs(e.LOGS_DIR);
  const config: Config = {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    baseUrl,
    secureCookies: baseUrl.startsWith('https://'),
    database,
    sessionSecret: e.SESSION_SECRET,
    trustProxy: e.TRUST_PROXY,
    staff2faRequired: (e.STAFF_2FA_REQUIRED ?? (e.NODE_ENV === 'production' ? '1' : '0')) === '1',
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    adminEmail: e.ADMIN_EMAIL,
    defaultLocale: e.DEFAULT_LOCALE,
    downloads: {
      perHour: e.DOWNLOADS_PER_HOUR,
      concurrent: e.DOWNLOADS_CONCURRENT,
      accel: e.DOWNLOAD_ACCEL,
      accelPrefix: e.DOWNLOAD_ACCEL_PREFIX,
    },
    contactPerHour: e.CONTACT_PER_HOUR,
    pageCacheTtl: e.PAGE_CACHE_TTL,
    shutdownGraceSeconds: e.SHUTDOWN_GRACE_SECONDS,
    logLevel: e.LOG_LEVEL,
    paths: {
      root: ROOT_DIR,
      files,
      downloads: path.join(files, 'downloads'),
      logs,
      mail: path.join(logs, 'mail'),
      db: dbDir,
      views: path.join(ROOT_DIR, 'views'),
      public: path.join(ROOT_DIR, 'public'),
      keys: path.join(subscription, 'keys'),
      keyFiles: path.join(subscription, 'encrypted_keys'),
      migrations: MIGRATIONS_DIR,
    },
    issuerKeyFile: e.ISSUER_KEY_FILE ? abs(e.ISSUER_KEY_FILE) : undefined,
    keyfilesPerHour: e.KEYFILES_PER_HOUR,
    releaseMaxBytes: e.RELEASE_MAX_BYTES,
    courses: {
      linkMinutes: e.DOWNLOAD_LINK_MINUTES, videoMaxBytes: e.COURSE_VIDEO_MAX_BYTES, pdfMaxBytes: e.COURSE_PDF_MAX_BYTES, dir: path.join(files, 'courses'),
    },
    licenses: {
      trialsPerHour: e.LICENSE_TRIALS_PER_HOUR,
      activationsPerHour: e.LICENSE_ACTIVATIONS_PER_HOUR,
      validationsPerHour: e.LICENSE_VALIDATIONS_PER_HOUR,
    },
    displayTimezone: e.DISPLAY_TIMEZONE,
    paypal,
    legal: {
      publisherName: e.LEGAL_PUBLISHER_NAME,
      publisherAddress: e.LEGAL_PUBLISHER_ADDRESS,
      publisherPhone: e.LEGAL_PUBLISHER_PHONE,
      publisherRegistration: e.LEGAL_PUBLISHER_REGISTRATION,
      publisherVat: e.LEGAL_PUBLISHER_VAT,
      publicationDirector: e.LEGAL_PUBLICATION_DIRECTOR,
      contactEmail: e.LEGAL_CONTACT_EMAIL,
      hostName: e.LEGAL_HOST_NAME,
      hostAddress: e.LEGAL_HOST_ADDRESS,
      hostPhone: e.LEGAL_HOST_PHONE,
    },
    billing: billingConfig(e),
    stripe: stripeConfig(e),
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX } : undefined,
    shop: { refundDays: e.SHOP_REFUND_DAYS, downloadLinkMinutes: e.DOWNLOAD_LINK_MINUTES, releasesPerMonth: e.SHOP_RELEASES_PER_MONTH },
    ops: {
      maintenanceCacheSeconds: e.MAINTENANCE_CACHE_SECONDS,
      retention: {
        webhookDays: e.RETENTION_WEBHOOK_DAYS, downloadsDays: e.RETENTION_DOWNLOADS_DAYS, sessionsDays: e.RETENTION_SESSIONS_DAYS,
        packageZipDays: e.PACKAGE_KEEP_DAYS,
      },
    },
    packages: { dir: path.join(files, 'packages'), downloadDays: e.PACKAGE_DOWNLOAD_DAYS, keepDays: e.PACKAGE_KEEP_DAYS },
    clientKeys: { requiredProducts: new Set(e.CLIENT_KEY_REQUIRED_PRODUCTS) },
    backup: {
      dir: e.BACKUP_DIR ? abs(e.BACKUP_DIR) : undefined, keep: e.BACKUP_KEEP, at: e.BACKUP_AT, format: e.BACKUP_FORMAT, recipient: e.BACKUP_RECIPIENT,
      identityFile: e.BACKUP_IDENTITY_FILE ? abs(e.BACKUP_IDENTITY_FILE) : undefined,
    },
    monitoring: monitoringConfig(e),
  };
  return deepFreeze(config);
}

function billingConfig(e: z.infer<typeof schema>): BillingConfig {
  const seller: SellerIdentity = {
    name: e.BILLING_SELLER_NAME, address: e.BILLING_SELLER_ADDRESS, siret: e.BILLING_SELLER_SIRET?.replace(/ /g, ''),
    vatNumber: e.BILLING_SELLER_VAT_NUMBER, rcs: e.BILLING_SELLER_RCS, capital: e.BILLING_SELLER_CAPITAL,
  };
  return {
    seller,
    sellerConfigured: Boolean(seller.name && seller.address && seller.siret),
    vatRateBp: e.BILLING_VAT_RATE,
    vatRegime: e.BILLING_VAT_REGIME,
    currency: e.BILLING_CURRENCY,
    invoicePrefix: e.BILLING_INVOICE_PREFIX,
    creditNotePrefix: e.BILLING_CREDIT_NOTE_PREFIX,
    paymentTermsDays: e.BILLING_PAYMENT_TERMS_DAYS,
    latePenaltyRateBp: e.BILLING_LATE_PENALTY_RATE,
    paymentInstructions: e.BILLING_PAYMENT_INSTRUCTIONS,
    pendingDays: e.BILLING_PENDING_DAYS,
    runAt: e.BILLING_RUN_AT,
    timezone: e.BILLING_TIMEZONE,
  };
}

function stripeConfig(e: z.infer<typeof schema>): StripeConfig | undefined {
  if (!e.STRIPE_SECRET_KEY || !e.STRIPE_WEBHOOK_SECRET) return undefined;
  let api: StripeConfig['api'];
  if (e.STRIPE_API_BASE) {
    const u = new URL(e.STRIPE_API_BASE);
    const protocol = u.protocol === 'http:' ? 'http' : 'https';
    api = { host: u.hostname, port: u.port ? Number(u.port) : protocol === 'http' ? 80 : 443, protocol };
  }
  return { secretKey: e.STRIPE_SECRET_KEY, webhookSecret: e.STRIPE_WEBHOOK_SECRET, api };
}

function deepFreeze<T extends object>(o: T): Readonly<T> {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v as object);
  return Object.freeze(o);
}
