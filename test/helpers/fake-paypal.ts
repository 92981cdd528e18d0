/**
 * A local fake of exactly the PayPal REST calls the portal makes, answering
 * with the shapes of PayPal's documented examples (developer.paypal.com:
 * api/rest/authentication, api/orders/v2, api/payments/v2,
 * api/webhooks/v1#verify-webhook-signature). The official SDK reaches it
 * through PAYPAL_API_BASE.
 *
 * - POST /v1/oauth2/token (Basic client id:secret) → a bearer token;
 * - POST /v2/checkout/orders, GET /v2/checkout/orders/:id, POST …/:id/capture;
 * - POST /v2/payments/captures/:id/refund (full or partial);
 * - POST /v1/notifications/verify-webhook-signature: SUCCESS when the
 *   transmission signature is the fake's RSA-SHA256 signature of
 *   `<transmission id>|<time>|<webhook id>|<crc32 of the event>` (PayPal's
 *   scheme), FAILURE otherwise;
 * - GET /checkoutnow?token=<order>: the approve page (Pay / Cancel), which sends
 *   the payer back to return_url?token=<order>&PayerID=… as PayPal does.
 * PayPal-Request-Id replays a request's first answer. Nothing leaves the machine.
 */
import { generateKeyPairSync, randomBytes, randomUUID, sign, verify } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { crc32 } from 'node:zlib';
import { captureResource, refundResource, type FakeCapture, type FakeOrder, type FakeRefund } from './fake-paypal-resources.js';

export type { FakeCapture, FakeOrder, FakeRefund } from './fake-paypal-resources.js';

/** What the test decides about the next captures: PayPal's capture status, or the 422 issue a declined funding source gives. */
export type CaptureOutcome = 'COMPLETED' | 'PENDING' | 'DECLINED' | 'INSTRUMENT_DECLINED';

export interface FakePayPalOptions { clientId: string; clientSecret: string; webhookId: string }

interface Answer { status: number; body: unknown }
type Handler = (req: http.IncomingMessage, body: string, params: string[]) => Answer | { redirect: string } | { html: string };

const DECIMALS: Record<string, number> = { EUR: 2, USD: 2, GBP: 2, CHF: 2, JPY: 0, HUF: 0 };
const ppId = () => randomBytes(12).toString('hex').toUpperCase().slice(0, 17);
const err = (status: number, name: string, issue: string, message = issue): Answer =>
  ({ status, body: { name, message, debug_id: randomBytes(6).toString('hex'), details: [{ issue, description: message }],
    links: [{ href: `https://developer.paypal.com/docs/api/orders/v2/#error-${issue}`, rel: 'information_link', method: 'GET' }] } });

let keyPair: ReturnType<typeof generateKeyPairSync> | undefined;
/** The fake's signing key pair, one per test process (2048-bit RSA takes a moment to make). */
const signingKeys = () => (keyPair ??= generateKeyPairSync('rsa', { modulusLength: 2048 }));

export class FakePayPal {
  url = '';
  readonly orders = new Map<string, FakeOrder>();
  readonly captures = new Map<string, FakeCapture>();
  readonly refunds = new Map<string, FakeRefund>();
  /** Every request: method, path, its PayPal-Request-Id and the kind of credentials it carried (never their value). */
  readonly calls: { method: string; path: string; requestId: string | undefined; auth: 'basic' | 'bearer' | 'none' }[] = [];
  /** The status the next captures get. */
  captureOutcome: CaptureOutcome = 'COMPLETED';
  tokensIssued = 0;
  private readonly tokens = new Set<string>();
  private readonly replays = new Map<string, Answer>();
  private keepReplays = true;
  private readonly keys = signingKeys();
  private server: http.Server | undefined;

  constructor(readonly opts: FakePayPalOptions) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Forget the PayPal-Request-Id answers kept so far and keep no more (PayPal keeps them hours, not forever). */
  replaysOff(): void {
    this.replays.clear();
    this.keepReplays = false;
  }

  /** The bearer tokens handed out, to check that none leaks. */
  issuedTokens(): string[] {
    return [...this.tokens];
  }

  /** The payer approves order `id` on PayPal's page; returns where PayPal sends them (return_url with token and PayerID). */
  approve(id: string): string {
    const o = this.orders.get(id);
    if (!o) throw new Error(`no order ${id}`);
    if (o.status !== 'COMPLETED') o.status = 'APPROVED';
    const back = new URL(o.returnUrl);
    back.searchParams.set('token', id);
    back.searchParams.set('PayerID', 'QYR5Z8XDVJNXQ');
    return back.toString();
  }

  /** A webhook event as PayPal sends it (envelope of the docs' examples) around `resource`. */
  event(type: string, resource: object, resourceType = 'capture'): Record<string, unknown> {
    const id = `WH-${ppId()}-${ppId()}`;
    return { id, event_version: '1.0', create_time: new Date().toISOString(), resource_type: resourceType, resource_version: '2.0', event_type: type,
      summary: `${type} in the fake`, resource, links: [{ href: `${this.url}/v1/notifications/webhooks-events/${id}`, rel: 'self', method: 'GET' }] };
  }

  /** The event PayPal sends about capture `id` in its current state (PAYMENT.CAPTURE.COMPLETED, DENIED, PENDING…). */
  captureEvent(id: string, type = 'PAYMENT.CAPTURE.COMPLETED'): Record<string, unknown> {
    const c = this.captures.get(id);
    if (!c) throw new Error(`no capture ${id}`);
    return this.event(type, captureResource(this.url, c));
  }

  /** PAYMENT.CAPTURE.REFUNDED for refund `id` (its `up` link names the capture). */
  refundEvent(id: string): Record<string, unknown> {
    const r = this.refunds.get(id);
    if (!r) throw new Error(`no refund ${id}`);
    return this.event('PAYMENT.CAPTURE.REFUNDED', refundResource(this.url, r), 'refund');
  }

  /** `event` as a delivery: the raw body and PayPal's transmission headers, signed by the fake (or not, with `forge`). */
  signedDelivery(event: object, { forge = false, webhookId = this.opts.webhookId, space = 0 } = {}): { body: Buffer; headers: Record<string, string> } {
    const body = Buffer.from(JSON.stringify(event, null, space));
    const id = randomUUID();
    const time = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const signature = forge ? randomBytes(256).toString('base64') : this.sign(id, time, webhookId, body);
    return { body, headers: { 'paypal-auth-algo': 'SHA256withRSA', 'paypal-cert-url': `${this.url}/v1/notifications/certs/CERT-360caa42-fca2a594-fake`,
      'paypal-transmission-id': id, 'paypal-transmission-sig': signature, 'paypal-transmission-time': time, 'content-type': 'application/json' } };
  }

  /** Where deliver() posts (the app's POST /webhooks/paypal). */
  webhookUrl = '';

  /** POST `event` to webhookUrl as PayPal does (signed, or forged / for another webhook id); the app's answer. */
  async deliver(event: object, opts: { forge?: boolean; webhookId?: string } = {}): Promise<{ status: number; body: string }> {
    const { body, headers } = this.signedDelivery(event, opts);
    const res = await fetch(this.webhookUrl, { method: 'POST', body: new Uint8Array(body), headers });
    return { status: res.status, body: await res.text() };
  }

  private sign(id: string, time: string, webhookId: string, body: Buffer): string {
    return sign('sha256', Buffer.from(`${id}|${time}|${webhookId}|${crc32(body)}`), this.keys.privateKey).toString('base64');
  }

  private routes(): [string, RegExp, Handler][] {
    return [
      ['POST', /^\/v1\/oauth2\/token$/, (req, body) => this.token(req, body)],
      ['POST', /^\/v2\/checkout\/orders$/, (req, body) => this.authed(req, () => this.createOrder(req, body))],
      ['GET', /^\/v2\/checkout\/orders\/([\w-]+)$/, (req, _b, [id]) => this.authed(req, () => this.getOrder(id!))],
      ['POST', /^\/v2\/checkout\/orders\/([\w-]+)\/capture$/, (req, _b, [id]) => this.authed(req, () => this.capture(id!))],
      ['POST', /^\/v2\/payments\/captures\/([\w-]+)\/refund$/, (req, body, [id]) => this.authed(req, () => this.refund(id!, body))],
      ['POST', /^\/v1\/notifications\/verify-webhook-signature$/, (req, body) => this.authed(req, () => this.verifySignature(body))],
      ['GET', /^\/checkoutnow$/, (req) => this.approvePage(req)],
      ['POST', /^\/checkoutnow$/, (_req, body) => this.approveForm(body)],
    ];
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const requestId = req.headers['paypal-request-id'] as string | undefined;
    const a = req.headers.authorization ?? '';
    this.calls.push({ method: req.method ?? '', path, requestId, auth: a.startsWith('Basic ') ? 'basic' : a.startsWith('Bearer ') ? 'bearer' : 'none' });
    const route = this.routes().find(([m, re]) => m === req.method && re.test(path));
    const key = requestId && req.method === 'POST' ? `${path} ${requestId}` : undefined;
    const replay = key ? this.replays.get(key) : undefined;
    const json = req.method !== 'POST' || /^\/(v1\/oauth2|checkoutnow)/.test(path) || /^application\/json/.test(req.headers['content-type'] ?? '');
    const out = replay ? { ...replay, status: 200 }
      : !json ? err(415, 'UNSUPPORTED_MEDIA_TYPE', 'UNSUPPORTED_MEDIA_TYPE', 'The request payload is not supported.')
        : route ? route[2](req, body, route[1].exec(path)!.slice(1)) : err(404, 'RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID');
    if ('redirect' in out) return void res.writeHead(303, { location: out.redirect }).end();
    if ('html' in out) return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(out.html);
    if (key && this.keepReplays && out.status < 300) this.replays.set(key, out);
    res.writeHead(out.status, { 'content-type': 'application/json', 'paypal-debug-id': randomBytes(6).toString('hex') }).end(JSON.stringify(out.body));
  }

  private token(req: http.IncomingMessage, body: string): Answer {
    const basic = `Basic ${Buffer.from(`${this.opts.clientId}:${this.opts.clientSecret}`).toString('base64')}`;
    if (req.headers.authorization !== basic) return { status: 401, body: { error: 'invalid_client', error_description: 'Client Authentication failed' } };
    if (new URLSearchParams(body).get('grant_type') !== 'client_credentials') return { status: 400, body: { error: 'unsupported_grant_type' } };
    const token = `A21AA${randomBytes(24).toString('base64url')}`;
    this.tokens.add(token);
    this.tokensIssued += 1;
    return { status: 200, body: { scope: 'https://uri.paypal.com/services/payments/payment https://uri.paypal.com/services/applications/webhooks',
      access_token: token, token_type: 'Bearer', app_id: 'APP-80W284485P519543T', expires_in: 32400, nonce: `${new Date().toISOString()}fake` } };
  }

  private authed(req: http.IncomingMessage, then: () => Answer): Answer {
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!this.tokens.has(token)) return { status: 401, body: { error: 'invalid_token', error_description: 'Token signature verification failed' } };
    return then();
  }

  private createOrder(_req: http.IncomingMessage, body: string): Answer {
    const o = JSON.parse(body) as { intent?: string; purchase_units?: Record<string, unknown>[]; payment_source?: { paypal?: { experience_context?:
      Record<string, string> } } };
    const unit = o.purchase_units?.[0];
    const amount = unit?.amount as { currency_code?: string; value?: string } | undefined;
    const ctx = o.payment_source?.paypal?.experience_context;
    if (o.intent !== 'CAPTURE' || !amount?.currency_code || !amount.value || !ctx?.return_url) {
      return err(400, 'INVALID_REQUEST', 'MISSING_REQUIRED_PARAMETER', 'intent, purchase_units[0].amount or return_url is missing');
    }
    const decimals = DECIMALS[amount.currency_code];
    if (decimals === undefined) return err(422, 'UNPROCESSABLE_ENTITY', 'CURRENCY_NOT_SUPPORTED');
    const valid = decimals === 0 ? /^\d{1,10}$/ : new RegExp(`^\\d{1,10}\\.\\d{${decimals}}$`);
    if (!valid.test(amount.value)) return err(400, 'INVALID_REQUEST', 'DECIMAL_PRECISION');
    const id = ppId();
    this.orders.set(id, { id, status: 'PAYER_ACTION_REQUIRED', amount: { currency_code: amount.currency_code, value: amount.value },
      referenceId: String(unit?.reference_id ?? 'default'), invoiceId: unit?.invoice_id as string | undefined,
      customId: unit?.custom_id as string | undefined, returnUrl: ctx.return_url, cancelUrl: ctx.cancel_url ?? ctx.return_url, captureId: null });
    return { status: 201, body: { id, status: 'PAYER_ACTION_REQUIRED', payment_source: { paypal: {} }, links: [
      { href: `${this.url}/v2/checkout/orders/${id}`, rel: 'self', method: 'GET' },
      { href: `${this.url}/checkoutnow?token=${id}`, rel: 'payer-action', method: 'GET' }] } };
  }

  private getOrder(id: string): Answer {
    const o = this.orders.get(id);
    return o ? { status: 200, body: this.orderBody(o) } : err(404, 'RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID');
  }

  private capture(id: string): Answer {
    const o = this.orders.get(id);
    if (!o) return err(404, 'RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID');
    if (o.status === 'COMPLETED') return err(422, 'UNPROCESSABLE_ENTITY', 'ORDER_ALREADY_CAPTURED', 'Order already captured.');
    if (o.status !== 'APPROVED') return err(422, 'UNPROCESSABLE_ENTITY', 'ORDER_NOT_APPROVED', 'Payer has not yet approved the Order for payment.');
    if (this.captureOutcome === 'INSTRUMENT_DECLINED') return err(422, 'UNPROCESSABLE_ENTITY', 'INSTRUMENT_DECLINED');
    const c: FakeCapture = { id: ppId(), orderId: id, status: this.captureOutcome, amount: o.amount, refunded: 0, invoiceId: o.invoiceId,
      customId: o.customId };
    this.captures.set(c.id, c);
    o.captureId = c.id;
    o.status = 'COMPLETED';
    return { status: 201, body: this.orderBody(o) };
  }

  private orderBody(o: FakeOrder): object {
    const c = o.captureId ? this.captures.get(o.captureId) : undefined;
    return { id: o.id, intent: 'CAPTURE', status: o.status, payment_source: { paypal: { email_address: 'customer@example.com', account_id: 'QYR5Z8XDVJNXQ' } },
      purchase_units: [{ reference_id: o.referenceId, amount: o.amount, invoice_id: o.invoiceId, custom_id: o.customId,
        ...(c ? { payments: { captures: [captureResource(this.url, c)] } } : {}) }],
      payer: { name: { given_name: 'John', surname: 'Doe' }, email_address: 'customer@example.com', payer_id: 'QYR5Z8XDVJNXQ' },
      links: [{ href: `${this.url}/v2/checkout/orders/${o.id}`, rel: 'self', method: 'GET' }] };
  }

  private refund(captureId: string, body: string): Answer {
    const c = this.captures.get(captureId);
    if (!c) return err(404, 'RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID');
    const total = Math.round(Number(c.amount.value) * 10 ** (DECIMALS[c.amount.currency_code] ?? 2));
    if (c.refunded >= total) return err(422, 'UNPROCESSABLE_ENTITY', 'CAPTURE_FULLY_REFUNDED', 'The capture has already been fully refunded.');
    const ask = (body ? JSON.parse(body) : {}) as { amount?: { value: string; currency_code: string }; note_to_payer?: string };
    const minor = ask.amount ? Math.round(Number(ask.amount.value) * 10 ** (DECIMALS[c.amount.currency_code] ?? 2)) : total - c.refunded;
    if (ask.amount && ask.amount.currency_code !== c.amount.currency_code) return err(422, 'UNPROCESSABLE_ENTITY', 'REFUND_CURRENCY_MISMATCH');
    if (minor > total - c.refunded) return err(422, 'UNPROCESSABLE_ENTITY', 'REFUND_AMOUNT_EXCEEDED');
    c.refunded += minor;
    c.status = c.refunded >= total ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
    const value = ask.amount?.value ?? (minor / 10 ** (DECIMALS[c.amount.currency_code] ?? 2)).toFixed(DECIMALS[c.amount.currency_code] ?? 2);
    const r: FakeRefund = { id: ppId(), captureId, status: 'COMPLETED', amount: { currency_code: c.amount.currency_code, value },
      noteToPayer: ask.note_to_payer, invoiceId: c.invoiceId, customId: c.customId };
    this.refunds.set(r.id, r);
    return { status: 201, body: refundResource(this.url, r) };
  }

  private verifySignature(body: string): Answer {
    const v = JSON.parse(body) as Record<string, unknown>;
    const fields = ['auth_algo', 'cert_url', 'transmission_id', 'transmission_sig', 'transmission_time', 'webhook_id'];
    if (fields.some((f) => typeof v[f] !== 'string') || !v.webhook_event || typeof v.webhook_event !== 'object') {
      return err(400, 'VALIDATION_ERROR', 'MISSING_REQUIRED_PARAMETER', 'Invalid request - see details');
    }
    // The signature covers the event's bytes as delivered: read them as the caller sent them, not re-serialised.
    const at = body.indexOf('"webhook_event":');
    const raw = at < 0 ? '' : body.slice(at + '"webhook_event":'.length, body.lastIndexOf('}')).trim();
    const event = Buffer.from(raw && isDeepStrictEqual(JSON.parse(raw), v.webhook_event) ? raw : JSON.stringify(v.webhook_event));
    const signed = Buffer.from(`${v.transmission_id}|${v.transmission_time}|${v.webhook_id}|${crc32(event)}`);
    const ok = v.webhook_id === this.opts.webhookId && v.auth_algo === 'SHA256withRSA'
      && verify('sha256', signed, this.keys.publicKey, Buffer.from(v.transmission_sig as string, 'base64'));
    return { status: 200, body: { verification_status: ok ? 'SUCCESS' : 'FAILURE' } };
  }

  private approvePage(req: http.IncomingMessage): { html: string } | Answer {
    const token = new URL(req.url ?? '/', 'http://fake').searchParams.get('token') ?? '';
    const o = this.orders.get(token);
    if (!o) return err(404, 'RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID');
    const cancel = new URL(o.cancelUrl);
    cancel.searchParams.set('token', o.id);
    return { html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>PayPal (fake)</title></head><body><main>
      <h1>Pay with PayPal (fake)</h1><p>${o.amount.value} ${o.amount.currency_code}</p>
      <form method="post" action="/checkoutnow"><input type="hidden" name="token" value="${o.id}"><button type="submit">Pay now</button></form>
      <p><a href="${cancel.toString().replace(/&/g, '&amp;')}">Cancel and return to the merchant</a></p></main></body></html>` };
  }

  private approveForm(body: string): { redirect: string } | Answer {
    const token = new URLSearchParams(body).get('token') ?? '';
    return this.orders.has(token) ? { redirect: this.approve(token) } : err(404, 'RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID');
  }
}

/** Start a fake PayPal on a free port of 127.0.0.1 (close it in `after`). */
export async function startFakePayPal(opts: FakePayPalOptions): Promise<FakePayPal> {
  return new FakePayPal(opts).start();
}
