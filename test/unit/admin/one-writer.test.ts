/**
 * DESIGN.md rule 11, checked on the source: for each table below, the knex
 * statements and raw SQL that write it are in one repository, and that
 * repository is built only by its service (besides its own `with(trx)`).
 * A statement is the text between two semicolons; it writes a table when it
 * names it (`db('t')`, `trx('t')`, `this.db('t as x')`) and calls insert,
 * update, delete, increment or decrement, or when raw SQL inserts into,
 * updates or deletes from it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';

const SRC = path.resolve('src');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const files = new Map(sources(SRC).map((f) => [path.relative(SRC, f), fs.readFileSync(f, 'utf8')]));

/** The files holding a statement that writes `table`. */
function writersOf(table: string): string[] {
  const named = new RegExp(`\\b(?:db|trx|knex)\\(\\s*'${table}(?: as \\w+)?'\\s*\\)`);
  const verb = /\.(?:insert|update|delete|del|increment|decrement)\(/;
  const raw = new RegExp(`\\b(?:insert\\s+into|update|delete\\s+from)\\s+"?${table}\\b`, 'i');
  const out: string[] = [];
  for (const [file, text] of files) {
    if (file.startsWith('cli/') && /migrat/.test(file)) continue;
    if (text.split(';').some((s) => (named.test(s) && verb.test(s)) || raw.test(s))) out.push(file);
  }
  return out.sort();
}

/** The files that construct `repository` (`new Repository(`), its own file left out. */
function buildersOf(repository: string, own: string): string[] {
  const re = new RegExp(`new ${repository}\\(`);
  return [...files].filter(([file, text]) => file !== own && re.test(text)).map(([file]) => file).sort();
}

/** table → its repository file, the repository class, the service file that builds it (and files that build it to read only). */
const WRITERS: Record<string, { repository: string; cls: string; service: string; readers?: string[] }> = {
  licenses: { repository: 'licenses/licenses.repository.ts', cls: 'LicensesRepository', service: 'licenses/licenses.service.ts' },
  license_activations: { repository: 'licenses/licenses.repository.ts', cls: 'LicensesRepository', service: 'licenses/licenses.service.ts' },
  license_heartbeats: { repository: 'licenses/licenses.repository.ts', cls: 'LicensesRepository', service: 'licenses/licenses.service.ts' },
  license_releases: { repository: 'licenses/licenses.repository.ts', cls: 'LicensesRepository', service: 'licenses/licenses.service.ts' },
  license_validation_days: { repository: 'licenses/licenses.repository.ts', cls: 'LicensesRepository', service: 'licenses/licenses.service.ts' },
  products: { repository: 'licenses/products.repository.ts', cls: 'ProductsRepository', service: 'licenses/products.service.ts' },
  activation_batches: {
    repository: 'licenses/activation-codes.repository.ts', cls: 'ActivationCodesRepository',
    service: 'licenses/activation-codes.service.ts',
  },
  activation_codes: {
    repository: 'licenses/activation-codes.repository.ts', cls: 'ActivationCodesRepository',
    service: 'licenses/activation-codes.service.ts',
  },
  contact_messages: { repository: 'site/contact.repository.ts', cls: 'ContactRepository', service: 'site/contact.service.ts' },
  download_blocks: {
    repository: 'downloads/download-blocks.repository.ts', cls: 'DownloadBlocksRepository', service: 'downloads/download-blocks.service.ts',
    // DownloadsService keeps a copy of the list to refuse blocked IPs; it reads only (checked below).
    readers: ['downloads/downloads.service.ts'],
  },
  issuer_keys: { repository: 'keys/issuer-keys.ts', cls: 'IssuerKeys', service: '', readers: [] },
  audit_log: { repository: 'audit/audit.repository.ts', cls: 'AuditRepository', service: 'audit/audit.service.ts' },
  // Billing: plans (PlansService), documents and their counters (InvoicesService), payments, credit balance.
  plans: { repository: 'billing/plans.repository.ts', cls: 'PlansRepository', service: 'billing/plans.service.ts' },
  invoices: { repository: 'billing/invoices.repository.ts', cls: 'InvoicesRepository', service: 'billing/invoices.service.ts' },
  invoice_lines: { repository: 'billing/invoices.repository.ts', cls: 'InvoicesRepository', service: 'billing/invoices.service.ts' },
  document_counters: { repository: 'billing/invoices.repository.ts', cls: 'InvoicesRepository', service: 'billing/invoices.service.ts' },
  payments: { repository: 'billing/payments.repository.ts', cls: 'PaymentsRepository', service: 'billing/payments.service.ts' },
  credit_entries: { repository: 'billing/credits.repository.ts', cls: 'CreditsRepository', service: 'billing/credits.service.ts' },
  payment_refunds: { repository: 'billing/payments.repository.ts', cls: 'PaymentsRepository', service: 'billing/payments.service.ts' },
  // Online payments (src/payments): gateway notifications, partners' customers and cards at the gateways.
  inbound_events: { repository: 'payments/inbound-events.repository.ts', cls: 'InboundEventsRepository', service: 'payments/inbound-events.service.ts' },
  gateway_customers: {
    repository: 'payments/gateway-customers.repository.ts', cls: 'GatewayCustomersRepository', service: 'payments/online-payments.service.ts',
  },
  // Promotion codes, their plans and their uses (written in the finalising transaction).
  promotions: { repository: 'billing/promotions.repository.ts', cls: 'PromotionsRepository', service: 'billing/promotions.service.ts' },
  promotion_plans: { repository: 'billing/promotions.repository.ts', cls: 'PromotionsRepository', service: 'billing/promotions.service.ts' },
  promotion_redemptions: {
    repository: 'billing/promotions.repository.ts', cls: 'PromotionsRepository', service: 'billing/promotions.service.ts',
  },
  // Billing, subscriptions (partner side, daily job).
  subscriptions: { repository: 'billing/subscriptions.repository.ts', cls: 'SubscriptionsRepository', service: 'billing/subscriptions.service.ts' },
  subscription_events: { repository: 'billing/subscriptions.repository.ts', cls: 'SubscriptionsRepository', service: 'billing/subscriptions.service.ts' },
  billing_steps: { repository: 'billing/subscriptions.repository.ts', cls: 'SubscriptionsRepository', service: 'billing/subscriptions.service.ts' },
  due_date_extensions: { repository: 'billing/subscriptions.repository.ts', cls: 'SubscriptionsRepository', service: 'billing/subscriptions.service.ts' },
  pack_purchases: { repository: 'billing/packs.repository.ts', cls: 'PacksRepository', service: 'billing/packs.service.ts' },
  // Support tickets: customers' and partners' pages and the /admin/tickets queue both go through SupportService.
  support_tickets: { repository: 'support/support.repository.ts', cls: 'SupportRepository', service: 'support/support.service.ts' },
  support_messages: { repository: 'support/support.repository.ts', cls: 'SupportRepository', service: 'support/support.service.ts' },
  support_attachments: { repository: 'support/support.repository.ts', cls: 'SupportRepository', service: 'support/support.service.ts' },
  // Courses: courses and lessons (staff), completions (customers), grants (the shop, in its transaction).
  courses: { repository: 'courses/courses.repository.ts', cls: 'CoursesRepository', service: 'courses/courses.service.ts' },
  course_lessons: { repository: 'courses/courses.repository.ts', cls: 'CoursesRepository', service: 'courses/courses.service.ts' },
  lesson_completions: { repository: 'courses/courses.repository.ts', cls: 'CoursesRepository', service: 'courses/courses.service.ts' },
  course_grants: { repository: 'courses/courses.repository.ts', cls: 'CoursesRepository', service: 'courses/courses.service.ts' },
  // The shop: catalogue (staff), orders (customers, payments, refunds), expiry reminders (daily job), courses bought alone.
  product_listings: { repository: 'shop/catalogue.repository.ts', cls: 'CatalogueRepository', service: 'shop/catalogue.service.ts' },
  product_offers: { repository: 'shop/catalogue.repository.ts', cls: 'CatalogueRepository', service: 'shop/catalogue.service.ts' },
  orders: { repository: 'shop/orders.repository.ts', cls: 'OrdersRepository', service: 'shop/orders.service.ts' },
  license_reminders: { repository: 'shop/reminders.repository.ts', cls: 'RemindersRepository', service: 'shop/reminders.ts' },
  course_orders: { repository: 'shop/course-orders.repository.ts', cls: 'CourseOrdersRepository', service: 'shop/course-orders.ts' },
  // Two-step login: the TOTP secret and recovery codes of an account (pages, login's second step, admin:reset-2fa).
  account_totp: { repository: 'accounts/totp.repository.ts', cls: 'TotpRepository', service: 'accounts/totp.service.ts' },
  account_recovery_codes: { repository: 'accounts/totp.repository.ts', cls: 'TotpRepository', service: 'accounts/totp.service.ts' },
  // The download log: written by DownloadsService (downloads and their retention cleanup); the admin's reports read it.
  downloads: { repository: 'downloads/download-log.repository.ts', cls: 'DownloadLogRepository', service: 'downloads/downloads.service.ts' },
  // Client packages and their API keys: the admin pages, package:create and the daily cleanup go through PackagesService.
  client_packages: { repository: 'packages/packages.repository.ts', cls: 'PackagesRepository', service: 'packages/packages.service.ts' },
  // Maintenance mode: the one switch, set from the command line (and staff).
  maintenance_mode: { repository: 'ops/maintenance.repository.ts', cls: 'MaintenanceRepository', service: 'ops/maintenance.service.ts' },
  // In-app notifications: the copy of every mail to an account (the mailer's hook), read marks.
  notifications: {
    repository: 'notifications/notifications.repository.ts', cls: 'NotificationsRepository', service: 'notifications/notifications.service.ts',
  },
};

describe('one writer per table (DESIGN.md rule 11)', () => {
  for (const [table, w] of Object.entries(WRITERS)) {
    it(`writes ${table} only in ${w.repository}${w.service ? `, built only by ${w.service}` : ''}`, () => {
      expect(writersOf(table), table).to.deep.equal([w.repository]);
      if (!w.service) return;
      expect(buildersOf(w.cls, w.repository), w.cls).to.deep.equal([w.service, ...(w.readers ?? [])].sort());
    });
  }

  it('builds IssuerKeys only where the process starts (server, CLI), so its rotations go through IssuerKeysService with the audit row', () => {
    expect(buildersOf('IssuerKeys', 'keys/issuer-keys.ts')).to.deep.equal(['cli/billing-run.ts', 'cli/keys-rotate.ts', 'server.ts']);
    expect(files.get('cli/keys-rotate.ts')).to.match(/new IssuerKeysService\(/).and.not.match(/keys\.rotate\(/);
  });

  it('lets DownloadsService read the block list only', () => {
    const text = files.get('downloads/downloads.service.ts')!;
    expect(text).not.to.match(/blocks\.(?:insert|delete|with)\(/);
  });

  // The accounts component has two services over its tables: AccountsService (accounts, their mailed
  // links, API tokens, staff changes) and AuthService (logins and sessions). RechargeService re-reads the
  // partner inside its own transaction (byId only, checked below).
  const ACCOUNT_SERVICES = ['accounts/accounts.service.ts', 'accounts/auth.service.ts'];
  for (const table of ['accounts', 'account_tokens', 'api_tokens']) {
    it(`writes ${table} only in accounts/accounts.repository.ts, built only by the accounts services`, () => {
      expect(writersOf(table), table).to.deep.equal(['accounts/accounts.repository.ts']);
      expect(buildersOf('AccountsRepository', 'accounts/accounts.repository.ts')).to.deep.equal([...ACCOUNT_SERVICES, 'recharge/recharge.service.ts']);
    });
  }

  it('writes account_sessions only in accounts/sessions.repository.ts, built only by AuthService', () => {
    expect(writersOf('account_sessions')).to.deep.equal(['accounts/sessions.repository.ts']);
    expect(buildersOf('SessionsRepository', 'accounts/sessions.repository.ts')).to.deep.equal(['accounts/auth.service.ts']);
  });

  it('lets RechargeService read accounts only, and hands no accounts repository out', () => {
    const uses = [...files.get('recharge/recharge.service.ts')!.matchAll(/new AccountsRepository\([^)]*\)\.(\w+)\(/g)].map((m) => m[1]);
    expect(uses).to.not.be.empty;
    expect(uses.filter((u) => u !== 'byId')).to.deep.equal([]);
    expect(files.get('accounts/accounts.service.ts')).to.match(/private readonly repo: AccountsRepository/);
    expect(files.get('accounts/auth.service.ts')).to.match(/private readonly accounts: AccountsRepository/).and.match(/private readonly sessionRows: SessionsRepository/);
  });

  it('writes installations only in the recharge component: recharges (RechargeService) and transfers (InstallationsService)', () => {
    expect(writersOf('installations')).to.deep.equal(['recharge/installation-owners.repository.ts', 'recharge/recharges.repository.ts']);
    expect(buildersOf('InstallationOwnersRepository', 'recharge/installation-owners.repository.ts')).to.deep.equal(['recharge/installations.service.ts']);
  });

  it('gives the recharge, ledger and admin partner services no public repository to reach through', () => {
    for (const f of ['recharge/recharge.service.ts', 'recharge/ledger.service.ts', 'admin/partners/partners.service.ts']) {
      expect(files.get(f), f).not.to.match(/^\s*(?:readonly repo\b|get repo\(\))/m);
    }
    for (const [f, text] of files) {
      if (f.startsWith('admin/') || f.startsWith('cli/')) expect(text, f).not.to.match(/\b(?:ledger|recharges|service)\.repo\b/);
    }
  });

  it('leaves admin controllers, routers and CLIs without transactions, repositories, audit writes or cache invalidation', () => {
    // The read-only classes that build the admin's read repositories (they write nothing: the tests above).
    const readers = [
      'licenses/license-reports.ts', 'installations/installation-reports.ts', 'recharges/recharge-reports.ts',
      'dashboard/dashboard-figures.ts', 'downloads/download-log.ts', 'billing/billing-reports.ts', 'billing/webhook-reports.ts', 'shop/shop-reports.ts',
    ];
    // Partners and releases have their own services (their files are checked above and below).
    const others = /^admin\/(partners|releases)\//;
    const entry = [...files.keys()].filter(
      (f) => f.startsWith('admin/') && !others.test(f) && !f.endsWith('.repository.ts') && !readers.includes(f.slice('admin/'.length)),
    );
    entry.push(...[...files.keys()].filter((f) => f.startsWith('cli/') && f !== 'cli/migrate.ts'));
    // The partners pages: no repository of their own beyond the list, no reach into another service's repository.
    entry.push('admin/partners/partners.controller.ts', 'admin/partners/partners.service.ts');
    expect(entry).to.include('admin/licenses/products.controller.ts').and.include('admin/downloads/index.ts')
      .and.include('admin/licenses/tokens.controller.ts');
    for (const f of entry) {
      // AdminPartnersService builds its read-only list repository.
      const text = files.get(f)!.replace(f === 'admin/partners/partners.service.ts' ? 'new PartnersRepository(' : /$^/, '');
      expect(text, f).not.to.match(/\.transaction\(|new \w+Repository\(|audit\.record\(|\.repo\b|\.invalidate\(|blocksChanged\(/);
    }
  });
});
