/**
 * Who may use each /admin route (issue 5, "Roles"): a table of every route ×
 * (anonymous, partner, support, admin, superadmin). Anonymous visitors are
 * sent to the login page, partners get 403 and never a page, support reads
 * partners, installations, recharges, messages and the audit log but acts on
 * nothing but support tickets (worked as admins do); admin and superadmin use
 * everything but the role change, which is superadmin only. A last test fails when a route exists that the table lacks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { createAccount, csrfOf, loginAgent } from '../../helpers/accounts.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import type { Agent } from '../../helpers/forms.js';
import { credit, newInstallation, recharge } from '../../helpers/recharge.js';
import { listEasyFacture } from '../../helpers/shop.js';
import { SYSTEM_ACTOR } from '../../../src/audit/index.js';
import { createBilling, type PlanFields } from '../../../src/billing/index.js';

/** The billing fixture's plan. */
const AUTHZ_PLAN: PlanFields = {
  slug: 'authz', nameFr: 'Authz', nameEn: 'Authz', descriptionFr: '', descriptionEn: '', type: 'monthly', price: 1000, currency: 'EUR', billingCycle: 'month',
  trialDays: 0, setupFee: 0, features: [], limits: { units_per_period: 10, max_installations: null }, isActive: true, isPublic: false, displayOrder: 1,
  highlighted: false,
};

type Who = 'anonymous' | 'partner' | 'support' | 'admin' | 'superadmin';
/** `ok` = served (GET 200; POST anything but 401/403/5xx and not a redirect to login); `login` = 303 to the login page. */
type Answer = 'ok' | 'login' | 403;

const READ: Record<Who, Answer> = { anonymous: 'login', partner: 403, support: 'ok', admin: 'ok', superadmin: 'ok' };
const ADMIN: Record<Who, Answer> = { anonymous: 'login', partner: 403, support: 403, admin: 'ok', superadmin: 'ok' };
const SUPERADMIN: Record<Who, Answer> = { anonymous: 'login', partner: 403, support: 403, admin: 403, superadmin: 'ok' };

/** Method + route → expected answers. `:id` is replaced by the fixture of that area. */
const TABLE: [string, Record<Who, Answer>][] = [
  ['GET /admin', READ],
  ['GET /admin/partners', READ],
  ['GET /admin/partners/:id', READ],
  ['POST /admin/partners/:id/activate', ADMIN],
  ['POST /admin/partners/:id/suspend', ADMIN],
  ['POST /admin/partners/:id/reactivate', ADMIN],
  ['POST /admin/partners/:id/balance', ADMIN],
  ['POST /admin/partners/:id/resend-verification', ADMIN],
  ['POST /admin/partners/:id/send-reset', ADMIN],
  ['POST /admin/partners/:id/role', SUPERADMIN],
  ['POST /admin/partners/:id/close', ADMIN],
  ['GET /admin/installations', READ],
  ['GET /admin/installations/:id', READ],
  ['POST /admin/installations/:id/transfer', ADMIN],
  ['GET /admin/recharges', READ],
  ['GET /admin/recharges/:id', READ],
  ['POST /admin/recharges/:id/revoke', ADMIN],
  ['GET /admin/releases', ADMIN],
  ['POST /admin/releases', ADMIN],
  ['GET /admin/releases/:id', ADMIN],
  ['POST /admin/releases/:id/changelog', ADMIN],
  ['POST /admin/releases/:id/publish', ADMIN],
  ['POST /admin/releases/:id/unpublish', ADMIN],
  ['POST /admin/releases/:id/latest', ADMIN],
  ['POST /admin/releases/:id/delete', ADMIN],
  ['GET /admin/downloads', ADMIN],
  ['GET /admin/downloads/blocks', ADMIN],
  ['POST /admin/downloads/blocks', ADMIN],
  ['POST /admin/downloads/blocks/:id/delete', ADMIN],
  ['GET /admin/keys', ADMIN],
  ['GET /admin/maintenance', READ],
  ['POST /admin/maintenance', ADMIN],
  ['POST /admin/keys/rotate', ADMIN],
  ['GET /admin/messages', READ],
  ['GET /admin/messages/:id', READ],
  ['POST /admin/messages/:id/handled', ADMIN],
  ['POST /admin/messages/:id/unhandled', ADMIN],
  // Support tickets: support works them as admins do.
  ['GET /admin/tickets', READ],
  ['GET /admin/tickets/:id', READ],
  ['POST /admin/tickets/:id/reply', READ],
  ['POST /admin/tickets/:id/assign', READ],
  ['POST /admin/tickets/:id/close', READ],
  ['GET /admin/tickets/:id/attachments/:attachmentId', READ],
  ['GET /admin/audit', READ],
  ['GET /admin/audit/:id', READ],
  ['GET /admin/licenses', READ],
  ['GET /admin/licenses/stats', READ],
  ['GET /admin/licenses/:id', READ],
  ['POST /admin/licenses/:id/revoke', ADMIN],
  ['POST /admin/licenses/:id/suspend', ADMIN],
  ['POST /admin/licenses/:id/reinstate', ADMIN],
  ['POST /admin/licenses/:id/extend', ADMIN],
  ['GET /admin/activation-codes', ADMIN],
  ['POST /admin/activation-codes', ADMIN],
  ['GET /admin/activation-codes/:id', ADMIN],
  ['GET /admin/api-tokens', ADMIN],
  ['POST /admin/api-tokens', ADMIN],
  ['POST /admin/api-tokens/:id/revoke', ADMIN],
  ['GET /admin/packages', ADMIN],
  ['GET /admin/packages/new', ADMIN],
  ['POST /admin/packages', ADMIN],
  ['GET /admin/packages/:id', ADMIN],
  ['GET /admin/packages/:id/download', ADMIN],
  ['POST /admin/packages/:id/regenerate', ADMIN],
  ['POST /admin/packages/:id/revoke', ADMIN],
  ['GET /admin/products', ADMIN],
  ['POST /admin/products', ADMIN],
  ['GET /admin/products/:id', ADMIN],
  ['POST /admin/products/:id', ADMIN],
  // Billing staff pages (dashboard, plans, invoices, payments, credits, promotion codes).
  ['GET /admin/billing', READ],
  ['GET /admin/plans', READ],
  ['GET /admin/plans/new', ADMIN],
  ['POST /admin/plans', ADMIN],
  ['GET /admin/plans/:id', READ],
  ['POST /admin/plans/:id', ADMIN],
  ['POST /admin/plans/:id/activate', ADMIN],
  ['POST /admin/plans/:id/deactivate', ADMIN],
  ['GET /admin/invoices', READ],
  ['GET /admin/invoices/new', ADMIN],
  ['POST /admin/invoices', ADMIN],
  ['GET /admin/invoices/verify', READ],
  ['GET /admin/invoices/:id', READ],
  ['GET /admin/invoices/:id/pdf', READ],
  ['POST /admin/invoices/:id/finalise', ADMIN],
  ['POST /admin/invoices/:id/payments', ADMIN],
  ['POST /admin/invoices/:id/credit-note', ADMIN],
  ['GET /admin/payments', READ],
  ['GET /admin/payments/:id', READ],
  ['POST /admin/payments/:id/refund', ADMIN],
  ['GET /admin/webhooks', READ],
  ['GET /admin/webhooks/:id', READ],
  ['POST /admin/webhooks/:id/replay', ADMIN],
  ['GET /admin/credits', READ],
  ['POST /admin/credits', ADMIN],
  ['GET /admin/promotions', READ],
  ['GET /admin/promotions/new', ADMIN],
  ['POST /admin/promotions', ADMIN],
  ['GET /admin/promotions/:id', READ],
  ['POST /admin/promotions/:id', ADMIN],
  ['POST /admin/promotions/:id/activate', ADMIN],
  ['POST /admin/promotions/:id/deactivate', ADMIN],
  ['GET /admin/subscriptions', READ],
  ['GET /admin/subscriptions/:id', READ],
  ...['extend', 'suspend', 'reactivate', 'pause', 'resume', 'cancel'].map((a): [string, Record<Who, Answer>] => [`POST /admin/subscriptions/:id/${a}`, ADMIN]),
  // The shop: orders and customers read by support; the catalogue read by support, saved by admins.
  ['GET /admin/orders', READ],
  ['GET /admin/orders/:id', READ],
  ['POST /admin/orders/:id/refund', ADMIN],
  ['GET /admin/shop/products', READ],
  ['GET /admin/shop/products/:id', READ],
  ['POST /admin/shop/products/:id', ADMIN],
  ['POST /admin/shop/products/:id/offers', ADMIN],
  ['POST /admin/shop/products/:id/thumbnail', ADMIN],
  ['GET /admin/customers', READ],
  ['GET /admin/customers/:id', READ],
  ['POST /admin/customers/:id/suspend', ADMIN],
  ['POST /admin/customers/:id/reactivate', ADMIN],
  ['GET /admin/courses', READ],
  ['GET /admin/courses/new', ADMIN],
  ['POST /admin/courses', ADMIN],
  ['GET /admin/courses/:id', READ],
  ['POST /admin/courses/:id', ADMIN],
  ['POST /admin/courses/:id/lessons', ADMIN],
  ['GET /admin/course-lessons/:id', READ],
  ['POST /admin/course-lessons/:id', ADMIN],
  ['POST /admin/course-lessons/:id/up', ADMIN],
  ['POST /admin/course-lessons/:id/down', ADMIN],
  ['POST /admin/course-lessons/:id/delete', ADMIN],
  // Editable pages: admin only, reading included (the home page, its section 1, its version 1).
  ['GET /admin/pages', ADMIN],
  ['GET /admin/pages/:slug', ADMIN],
  ['POST /admin/pages/:slug/seo', ADMIN],
  ['POST /admin/pages/:slug/sections', ADMIN],
  ['GET /admin/pages/:slug/sections/:n', ADMIN],
  ['POST /admin/pages/:slug/sections/:n', ADMIN],
  ['POST /admin/pages/:slug/sections/:n/up', ADMIN],
  ['POST /admin/pages/:slug/sections/:n/down', ADMIN],
  ['POST /admin/pages/:slug/sections/:n/delete', ADMIN],
  ['GET /admin/pages/:slug/preview', ADMIN],
  ['POST /admin/pages/:slug/publish', ADMIN],
  ['POST /admin/pages/:slug/archive', ADMIN],
  ['GET /admin/pages/:slug/versions', ADMIN],
  ['GET /admin/pages/:slug/diff', ADMIN],
  ['POST /admin/pages/:slug/versions/:n/restore', ADMIN],
  ['POST /admin/pages/:slug/images', ADMIN],
];

type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };

/** Every `METHOD /path` the app serves (walking Express 5's router stack). */
function routesOf(app: TestContext['handle']['app']): string[] {
  const out: string[] = [];
  const walk = (stack: Layer[]): void => {
    for (const l of stack) {
      if (l.route) for (const m of Object.keys(l.route.methods)) out.push(`${m.toUpperCase()} ${l.route.path}`);
      else if (l.handle?.stack) walk(l.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out;
}

describe('admin authorization table', function () {
  this.timeout(120000);
  let ctx: TestContext;
  const agents = {} as Record<Who, Agent>;
  const csrf = {} as Record<Who, string>;
  const ids: Record<string, string> = {};

  before(async () => {
    ctx = await createTestContext();
    const partnerId = await createAccount(ctx, 'authz-partner@example.fr');
    // The account the actions aim at: another partner, so no action ends a session used here.
    ids.partners = String(await createAccount(ctx, 'authz-target@example.fr'));
    await credit(ctx, partnerId, 50);
    for (const role of ['support', 'admin', 'superadmin'] as const) await createAccount(ctx, `authz-${role}@example.fr`, role);
    agents.partner = await loginAgent(ctx, 'authz-partner@example.fr');
    for (const role of ['support', 'admin', 'superadmin'] as const) agents[role] = await loginAgent(ctx, `authz-${role}@example.fr`);
    agents.anonymous = request.agent(ctx.app);
    csrf.anonymous = await csrfOf(agents.anonymous, '/contact');
    csrf.partner = await csrfOf(agents.partner, '/subscription/account');
    for (const role of ['support', 'admin', 'superadmin'] as const) csrf[role] = await csrfOf(agents[role], '/subscription/account');

    ids.recharges = await recharge(agents.partner, newInstallation(), 5);
    ids.installations = String((await ctx.db('installations').first('id')).id);
    ids.releases = String((await ctx.db('releases').first('id')).id);
    await ctx.db('download_blocks').insert({ ip: '203.0.113.9', reason: 'authz fixture', created_at: ctx.clock.now().toISOString() });
    ids.downloads = String((await ctx.db('download_blocks').first('id')).id);
    await ctx.db('contact_messages').insert({
      name: 'Alice', email: 'alice@example.fr', message: 'Bonjour', locale: 'fr', ip: '127.0.0.1',
      created_at: ctx.clock.now().toISOString(),
    });
    ids.messages = String((await ctx.db('contact_messages').first('id')).id);
    // A ticket of the partner with one attachment.
    await ctx.handle.support.open({ id: partnerId, email: 'authz-partner@example.fr' }, { subject: 'Authz', message: 'Bonjour', licenseId: null },
      [{ name: 'a.pdf', mime: 'application/pdf', bytes: Buffer.from('%PDF-1.7\n') }]);
    ids.tickets = String((await ctx.db('support_tickets').first('id')).id);
    ids['tickets:attachmentId'] = String((await ctx.db('support_attachments').first('id')).id);
    ids.audit = String((await ctx.db('audit_log').first('id')).id);
    // Issue 6 (license server): a license, a batch of codes, an API token, a product.
    const at = ctx.clock.now().toISOString();
    const productId = Number((await ctx.db('products').where({ code: 'easyfacture' }).first('id')).id);
    await ctx.db('licenses').insert({
      public_id: '00000000-0000-4000-8000-000000000001', product_id: productId, machine_id: 'ab'.repeat(16), email: 'authz@example.fr',
      license_type: 'monthly', state: 'active', issued_at: at, expires_at: '2026-12-22T10:00:00.000Z', created_at: at, updated_at: at,
    });
    ids.licenses = String((await ctx.db('licenses').first('id')).id);
    await ctx.db('activation_batches').insert({ product_id: productId, license_type: 'monthly', duration_days: 30, size: 0, note: 'authz', created_at: at });
    ids['activation-codes'] = String((await ctx.db('activation_batches').first('id')).id);
    const tokenOwner = await ctx.handle.accounts.byEmail('authz-admin@example.fr');
    await ctx.handle.accounts.createApiToken(tokenOwner!, 'authz fixture', { id: null, email: null, ip: null, userAgent: 'cli' });
    ids['api-tokens'] = String((await ctx.db('api_tokens').first('id')).id);
    ids.products = String(productId);
    // A client package (its zip downloadable).
    ids.packages = String((await ctx.handle.packages.create({ client: 'authz', plan: 'pro', email: 'authz@example.fr', product: 'artisan_nd' },
      SYSTEM_ACTOR)).pkg.id);
    // Billing: the legacy plan, and an issued invoice (its PDF is what GET /admin/invoices/:id/pdf serves).
    const billing = createBilling({ db: ctx.db, clock: ctx.clock, audit: ctx.handle.audit, billing: ctx.config.billing });
    ids.plans = String(await billing.plans.create({ ...AUTHZ_PLAN }, SYSTEM_ACTOR));
    const draft = await billing.invoices.createDraft(partnerId, [{ description: 'Formation', quantity: 1, unitPrice: 10000 }]);
    ids.invoices = String((await billing.invoices.finalise(draft, SYSTEM_ACTOR)).id);
    ids.payments = String((await billing.payments.recordManual(Number(ids.invoices), { amount: 1000, method: 'bank_transfer', reference: 'VIR-AUTHZ',
      date: '2026-11-22', idempotencyKey: 'authz-fixture-payment' }, SYSTEM_ACTOR)).payment.id);
    await ctx.db('inbound_events').insert({ gateway: 'stripe', event_id: 'evt_authz_fixture', type: 'customer.created', payload: '{}', status: 'ignored',
      attempts: 1, reason: 'unhandled_type', received_at: at });
    ids.webhooks = String((await ctx.db('inbound_events').first('id')).id);
    ids.promotions = String(await billing.promotions.create({
      code: 'AUTHZ', name: 'Authz', kind: 'percentage', value: 1000, currency: null, maxUses: null, maxUsesPerCustomer: 1, appliesTo: 'first',
      startsOn: null, endsOn: null, isActive: true, autoApply: false, newCustomersOnly: false, minAmount: 0, planIds: [],
    }, SYSTEM_ACTOR));
    ids.subscriptions = String((await ctx.handle.subscriptions.history(Number(ids.partners)))[0]!.id);
    // The shop: EasyFacture listed, a customer and their pending order.
    const shop = await listEasyFacture(ctx);
    ids.shop = String(shop.product);
    ids.customers = String(await createAccount(ctx, 'authz-customer@example.fr', 'customer'));
    ids.orders = String((await ctx.handle.shop.orders.place(Number(ids.customers), shop.annual, 1, 'authz-order-key-1', 'fr', SYSTEM_ACTOR)).order.id);
    // Courses: a free course with one PDF lesson.
    ids.courses = String(await ctx.handle.courses.create({ slug: 'authz', titleFr: 'Authz', titleEn: 'Authz', descriptionFr: '', descriptionEn: '',
      access: 'free', productId: null, price: null, currency: null, published: true, displayOrder: 1 }, SYSTEM_ACTOR));
    const pdf = path.join(ctx.dir, 'authz.pdf');
    fs.writeFileSync(pdf, '%PDF-1.4\n%%EOF\n');
    ids['course-lessons'] = String(await ctx.handle.courses.addLesson(Number(ids.courses), pdf, { titleFr: 'Leçon', titleEn: 'Lesson', durationSeconds: null },
      SYSTEM_ACTOR));
  });
  after(async () => ctx?.close());

  const concrete = (route: string): string => {
    const area = route.split('/')[2] ?? '';
    return route.replace(':id', ids[area] ?? '0').replace(':attachmentId', ids[`${area}:attachmentId`] ?? '0').replace(':slug', 'home').replace(':n', '1');
  };

  for (const [route, expected] of TABLE) {
    it(`${route}`, async () => {
      const [method, path] = route.split(' ') as [string, string];
      const url = concrete(path);
      for (const who of Object.keys(expected) as Who[]) {
        const agent = agents[who];
        const res = method === 'GET' ? await agent.get(url) : await agent.post(url).type('form').send({ _csrf: csrf[who] });
        const what = `${who} ${method} ${url} → ${res.status} ${String(res.headers.location ?? '')}`;
        const toLogin = res.status === 303 && String(res.headers.location).startsWith('/subscription/login');
        if (expected[who] === 'login') expect(toLogin, what).to.equal(true);
        else if (expected[who] === 403) expect(res.status, what).to.equal(403);
        else if (method === 'GET') expect(res.status, what).to.equal(200);
        else {
          expect(res.status, what).to.be.below(500);
          expect([401, 403], what).not.to.include(res.status);
          expect(toLogin, what).to.equal(false);
        }
      }
    });
  }

  it('covers every /admin route the app serves', () => {
    const served = routesOf(ctx.handle.app).filter((r) => r.split(' ')[1]!.startsWith('/admin'));
    expect(served.filter((r) => !TABLE.some(([t]) => t === r)), 'routes missing from the table').to.deep.equal([]);
    expect(TABLE.filter(([t]) => !served.includes(t)).map(([t]) => t), 'table rows for routes that do not exist').to.deep.equal([]);
  });
});
