/**
 * A local fake of Stripe's HTTP API, covering exactly the calls the portal
 * makes through the official SDK (pointed here by STRIPE_API_BASE), answering
 * with the shapes of Stripe's documented examples (api reference: Customers,
 * Checkout Sessions, PaymentIntents, SetupIntents, PaymentMethods, Refunds,
 * Events, Errors):
 *
 *   POST /v1/customers                 GET /v1/payment_intents/:id  (expand[]=payment_method)
 *                                      GET /v1/checkout/sessions/:id
 *   POST /v1/checkout/sessions         GET /v1/setup_intents/:id    (expand[]=payment_method)
 *   POST /v1/payment_intents           GET /v1/payment_methods/:id
 *   POST /v1/refunds                   GET /v1/refunds?charge=ch_…
 *
 * A creating call repeated with the same Idempotency-Key gets the first answer
 * again, as at Stripe. The hosted Checkout page is served too (GET /checkout/:id,
 * a "Pay" button): paying creates the PaymentIntent and its charge, delivers the
 * signed events to the portal's webhook, then redirects to success_url.
 *
 * Events are signed as Stripe signs them (`Stripe-Signature: t=<unix>,v1=<HMAC-SHA256
 * of "<t>.<body>" with the endpoint secret>`); test/http/payments checks this
 * header against the SDK's generateTestHeaderString.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

type Obj = Record<string, unknown>;

export const FAKE_STRIPE_KEY = 'sk_test_fakeStripeKey123';
export const FAKE_WEBHOOK_SECRET = 'whsec_fakeStripeWebhookSecret123';

/** What the next off-session charges answer, in order (then success): a decline code (`insufficient_funds`, `expired_card`…). */
export type ChargeScript = (string | 'succeeded')[];

/** Cards that decline with an error code of their own (not card_declined + decline_code), as Stripe's test cards do. */
const ERROR_CODES = new Set(['expired_card', 'incorrect_number', 'incorrect_cvc', 'processing_error', 'authentication_required']);

/** Parse Stripe's form encoding (`a[b][0][c]=v`) into nested objects and arrays. */
export function parseStripeForm(text: string): Obj {
  const root: Obj = {};
  for (const [k, v] of new URLSearchParams(text)) {
    const keys = k.replace(/\]/g, '').split('[');
    let node: Obj = root;
    keys.forEach((key, i) => {
      if (i === keys.length - 1) node[key] = v;
      else node = (node[key] ??= {}) as Obj;
    });
  }
  const arrays = (o: unknown): unknown => {
    if (!o || typeof o !== 'object') return o;
    const entries = Object.entries(o as Obj).map(([k, v]) => [k, arrays(v)] as const);
    return entries.length && entries.every(([k]) => /^\d+$/.test(k)) ? entries.map(([, v]) => v) : Object.fromEntries(entries);
  };
  return arrays(root) as Obj;
}

export class FakeStripe {
  readonly server: http.Server;
  url = '';
  /** The portal's webhook endpoint (set once the app listens). */
  webhookUrl = '';
  readonly customers = new Map<string, Obj>();
  readonly sessions = new Map<string, Obj>();
  readonly intents = new Map<string, Obj>();
  readonly setupIntents = new Map<string, Obj>();
  readonly methods = new Map<string, Obj>();
  readonly charges = new Map<string, Obj>();
  readonly refunds = new Map<string, Obj>();
  /** Every event made, oldest first. */
  readonly events: Obj[] = [];
  /** Every API request: method, path, Idempotency-Key, parsed body. */
  readonly requests: { method: string; path: string; key: string | undefined; body: Obj }[] = [];
  /** Answers of off-session charges to come (see ChargeScript), per customer id; other customers' charges succeed. */
  readonly chargeScripts = new Map<string, ChargeScript>();
  /** Deliver the events of a Checkout payment before redirecting (false: the test delivers them itself). */
  autoDeliver = true;
  private readonly idempotent = new Map<string, { status: number; body: Obj }>();
  private seq = 0;

  constructor() {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        this.route(req, body).then(({ status, body: out, html, location }) => {
          if (location) res.writeHead(303, { location }).end();
          else if (html !== undefined) res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(html);
          else res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${this.id()}` }).end(JSON.stringify(out));
        }, (err: unknown) => res.writeHead(500).end(String(err)));
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private id(): string {
    this.seq += 1;
    return `${this.seq.toString().padStart(6, '0')}${crypto.randomBytes(6).toString('hex')}`;
  }

  private now(): number {
    return Math.floor(Date.now() / 1000);
  }

  private async route(req: http.IncomingMessage, raw: string): Promise<{ status: number; body?: Obj; html?: string; location?: string }> {
    const u = new URL(req.url ?? '/', this.url);
    const p = u.pathname;
    if (p.startsWith('/checkout/')) return this.hostedPage(req.method ?? 'GET', p, raw);
    if (req.headers.authorization !== `Bearer ${FAKE_STRIPE_KEY}`) {
      return { status: 401, body: { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } } };
    }
    const body = req.method === 'POST' ? parseStripeForm(raw) : parseStripeForm(u.search.slice(1));
    const key = req.headers['idempotency-key'] as string | undefined;
    this.requests.push({ method: req.method ?? '', path: p, key, body });
    if (req.method === 'POST' && key && this.idempotent.has(key)) return this.idempotent.get(key)!;
    const out = this.api(req.method ?? 'GET', p, body);
    if (req.method === 'POST' && key) this.idempotent.set(key, out);
    return out;
  }

  private api(method: string, p: string, b: Obj): { status: number; body: Obj } {
    const ok = (o: Obj) => ({ status: 200, body: o });
    const missing = { status: 404, body: { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such object: '${p}'` } } };
    const expand = (o: Obj | undefined): Obj | undefined => {
      if (!o) return o;
      const wanted = (b.expand as string[] | undefined) ?? [];
      return wanted.includes('payment_method') && typeof o.payment_method === 'string' ? { ...o, payment_method: this.methods.get(o.payment_method) } : o;
    };
    let m: RegExpExecArray | null;
    if (method === 'POST' && p === '/v1/customers') return ok(this.customer(b));
    if (method === 'POST' && p === '/v1/checkout/sessions') return ok(this.session(b));
    if (method === 'POST' && p === '/v1/payment_intents') return this.offSession(b);
    if (method === 'POST' && p === '/v1/refunds') return this.refund(b);
    if (method === 'GET' && (m = /^\/v1\/checkout\/sessions\/([\w]+)$/.exec(p))) return this.sessions.has(m[1]!) ? ok(this.sessions.get(m[1]!)!) : missing;
    if (method === 'GET' && (m = /^\/v1\/payment_intents\/([\w]+)$/.exec(p))) return this.intents.has(m[1]!) ? ok(expand(this.intents.get(m[1]!))!) : missing;
    if (method === 'GET' && (m = /^\/v1\/setup_intents\/([\w]+)$/.exec(p))) return this.setupIntents.has(m[1]!) ? ok(expand(this.setupIntents.get(m[1]!))!) : missing;
    if (method === 'GET' && (m = /^\/v1\/payment_methods\/([\w]+)$/.exec(p))) return this.methods.has(m[1]!) ? ok(this.methods.get(m[1]!)!) : missing;
    if (method === 'GET' && p === '/v1/refunds') {
      const data = [...this.refunds.values()].filter((r) => !b.charge || r.charge === b.charge).reverse();
      return ok({ object: 'list', data, has_more: false, url: '/v1/refunds' });
    }
    return missing;
  }

  private customer(b: Obj): Obj {
    const c = { id: `cus_${this.id()}`, object: 'customer', created: this.now(), email: b.email ?? null, name: b.name ?? null, livemode: false,
      metadata: b.metadata ?? {}, invoice_settings: { default_payment_method: null } };
    this.customers.set(c.id, c);
    return c;
  }

  private session(b: Obj): Obj {
    const id = `cs_test_${this.id()}`;
    const items = (b.line_items as Obj[] | undefined) ?? [];
    const price = (i: Obj) => Number((i.price_data as Obj).unit_amount) * Number(i.quantity ?? 1);
    const s: Obj = {
      id, object: 'checkout.session', mode: b.mode, status: 'open', payment_status: b.mode === 'setup' ? 'no_payment_required' : 'unpaid',
      customer: b.customer ?? null, client_reference_id: b.client_reference_id ?? null, metadata: b.metadata ?? {}, livemode: false,
      amount_total: b.mode === 'payment' ? items.reduce((n, i) => n + price(i), 0) : null, amount_subtotal: null,
      currency: b.mode === 'payment' ? (items[0]?.price_data as Obj | undefined)?.currency : b.currency ?? null, locale: b.locale ?? null,
      payment_intent: null, setup_intent: null, success_url: b.success_url, cancel_url: b.cancel_url, url: `${this.url}/checkout/${id}`,
      created: this.now(), expires_at: this.now() + 86400, line_items_in: items, payment_intent_data: b.payment_intent_data ?? {},
    };
    this.sessions.set(id, s);
    return s;
  }

  private card(last4 = '4242', brand = 'visa', customer: unknown = null): Obj {
    const pm = { id: `pm_${this.id()}`, object: 'payment_method', type: 'card', customer, created: this.now(), livemode: false, metadata: {},
      card: { brand, last4, exp_month: 12, exp_year: 2030, country: 'FR', funding: 'credit' }, billing_details: { email: null, name: null } };
    this.methods.set(pm.id, pm);
    return pm;
  }

  private intent(fields: Obj): Obj {
    const pi: Obj = { id: `pi_${this.id()}`, object: 'payment_intent', created: this.now(), livemode: false, capture_method: 'automatic',
      confirmation_method: 'automatic', last_payment_error: null, latest_charge: null, amount_received: 0, setup_future_usage: null, ...fields };
    this.intents.set(String(pi.id), pi);
    return pi;
  }

  private charge(pi: Obj): Obj {
    const ch = { id: `ch_${this.id()}`, object: 'charge', amount: pi.amount, amount_captured: pi.amount, amount_refunded: 0, captured: true, paid: true,
      refunded: false, currency: pi.currency, customer: pi.customer, payment_intent: pi.id, payment_method: pi.payment_method, status: 'succeeded',
      created: this.now(), livemode: false, metadata: {} };
    this.charges.set(ch.id, ch);
    pi.latest_charge = ch.id;
    return ch;
  }

  /** Make an event of `type` about `object` (kept in `events`); not delivered. */
  event(type: string, object: Obj): Obj {
    const e = { id: `evt_${this.id()}`, object: 'event', api_version: '2026-11-18.endive', created: this.now(), type, livemode: false, pending_webhooks: 1,
      request: { id: null, idempotency_key: null }, data: { object: structuredClone(object) } };
    this.events.push(e);
    return e;
  }

  /** The partner pays session `id` (the hosted page's button does this); returns the events Stripe sends. */
  completeCheckout(id: string, last4 = '4242'): Obj[] {
    const s = this.sessions.get(id);
    if (!s || s.status !== 'open') throw new Error(`no open session ${id}`);
    const pm = this.card(last4, 'visa', s.customer);
    s.status = 'complete';
    if (s.mode === 'setup') {
      const si = { id: `seti_${this.id()}`, object: 'setup_intent', status: 'succeeded', customer: s.customer, payment_method: pm.id, usage: 'off_session',
        metadata: (s.metadata as Obj) ?? {}, created: this.now(), livemode: false };
      this.setupIntents.set(si.id, si);
      s.setup_intent = si.id;
      return [this.event('checkout.session.completed', s)];
    }
    const data = s.payment_intent_data as Obj;
    const pi = this.intent({ amount: s.amount_total, amount_received: s.amount_total, currency: s.currency, customer: s.customer, payment_method: pm.id,
      status: 'succeeded', metadata: data.metadata ?? {}, description: data.description ?? null, setup_future_usage: data.setup_future_usage ?? null });
    const ch = this.charge(pi);
    s.payment_intent = pi.id;
    s.payment_status = 'paid';
    return [this.event('checkout.session.completed', s), this.event('payment_intent.succeeded', pi), this.event('charge.succeeded', ch)];
  }

  private offSession(b: Obj): { status: number; body: Obj } {
    const next = this.chargeScripts.get(String(b.customer))?.shift() ?? 'succeeded';
    const fields = { amount: Number(b.amount), currency: b.currency, customer: b.customer, payment_method: b.payment_method, metadata: b.metadata ?? {},
      description: b.description ?? null };
    if (next === 'succeeded') {
      const pi = this.intent({ ...fields, status: 'succeeded', amount_received: Number(b.amount) });
      this.charge(pi);
      this.event('payment_intent.succeeded', pi);
      return { status: 200, body: pi };
    }
    const code = ERROR_CODES.has(next) ? next : 'card_declined';
    const error = { type: 'card_error', code, ...(code === 'card_declined' ? { decline_code: next } : {}), message: `Your card was declined (${next}).`,
      doc_url: `https://stripe.com/docs/error-codes/${code}`, payment_method: this.methods.get(String(b.payment_method)) ?? null };
    const pi = this.intent({ ...fields, status: 'requires_payment_method', last_payment_error: error });
    this.event('payment_intent.payment_failed', pi);
    return { status: 402, body: { error: { ...error, payment_intent: pi } } };
  }

  private refund(b: Obj): { status: number; body: Obj } {
    const pi = this.intents.get(String(b.payment_intent));
    const ch = pi ? this.charges.get(String(pi.latest_charge)) : undefined;
    if (!pi || !ch) return { status: 404, body: { error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such payment_intent' } } };
    const amount = b.amount ? Number(b.amount) : Number(ch.amount) - Number(ch.amount_refunded);
    if (amount > Number(ch.amount) - Number(ch.amount_refunded)) {
      return { status: 400, body: { error: { type: 'invalid_request_error', code: 'charge_already_refunded', message: 'Refund exceeds the charge' } } };
    }
    return { status: 200, body: this.makeRefund(ch, amount, (b.metadata as Obj | undefined) ?? {}, b.reason ?? null) };
  }

  private makeRefund(ch: Obj, amount: number, metadata: Obj, reason: unknown): Obj {
    const r = { id: `re_${this.id()}`, object: 'refund', amount, currency: ch.currency, charge: ch.id, payment_intent: ch.payment_intent, status: 'succeeded',
      reason, metadata, created: this.now() };
    this.refunds.set(r.id, r);
    ch.amount_refunded = Number(ch.amount_refunded) + amount;
    ch.refunded = ch.amount_refunded === ch.amount;
    this.event('charge.refunded', ch);
    return r;
  }

  /** A refund started from Stripe's dashboard (no metadata): returns it; its charge.refunded event is in `events`. */
  refundFromDashboard(paymentIntent: string, amount?: number): Obj {
    const ch = this.charges.get(String(this.intents.get(paymentIntent)?.latest_charge))!;
    return this.makeRefund(ch, amount ?? Number(ch.amount) - Number(ch.amount_refunded), {}, 'requested_by_customer');
  }

  /** The session expires unpaid (Stripe expires an open Checkout Session after 24 hours). */
  expire(id: string): void {
    const s = this.sessions.get(id)!;
    s.status = 'expired';
  }

  /** A dispute opened by the card holder's bank on `paymentIntent`; returns its event (not delivered). */
  dispute(paymentIntent: string): Obj {
    const pi = this.intents.get(paymentIntent)!;
    return this.event('charge.dispute.created', { id: `dp_${this.id()}`, object: 'dispute', amount: pi.amount, currency: pi.currency,
      charge: pi.latest_charge, payment_intent: pi.id, reason: 'fraudulent', status: 'needs_response', created: this.now(), livemode: false });
  }

  /** The latest event of `type`. */
  last(type: string): Obj {
    const e = [...this.events].reverse().find((x) => x.type === type);
    if (!e) throw new Error(`no ${type} event`);
    return e;
  }

  /** The Stripe-Signature header of `payload`, as Stripe computes it. */
  static sign(payload: string, secret = FAKE_WEBHOOK_SECRET, timestamp = Math.floor(Date.now() / 1000)): string {
    const v1 = crypto.createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
    return `t=${timestamp},v1=${v1}`;
  }

  /** POST `event` to the webhook, signed (or with `opts.header`); returns the status and body. */
  async deliver(event: Obj, opts: { secret?: string; timestamp?: number; header?: string } = {}): Promise<{ status: number; body: string }> {
    const payload = JSON.stringify(event, null, 2);
    const res = await fetch(this.webhookUrl, { method: 'POST', body: payload, headers: {
      'content-type': 'application/json; charset=utf-8', 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      'stripe-signature': opts.header ?? FakeStripe.sign(payload, opts.secret, opts.timestamp),
    } });
    return { status: res.status, body: await res.text() };
  }

  private async hostedPage(method: string, p: string, raw: string): Promise<{ status: number; html?: string; location?: string }> {
    const m = /^\/checkout\/(cs_test_\w+)(\/pay)?$/.exec(p);
    const s = m ? this.sessions.get(m[1]!) : undefined;
    if (!s) return { status: 404, html: '<p>No such session</p>' };
    if (method === 'POST' && m![2]) {
      const card = new URLSearchParams(raw).get('card') ?? '4242424242424242';
      const events = this.completeCheckout(s.id as string, card.slice(-4));
      if (this.autoDeliver) for (const e of events) await this.deliver(e);
      return { status: 303, location: String(s.success_url) };
    }
    const amount = s.amount_total === null ? '' : `${(Number(s.amount_total) / 100).toFixed(2)} ${String(s.currency).toUpperCase()}`;
    return { status: 200, html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Stripe Checkout (fake)</title></head><body><main>
<h1>${s.mode === 'setup' ? 'Save your card' : `Pay ${amount}`}</h1>
<form method="post" action="/checkout/${s.id as string}/pay"><label for="card">Card number</label>
<input id="card" name="card" value="4242 4242 4242 4242"><button id="pay" type="submit">${s.mode === 'setup' ? 'Save' : 'Pay'}</button></form>
<p><a id="back" href="${String(s.cancel_url)}">Back</a></p></main></body></html>` };
  }
}
