/**
 * The route table of test/http/hostile-input.test.ts: who may use each route
 * and where its fields come from. A GET page's query fields are read from
 * its own GET forms (plus QUERY below); a POST route's fields from the form
 * posting to it on `page`; `fields` adds what no form shows (pager links,
 * tokens in mailed links, hidden steps). `:id` and the other parameters are
 * replaced by the fixtures of fixtureIds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AccountsRepository } from '../../src/accounts/index.js';
import { SYSTEM_ACTOR } from '../../src/audit/index.js';
import { createBilling } from '../../src/billing/index.js';
import { mediaKey, signMedia } from '../../src/courses/index.js';
import { insertedId } from '../../src/platform/db.js';
import type { TestContext } from './context.js';
import { productId } from './licenses.js';
import { listEasyFacture } from './shop.js';

/** `visitor`: an anonymous session of its own, for the route that ends it (logout). */
export type Who = 'anonymous' | 'visitor' | 'partner' | 'customer' | 'superadmin';

export interface RouteSpec {
  who: Who;
  /** POST: the page holding the form that posts to the route. */
  page?: string;
  /** Fields no form of the page shows. */
  fields?: string[];
  /** Sent as they are with every request (a confirmed action: `confirm=yes`). */
  fixed?: Record<string, string>;
  multipart?: boolean;
  /** A JSON API route: the fields are members of a JSON body. */
  json?: boolean;
  /** A GET route that is not an HTML page with forms (JSON, files). */
  noPage?: boolean;
  /** fast-check runs (default RUNS): fewer for routes that hash a password. */
  runs?: number;
}

/** Query parameters every list page reads (admin/shared.ts parseListQuery, http/csv.ts, i18n), whether or not a form shows them. */
const QUERY = ['lang', 'q', 'page', 'sort', 'dir', 'from', 'to', 'format', 'sep'];
const YES = { confirm: 'yes' };

const get = (who: Who, fields: string[] = [], extra: Partial<RouteSpec> = {}): RouteSpec => ({ who, fields: [...QUERY, ...fields], ...extra });
const post = (who: Who, page: string | undefined, extra: Partial<RouteSpec> = {}): RouteSpec => ({ who, page, ...extra });
const api = (fields: string[]): RouteSpec => ({ who: 'anonymous', json: true, fields });
const S = 'superadmin';

export function routeTable(): Record<string, RouteSpec> {
  return {
    // The JSON API and the public keys.
    'POST /api/v1/licenses/trial': api(['machine_id', 'email', 'product', 'version']),
    'POST /api/v1/licenses/activate': api(['machine_id', 'activation_code', 'email']),
    'POST /api/v1/licenses/validate': api(['machine_id', 'license_key']),
    'POST /api/v1/licenses/heartbeat': api(['machine_id', 'license_key', 'app_version', 'os_info']),
    'DELETE /api/v1/admin/licenses/:machine_id': { who: 'anonymous', fields: ['lang'] },
    'POST /api/license/validate': api(['key', 'device_id']),
    'POST /api/license/heartbeat': api(['key', 'device_id', 'app_version', 'os_info']),
    'GET /.well-known/artisan-nd/keys.json': get('anonymous', [], { noPage: true }),
    // Health, readiness and metrics (src/ops): JSON or text before the language and session, no query parameter read.
    'GET /healthz': { who: 'anonymous', noPage: true, fields: [] },
    'GET /readyz': { who: 'anonymous', noPage: true, fields: [] },
    'GET /metrics': { who: 'anonymous', noPage: true, fields: [] },
    'POST /api/v1/installations/:code/challenge': api([]),
    'GET /api/v1/installations/:code/keyfiles': get('anonymous', ['after_serial'], { noPage: true }),
    'GET /api/v1/openapi.json': get('anonymous', [], { noPage: true }),
    'GET /api/docs': get('anonymous'),
    // Public pages.
    'GET /': get('anonymous'),
    'GET /features': get('anonymous'),
    'GET /subscription': get('anonymous'),
    'GET /contact': get('anonymous'),
    'POST /contact': post('anonymous', '/contact'),
    'GET /download': get('anonymous'),
    'GET /legal': get('anonymous'),
    'GET /terms': get('anonymous'),
    'GET /privacy': get('anonymous'),
    'GET /download/latest': get('anonymous', [], { noPage: true }),
    'GET /download/files/:filename': get('anonymous', [], { noPage: true }),
    // Accounts.
    'GET /subscription/register': get('anonymous'),
    'POST /subscription/register': post('anonymous', '/subscription/register', { runs: 3 }),
    'GET /subscription/register/sent': get('anonymous'),
    'GET /subscription/verify': get('anonymous', ['token']),
    'POST /subscription/verify/resend': post('anonymous', '/subscription/verify'),
    'GET /subscription/login': get('anonymous', ['next']),
    'POST /subscription/login': post('anonymous', '/subscription/login', { fields: ['next'], runs: 3 }),
    'GET /subscription/login/totp': get('anonymous'),
    'POST /subscription/login/totp': post('anonymous', undefined, { fields: ['code'] }),
    'POST /subscription/logout': post('visitor', undefined),
    'GET /subscription/forgot': get('anonymous'),
    'POST /subscription/forgot': post('anonymous', '/subscription/forgot'),
    'GET /subscription/forgot/sent': get('anonymous'),
    'GET /subscription/reset': get('anonymous', ['token']),
    'POST /subscription/reset': post('anonymous', undefined, { fields: ['token', 'password', 'password_confirm'], runs: 3 }),
    'GET /subscription/account': get('partner'),
    'POST /subscription/account/profile': post('partner', '/subscription/account'),
    'POST /subscription/account/password': post('partner', '/subscription/account', { runs: 3 }),
    'POST /subscription/account/sessions/end-others': post('partner', undefined),
    // Two-step login: enrolment (the page's form), turning it off (a form shown once it is on).
    'GET /subscription/account/totp': get('partner'),
    'POST /subscription/account/totp': post('partner', '/subscription/account/totp'),
    'POST /subscription/account/totp/disable': post('partner', undefined, { fields: ['password', 'code'], runs: 3 }),
    // Partner area.
    'GET /subscription/dashboard': get('partner'),
    'GET /subscription/recharge': get('partner', ['edit']),
    'GET /subscription/recharge/confirm/:id': get('partner'),
    'POST /subscription/recharge': post('partner', '/subscription/recharge', { multipart: true }),
    'POST /subscription/recharge/confirm': post(
      'partner', undefined, { fields: ['installation_code', 'customer', 'units', 'expires_in_days', 'confirm_id', 'again'] },
    ),
    'GET /subscription/recharges': get('partner'),
    'GET /subscription/recharges/:id': get('partner'),
    'GET /subscription/recharges/:id/key.bin': get('partner', [], { noPage: true }),
    'GET /subscription/installations': get('partner'),
    // Billing, partner side (subscriptions): plans, checkout, billing page, cancel / undo, invoice PDF.
    'GET /subscription/plans': get('partner'),
    'GET /subscription/checkout/:planId': get('partner'),
    'POST /subscription/checkout': post('partner', undefined, { fields: ['plan_id', 'code'] }),
    'GET /subscription/billing': get('partner'),
    'POST /subscription/billing/cancel': post('partner', undefined),
    'POST /subscription/billing/undo-cancel': post('partner', undefined),
    'GET /subscription/invoices/:id/pdf': get('partner', [], { noPage: true }),
    // Online payments (src/payments): pay an invoice by card or PayPal, PayPal's return, replace the card (a gateway's page follows); the gateways'
    // webhooks (raw JSON, signed).
    'POST /subscription/invoices/:id/pay/stripe': post('partner', undefined),
    'POST /subscription/billing/card/stripe': post('partner', undefined),
    'POST /webhooks/stripe': { who: 'anonymous', json: true, fields: ['id', 'object', 'type', 'data', 'created'] },
    'POST /subscription/invoices/:id/pay/paypal': post('partner', undefined),
    'GET /subscription/invoices/:id/return/paypal': get('partner', ['token', 'PayerID'], { noPage: true }),
    'POST /webhooks/paypal': { who: 'anonymous', json: true, fields: ['id', 'event_type', 'resource', 'resource_type', 'summary'] },
    // The customer shop (src/shop): catalogue and its JSON, registration, the customer's area, checkout, orders, payments, refunds.
    'GET /products': get('anonymous'),
    'GET /products/:sku': get('anonymous'),
    'GET /products/:sku/thumbnail': get('anonymous', [], { noPage: true }),
    'GET /api/products': { who: 'anonymous', noPage: true },
    'GET /api/products/:id': { who: 'anonymous', noPage: true },
    'GET /register': get('anonymous'),
    'POST /register': post('anonymous', '/register', { runs: 1 }),
    'GET /login': get('anonymous', ['next']),
    'GET /products/:sku/checkout': get('customer', ['offer', 'quantity']),
    'POST /products/:sku/checkout': post('customer', '/products/:sku/checkout'),
    'GET /account': get('customer'),
    'GET /orders': get('customer'),
    'GET /orders/:id': get('customer'),
    'GET /orders/:id/invoice.pdf': get('customer', [], { noPage: true }),
    'POST /orders/:id/pay/stripe': post('customer', undefined),
    'POST /orders/:id/pay/paypal': post('customer', undefined),
    'GET /orders/:id/return/paypal': get('customer', ['token', 'PayerID'], { noPage: true }),
    'POST /orders/:id/refund': post('customer', undefined, { fields: ['reason'] }),
    'GET /orders/:id/renew': get('customer', [], { noPage: true }),
    'POST /orders/:id/renew': post('customer', undefined, { fields: ['key'] }),
    'GET /licenses': get('customer'),
    'GET /licenses/:id': get('customer', [], { noPage: true }),
    'POST /licenses/release': post('customer', undefined, { fields: ['order', 'machine_id', 'from'] }),
    'POST /downloads/generate': post('customer', undefined, { fields: ['order', 'lock_ip'] }),
    // Customer API tokens (src/shop/tokens.controller.ts) and the customer API (bearer token; the hostile agents send none: 401).
    'GET /account/tokens': get('customer'),
    'POST /account/tokens': post('customer', '/account/tokens'),
    'POST /account/tokens/:id/revoke': post('customer', '/account/tokens', { fields: ['confirm'] }),
    'GET /api/users/me/licenses': get('anonymous', [], { noPage: true }),
    'GET /api/users/me/orders': get('anonymous', [], { noPage: true }),
    // A client package's API key (src/packages; the hostile agents send none: 401).
    'GET /api/v1/client/me': get('anonymous', [], { noPage: true }),
    'POST /api/licenses/:id/renew': { who: 'anonymous', json: true, fields: ['code'] },
    'GET /downloads/signed/:token': get('anonymous', [], { noPage: true }),
    'GET /courses/:slug/buy': get('customer', [], { noPage: true }),
    'POST /courses/:slug/buy': post('customer', undefined, { fields: ['key'] }),
    'GET /course-orders/:id': get('customer', [], { noPage: true }),
    'GET /course-orders/:id/invoice.pdf': get('customer', [], { noPage: true }),
    'POST /course-orders/:id/pay/stripe': post('customer', undefined),
    'POST /course-orders/:id/pay/paypal': post('customer', undefined),
    'GET /course-orders/:id/return/paypal': get('customer', ['token', 'PayerID'], { noPage: true }),
    'GET /subscription/packs': get('partner'),
    'GET /subscription/packs/:planId': get('partner'),
    'POST /subscription/packs': post('partner', '/subscription/packs/:planId'),
    // Support tickets, customer and partner side (the fixture: a ticket of the partner with an attachment).
    'GET /support/tickets': get('partner'),
    'GET /support/tickets/new': get('partner', ['license']),
    'POST /support/tickets': post('partner', '/support/tickets/new', { multipart: true }),
    'GET /support/tickets/:id': get('partner'),
    'POST /support/tickets/:id/reply': post('partner', '/support/tickets/:id', { multipart: true }),
    'POST /support/tickets/:id/close': post('partner', '/support/tickets/:id', { fields: ['confirm'] }),
    'GET /support/tickets/:id/attachments/:attachmentId': get('partner', [], { noPage: true }),
    // In-app notifications of the logged-in account (the partner's: a copy of the mails it was sent).
    'GET /notifications': get('partner'),
    'POST /notifications/read-all': post('partner', '/notifications'),
    'POST /notifications/:id/read': post('partner', '/notifications'),
    'POST /notifications/:id/open': post('partner', '/notifications'),
    // Admin area (superadmin: every action, the role change included).
    'GET /admin': get(S),
    'GET /admin/partners': get(S, ['state']),
    'GET /admin/partners/:id': get(S),
    // Forms shown in other states of the partner (pending, suspended, unverified): fields declared.
    'POST /admin/partners/:id/activate': post(S, undefined, { fields: ['reason'], fixed: YES }),
    'POST /admin/partners/:id/suspend': post(S, '/admin/partners/:id', { fixed: YES }),
    'POST /admin/partners/:id/reactivate': post(S, undefined, { fields: ['reason'], fixed: YES }),
    'POST /admin/partners/:id/balance': post(S, '/admin/partners/:id', { fixed: YES }),
    'POST /admin/partners/:id/resend-verification': post(S, undefined, { fields: ['reason'], fixed: YES }),
    'POST /admin/partners/:id/send-reset': post(S, '/admin/partners/:id', { fixed: YES }),
    'POST /admin/partners/:id/role': post(S, '/admin/partners/:id', { fixed: YES }),
    'POST /admin/partners/:id/close': post(S, '/admin/partners/:id', { fixed: YES }),
    'GET /admin/installations': get(S, ['owner']),
    'GET /admin/installations/:id': get(S),
    'POST /admin/installations/:id/transfer': post(S, '/admin/installations/:id', { fixed: YES }),
    'GET /admin/recharges': get(S, ['partner', 'state', 'delivered']),
    'GET /admin/recharges/:id': get(S),
    'POST /admin/recharges/:id/revoke': post(S, '/admin/recharges/:id', { fields: ['reason'], fixed: YES }),
    'GET /admin/releases': get(S, ['state']),
    'POST /admin/releases': post(S, '/admin/releases', { multipart: true }),
    'GET /admin/releases/:id': get(S),
    'POST /admin/releases/:id/changelog': post(S, '/admin/releases/:id'),
    'POST /admin/releases/:id/publish': post(S, undefined, { fields: ['keep_latest'], fixed: YES }),
    'POST /admin/releases/:id/unpublish': post(S, '/admin/releases/:id'),
    'POST /admin/releases/:id/latest': post(S, undefined, { fields: ['confirm'] }),
    'POST /admin/releases/:id/delete': post(S, undefined, { fields: ['confirm'] }),
    'GET /admin/downloads': get(S, ['ip', 'status', 'release']),
    'GET /admin/downloads/blocks': get(S),
    'POST /admin/downloads/blocks': post(S, '/admin/downloads/blocks'),
    'POST /admin/downloads/blocks/:id/delete': post(S, '/admin/downloads/blocks', { fixed: YES }),
    'GET /admin/keys': get(S),
    // Always `off`: the switch turned on would close the pages the other routes here are tried on.
    'GET /admin/maintenance': get(S),
    'POST /admin/maintenance': post(S, '/admin/maintenance', { fixed: { action: 'off' }, fields: ['message'] }),
    'POST /admin/keys/rotate': post(S, '/admin/keys', { runs: 2 }),
    'GET /admin/messages': get(S, ['state']),
    'GET /admin/messages/:id': get(S),
    'POST /admin/messages/:id/handled': post(S, '/admin/messages/:id'),
    'POST /admin/messages/:id/unhandled': post(S, undefined, { fields: ['confirm'] }),
    'GET /admin/audit': get(S, ['actor', 'action', 'target_type', 'target_id', 'ip']),
    'GET /admin/audit/:id': get(S),
    'GET /admin/licenses': get(S, ['product', 'state', 'type']),
    'GET /admin/licenses/stats': get(S),
    'GET /admin/licenses/:id': get(S),
    'POST /admin/licenses/:id/revoke': post(S, '/admin/licenses/:id', { fixed: YES }),
    'POST /admin/licenses/:id/suspend': post(S, '/admin/licenses/:id', { fixed: YES }),
    'POST /admin/licenses/:id/reinstate': post(S, undefined, { fields: ['reason'], fixed: YES }),
    'POST /admin/licenses/:id/extend': post(S, '/admin/licenses/:id', { fixed: YES }),
    'GET /admin/activation-codes': get(S),
    'POST /admin/activation-codes': post(S, '/admin/activation-codes'),
    'GET /admin/activation-codes/:id': get(S, ['used']),
    'GET /admin/api-tokens': get(S),
    'POST /admin/api-tokens': post(S, '/admin/api-tokens'),
    'POST /admin/api-tokens/:id/revoke': post(S, '/admin/api-tokens', { fixed: YES }),
    // Client packages (src/admin/packages): the fixture package is live, its zip downloadable.
    'GET /admin/packages': get(S),
    'GET /admin/packages/new': get(S, ['client', 'plan', 'email', 'product']),
    'POST /admin/packages': post(S, '/admin/packages/new'),
    'GET /admin/packages/:id': get(S),
    'GET /admin/packages/:id/download': get(S, [], { noPage: true }),
    'POST /admin/packages/:id/regenerate': post(S, '/admin/packages/:id', { fixed: YES }),
    'POST /admin/packages/:id/revoke': post(S, '/admin/packages/:id', { fixed: YES }),
    'GET /admin/products': get(S),
    'POST /admin/products': post(S, '/admin/products'),
    'GET /admin/products/:id': get(S),
    'POST /admin/products/:id': post(S, '/admin/products/:id'),
    // Billing staff pages (dashboard, plans, invoices, payments, credits); the fixture invoice is issued and open.
    'GET /admin/billing': get(S, ['table']),
    'GET /admin/plans': get(S),
    'GET /admin/plans/new': get(S),
    'POST /admin/plans': post(S, '/admin/plans/new'),
    'GET /admin/plans/:id': get(S),
    'POST /admin/plans/:id': post(S, '/admin/plans/:id'),
    'POST /admin/plans/:id/activate': post(S, undefined),
    'POST /admin/plans/:id/deactivate': post(S, '/admin/plans', { fixed: YES }),
    'GET /admin/invoices': get(S, ['status', 'kind']),
    'GET /admin/invoices/new': get(S),
    'POST /admin/invoices': post(S, '/admin/invoices/new'),
    'GET /admin/invoices/verify': get(S),
    'GET /admin/invoices/:id': get(S),
    'GET /admin/invoices/:id/pdf': get(S, [], { noPage: true }),
    'POST /admin/invoices/:id/finalise': post(S, undefined, { fixed: YES }),
    'POST /admin/invoices/:id/payments': post(S, '/admin/invoices/:id'),
    'POST /admin/invoices/:id/credit-note': post(S, '/admin/invoices/:id', { fixed: YES }),
    'GET /admin/payments': get(S, ['method']),
    'GET /admin/payments/:id': get(S),
    // The fixture payment is a manual one: the refund is refused as a field error, whatever the fields.
    'POST /admin/payments/:id/refund': post(S, undefined, { fixed: YES, fields: ['amount', 'reason', 'idempotency_key'] }),
    'GET /admin/webhooks': get(S, ['gateway', 'status']),
    'GET /admin/webhooks/:id': get(S),
    'POST /admin/webhooks/:id/replay': post(S, '/admin/webhooks/:id', { fixed: YES }),
    'GET /admin/credits': get(S, ['kind']),
    'POST /admin/credits': post(S, '/admin/credits', { fixed: YES }),
    // Promotion codes: the fixture code limited to the fixture plan (its checkbox is on the form).
    'GET /admin/promotions': get(S),
    'GET /admin/promotions/new': get(S),
    'POST /admin/promotions': post(S, '/admin/promotions/new'),
    'GET /admin/promotions/:id': get(S),
    'POST /admin/promotions/:id': post(S, '/admin/promotions/:id'),
    'POST /admin/promotions/:id/activate': post(S, undefined),
    'POST /admin/promotions/:id/deactivate': post(S, '/admin/promotions', { fixed: YES }),
    // Subscriptions (the fixture: an active legacy subscription; forms of other states declared).
    'GET /admin/subscriptions': get(S, ['state']),
    'GET /admin/subscriptions/:id': get(S),
    'POST /admin/subscriptions/:id/extend': post(S, undefined, { fields: ['invoice_id', 'due_date', 'reason'] }),
    'POST /admin/subscriptions/:id/suspend': post(S, undefined, { fields: ['reason'], fixed: YES }),
    'POST /admin/subscriptions/:id/reactivate': post(S, undefined, { fields: ['reason'] }),
    'POST /admin/subscriptions/:id/pause': post(S, '/admin/subscriptions/:id', { fixed: YES }),
    'POST /admin/subscriptions/:id/resume': post(S, undefined, { fields: ['reason'] }),
    'POST /admin/subscriptions/:id/cancel': post(S, '/admin/subscriptions/:id', { fixed: YES }),
    // The shop's admin pages (the fixture order is pending: its refund is refused with a notice; the refund form is declared).
    'GET /admin/orders': get(S, ['status']),
    'GET /admin/orders/:id': get(S),
    'POST /admin/orders/:id/refund': post(S, undefined, { fields: ['reason'], fixed: YES }),
    'GET /admin/shop/products': get(S),
    'GET /admin/shop/products/:id': get(S, ['offer']),
    'POST /admin/shop/products/:id': post(S, '/admin/shop/products/:id'),
    'POST /admin/shop/products/:id/offers': post(S, '/admin/shop/products/:id'),
    'POST /admin/shop/products/:id/thumbnail': post(S, '/admin/shop/products/:id', { multipart: true }),
    'GET /admin/customers': get(S),
    'GET /admin/customers/:id': get(S),
    'POST /admin/customers/:id/suspend': post(S, '/admin/customers/:id', { fixed: YES }),
    'POST /admin/customers/:id/reactivate': post(S, undefined),
    // The support queue (the same ticket as the partner's pages).
    'GET /admin/tickets': get(S, ['status', 'assigned']),
    'GET /admin/tickets/:id': get(S),
    'POST /admin/tickets/:id/reply': post(S, '/admin/tickets/:id'),
    'POST /admin/tickets/:id/assign': post(S, '/admin/tickets/:id'),
    'POST /admin/tickets/:id/close': post(S, '/admin/tickets/:id', { fields: ['confirm'] }),
    'GET /admin/tickets/:id/attachments/:attachmentId': get(S, [], { noPage: true }),
    // Courses: the fixture is a free course (slug `hostile`) with one PDF lesson; the media token is the partner's, valid while the clock stands.
    'GET /courses': get('anonymous'),
    'GET /courses/:slug': get('anonymous'),
    'GET /courses/:slug/lessons/:id': get('partner'),
    'POST /courses/:slug/lessons/:id/complete': post('partner', '/courses/:slug/lessons/:id'),
    'GET /courses/media/:token': get('partner', [], { noPage: true }),
    'GET /admin/courses': get(S),
    'GET /admin/courses/new': get(S),
    'POST /admin/courses': post(S, '/admin/courses/new'),
    'GET /admin/courses/:id': get(S),
    'POST /admin/courses/:id': post(S, '/admin/courses/:id'),
    'POST /admin/courses/:id/lessons': post(S, '/admin/courses/:id', { multipart: true }),
    'GET /admin/course-lessons/:id': get(S),
    'POST /admin/course-lessons/:id': post(S, '/admin/course-lessons/:id'),
    // One lesson: no up/down buttons are shown; the delete stays at its confirmation page (confirm is fuzzed, never `yes`).
    'POST /admin/course-lessons/:id/up': post(S, undefined),
    'POST /admin/course-lessons/:id/down': post(S, undefined),
    'POST /admin/course-lessons/:id/delete': post(S, '/admin/courses/:id', { fields: ['confirm'] }),
    // Editable pages (the home page; section 1; before any save there is no version: restore and archive have no form yet).
    'GET /admin/pages': get(S),
    'GET /admin/pages/:slug': get(S),
    'POST /admin/pages/:slug/seo': post(S, '/admin/pages/:slug'),
    'POST /admin/pages/:slug/sections': post(S, '/admin/pages/:slug'),
    'GET /admin/pages/:slug/sections/:n': get(S),
    // The section the form stands for kept as shown (home's section 1), so the hostile values reach its fields.
    'POST /admin/pages/:slug/sections/:n': post(S, '/admin/pages/:slug/sections/:n', { fields: ['op'], fixed: { _anchor: 'hero', _type: 'hero' } }),
    'POST /admin/pages/:slug/sections/:n/up': post(S, undefined),
    'POST /admin/pages/:slug/sections/:n/down': post(S, '/admin/pages/:slug'),
    'POST /admin/pages/:slug/sections/:n/delete': post(S, '/admin/pages/:slug', { fields: ['confirm'] }),
    'GET /admin/pages/:slug/preview': get(S),
    'POST /admin/pages/:slug/publish': post(S, '/admin/pages/:slug'),
    'POST /admin/pages/:slug/archive': post(S, undefined, { fields: ['confirm'] }),
    'GET /admin/pages/:slug/versions': get(S),
    'GET /admin/pages/:slug/diff': get(S, ['a', 'b']),
    'POST /admin/pages/:slug/versions/:n/restore': post(S, undefined, { fields: ['confirm'] }),
    'POST /admin/pages/:slug/images': post(S, '/admin/pages/:slug', { multipart: true }),
  };
}

/**
 * The billing pages' rows: a plan, an issued, open invoice of partner `accountId` and a part of it paid by transfer, a promotion code, a unit
 * pack, its active (legacy) subscription, a failed gateway notification.
 */
async function billingFixtures(ctx: TestContext, accountId: number): Promise<Record<string, string>> {
  const billing = createBilling({ db: ctx.db, clock: ctx.clock, audit: ctx.handle.audit, billing: ctx.config.billing });
  const plan = await billing.plans.create({
    slug: 'hostile', nameFr: 'Hostile', nameEn: 'Hostile', descriptionFr: '', descriptionEn: '', type: 'monthly', price: 1000, currency: 'EUR',
    billingCycle: 'month', trialDays: 0, setupFee: 0, features: [{ name_fr: 'Unités', name_en: 'Units', value: '10' }],
    limits: { units_per_period: 10, max_installations: null }, isActive: true, isPublic: false, displayOrder: 1, highlighted: false,
  }, SYSTEM_ACTOR);
  const draft = await billing.invoices.createDraft(accountId, [{ description: 'Formation', quantity: 1, unitPrice: 10000 }]);
  const invoice = await billing.invoices.finalise(draft, SYSTEM_ACTOR);
  const { payment } = await billing.payments.recordManual(invoice.id, { amount: 1000, method: 'bank_transfer', reference: 'VIR-HOSTILE', date: '2026-11-22',
    idempotencyKey: 'hostile-fixture-payment' }, SYSTEM_ACTOR);
  const event = insertedId(await ctx.db('inbound_events').insert({ gateway: 'stripe', event_id: 'evt_hostile_fixture', type: 'charge.refunded',
    payload: '{"id":"evt_hostile_fixture"}', status: 'failed', attempts: 1, last_error: 'NotFoundError: no payment', received_at: ctx.clock.now().toISOString(),
  }).returning('id'));
  const promotion = await billing.promotions.create({
    code: 'HOSTILE', name: 'Hostile', kind: 'percentage', value: 1000, currency: null, maxUses: 5, maxUsesPerCustomer: 1, appliesTo: 'both',
    startsOn: null, endsOn: null, isActive: true, autoApply: false, newCustomersOnly: false, minAmount: 0, planIds: [plan],
  }, SYSTEM_ACTOR);
  const pack = await billing.plans.create({
    slug: 'hostile-pack', nameFr: 'Pack', nameEn: 'Pack', descriptionFr: '', descriptionEn: '', type: 'custom', price: 1000, currency: 'EUR',
    billingCycle: 'one-time', trialDays: 0, setupFee: 0, features: [], limits: { units_per_period: 100, max_installations: null }, isActive: true,
    isPublic: true, displayOrder: 2, highlighted: false,
  }, SYSTEM_ACTOR);
  await ctx.handle.subscriptions.startLegacy(accountId, SYSTEM_ACTOR);
  const subscription = (await ctx.handle.subscriptions.history(accountId))[0]!;
  return {
    'plans:id': String(plan), 'invoices:id': String(invoice.id), 'promotions:id': String(promotion), 'packs:planId': String(pack),
    'subscriptions:id': String(subscription.id), 'payments:id': String(payment.id), 'webhooks:id': String(event),
  };
}

/** The courses' rows: a free published course `hostile` with one PDF lesson, and a media token of the lesson for `partnerId`. */
async function courseFixtures(ctx: TestContext, partnerId: number): Promise<Record<string, string>> {
  const course = await ctx.handle.courses.create({ slug: 'hostile', titleFr: 'Hostile', titleEn: 'Hostile', descriptionFr: '', descriptionEn: '',
    access: 'free', productId: null, price: null, currency: null, published: true, displayOrder: 1 }, SYSTEM_ACTOR);
  const pdf = path.join(ctx.dir, 'hostile.pdf');
  fs.writeFileSync(pdf, '%PDF-1.4\n%%EOF\n');
  const lesson = await ctx.handle.courses.addLesson(course, pdf, { titleFr: 'Leçon', titleEn: 'Lesson', durationSeconds: null }, SYSTEM_ACTOR);
  const token = signMedia(mediaKey(ctx.config.sessionSecret!), lesson, partnerId, ctx.clock.now(), 60);
  return { 'courses:id': String(course), 'course-lessons:id': String(lesson), slug: 'hostile', ':slug:id': String(lesson), 'media:token': token,
    'pages:slug': 'home', 'pages:n': '1' };
}

/**
 * The rows the routes' parameters name: keys are `<area>:<param>` (the
 * second path segment, as /admin/<area>/:id, else the first, as
 * /notifications/:id) or the parameter alone.
 */
export async function fixtureIds(ctx: TestContext, rechargeId: string, installationCode: string): Promise<Record<string, string>> {
  const db = ctx.db;
  const at = ctx.clock.now().toISOString();
  const first = async (table: string, where: Record<string, unknown> = {}): Promise<string> =>
    String((await db(table).where(where).orderBy('id').first('id')).id);
  const target = await new AccountsRepository(ctx.db).insert({
    email: 'hostile-target@example.fr', passwordHash: 'x', role: 'partner', state: 'active', company: 'Cible', name: 'Cible', phone: '0102030405',
    country: 'FR', locale: 'fr', termsAcceptedAt: ctx.clock.now(), verifiedAt: ctx.clock.now(),
  }, ctx.clock.now());
  await db('download_blocks').insert({ ip: '203.0.113.9', reason: 'hostile fixture', created_at: at });
  await db('contact_messages').insert({ name: 'Alice', email: 'alice@example.fr', message: 'Bonjour', locale: 'fr', ip: '127.0.0.1', created_at: at });
  const productId = Number((await db('products').where({ code: 'easyfacture' }).first('id')).id);
  await db('licenses').insert({
    public_id: '00000000-0000-4000-8000-000000000002', product_id: productId, machine_id: 'cd'.repeat(16), email: 'hostile@example.fr',
    license_type: 'monthly', state: 'active', issued_at: at, expires_at: '2026-12-22T10:00:00.000Z', created_at: at, updated_at: at,
  });
  await db('activation_batches').insert({ product_id: productId, license_type: 'monthly', duration_days: 30, size: 0, note: 'hostile', created_at: at });
  const partner = await ctx.handle.accounts.byEmail('hostile-partner@example.fr');
  const ticket = await ctx.handle.support.open(partner!, { subject: 'Hostile', message: 'Bonjour', licenseId: null },
    [{ name: 'hostile.pdf', mime: 'application/pdf', bytes: Buffer.from('%PDF-1.7\n') }]);
  const owner = await ctx.handle.accounts.byEmail('hostile-superadmin@example.fr');
  await ctx.handle.accounts.createApiToken(owner!, 'hostile fixture', { id: null, email: null, ip: null, userAgent: 'cli' });
  // A notification of the partner (unread, with a link): its page shows the read, open and read-all forms.
  const notification = await ctx.handle.notifications.record({
    accountId: partner!.id, kind: 'billing', title: 'Facture', body: '', link: '/subscription/billing',
  });
  return {
    'notifications:id': String(notification),
    'partners:id': String(target.id),
    'recharges:id': rechargeId,
    'installations:id': await first('installations'),
    'releases:id': await first('releases'),
    'downloads:id': await first('download_blocks'),
    'messages:id': await first('contact_messages'),
    'audit:id': await first('audit_log'),
    'licenses:id': await first('licenses'),
    'activation-codes:id': await first('activation_batches'),
    'api-tokens:id': await first('api_tokens'),
    'tickets:id': String(ticket),
    'tickets:attachmentId': await first('support_attachments'),
    'products:id': String(productId),
    'packages:id': String((await ctx.handle.packages.create({ client: 'hostile', plan: 'pro', email: 'hostile@example.fr', product: 'artisan_nd' },
      SYSTEM_ACTOR)).pkg.id),
    ...await billingFixtures(ctx, target.id),
    ...await shopFixtures(ctx),
    ...await courseFixtures(ctx, (await ctx.handle.accounts.byEmail('hostile-partner@example.fr'))!.id),
    filename: 'artisan-nd_0.1.0_all.deb',
    code: installationCode,
    machine_id: 'cd'.repeat(16),
  };
}

/** The shop's fixtures: EasyFacture listed with an annual offer, a pending order and an API token of the hostile customer, another customer. */
async function shopFixtures(ctx: TestContext): Promise<Record<string, string>> {
  const { annual } = await listEasyFacture(ctx);
  const customer = await ctx.handle.accounts.byEmail('hostile-customer@example.fr');
  const { order } = await ctx.handle.shop.orders.place(customer!.id, annual, 1, 'hostile-order-key-1', 'fr', SYSTEM_ACTOR);
  await ctx.handle.accounts.createApiToken(customer!, 'hostile customer token', SYSTEM_ACTOR);
  const token = (await ctx.handle.accounts.apiTokensOf(customer!.id))[0]!;
  // The customer the admin actions aim at: not the one whose session the customer routes use.
  const target = await new AccountsRepository(ctx.db).insert({
    email: 'hostile-buyer@example.fr', passwordHash: 'x', role: 'customer', state: 'active', company: '', name: 'Acheteur', phone: '', country: 'FR',
    locale: 'fr', termsAcceptedAt: ctx.clock.now(), verifiedAt: ctx.clock.now(),
  }, ctx.clock.now());
  return { sku: 'easyfacture', 'orders:id': String(order.id), 'shop:id': String(await productId(ctx, 'easyfacture')), 'customers:id': String(target.id),
    'tokens:id': String(token.id) };
}
