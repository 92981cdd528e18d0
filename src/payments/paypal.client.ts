/**
 * PayPal's official SDK (@paypal/paypal-server-sdk) as the portal uses it: one
 * client per configuration, its OAuth token fetched and renewed by the SDK,
 * its logging off (its logger could print headers), and every failure turned
 * into a {@link PayPalError} that carries PayPal's error name, issue and
 * debug id but never the request (the SDK's errors hold its headers, among
 * them the client credentials or the bearer token).
 *
 * The SDK names its hosts itself (api-m.paypal.com, api-m.sandbox.paypal.com).
 * With PAYPAL_API_BASE (tests), an axios adapter sends each request to that
 * address instead, same path and query, directly (no proxy), so the SDK's
 * requests, authentication and answers are the ones a local fake receives.
 */
import { createRequire } from 'node:module';
import type { Client } from '@paypal/paypal-server-sdk';
import type { PayPalConfig } from '../config/index.js';
import { AppError, ERR } from '../errors/index.js';

/** A PayPal call that failed: `status` is PayPal's HTTP status (null: unreachable), `paypalName` and `issue` its error name and first issue. */
export class PayPalError extends AppError {
  constructor(
    readonly operation: string,
    readonly httpStatus: number | null,
    readonly paypalName: string | null,
    readonly issue: string | null,
    readonly debugId: string | null,
  ) {
    const what = [paypalName, issue].filter(Boolean).join(' ') || (httpStatus === null ? 'unreachable' : `HTTP ${httpStatus}`);
    super(503, ERR.SERVICE_UNAVAILABLE, `PayPal ${operation} failed: ${what}${debugId ? ` (debug id ${debugId})` : ''}`);
  }
}

const requireLazily = createRequire(import.meta.url);

/** The SDK (its HTTP stack, about 10 MB of heap) is loaded when a PayPal gateway is built, i.e. when PayPal is configured, not at every start. */
export function paypalSdk(): typeof import('@paypal/paypal-server-sdk') {
  return requireLazily('@paypal/paypal-server-sdk') as typeof import('@paypal/paypal-server-sdk');
}

/** Requests the SDK waits for at most this long (ms); its own default is no limit. */
const TIMEOUT_MS = 20_000;

/** The SDK's client for `config` (sandbox or production; PAYPAL_API_BASE reroutes it). */
export function paypalClient(config: PayPalConfig): Client {
  const { Client, Environment } = paypalSdk();
  return new Client({
    clientCredentialsAuthCredentials: { oAuthClientId: config.clientId, oAuthClientSecret: config.clientSecret },
    environment: config.environment === 'production' ? Environment.Production : Environment.Sandbox,
    timeout: TIMEOUT_MS,
    unstable_httpClientOptions: config.apiBase ? { adapter: rerouteTo(config.apiBase), proxy: false } : undefined,
  });
}

/** The subset of axios's request config the adapter reads (axios is the SDK's transport, not a dependency of ours). */
interface AxiosLikeConfig {
  url?: string;
  method?: string;
  headers?: { toJSON?: () => Record<string, unknown> } & Record<string, unknown>;
  data?: unknown;
  auth?: { username: string; password: string };
  timeout?: number;
}

/** An axios adapter sending the SDK's requests to `base` (path and query kept) with fetch; answers in axios's response shape. */
function rerouteTo(base: string) {
  return async (cfg: AxiosLikeConfig) => {
    const from = new URL(cfg.url ?? '/');
    const url = `${base}${from.pathname}${from.search}`;
    const raw = typeof cfg.headers?.toJSON === 'function' ? cfg.headers.toJSON() : (cfg.headers ?? {});
    const headers = new Headers();
    for (const [k, v] of Object.entries(raw)) if (v !== undefined && v !== null && v !== false) headers.set(k, String(v));
    if (cfg.auth) headers.set('authorization', `Basic ${Buffer.from(`${cfg.auth.username}:${cfg.auth.password}`).toString('base64')}`);
    const method = (cfg.method ?? 'get').toUpperCase();
    const body = method === 'GET' || method === 'HEAD' || cfg.data === undefined || cfg.data === null ? undefined : String(cfg.data);
    const res = await fetch(url, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(cfg.timeout || TIMEOUT_MS) });
    const data = await res.text();
    return { data, status: res.status, statusText: res.statusText, headers: Object.fromEntries(res.headers), config: cfg, request: {} };
  };
}

interface SdkErrorShape {
  statusCode?: unknown;
  result?: { name?: unknown; error?: unknown; debug_id?: unknown; details?: { issue?: unknown }[] };
}

/**
 * Run an SDK call; whatever it throws becomes a {@link PayPalError} (no request, headers, token or credential in it).
 * @throws PayPalError
 */
export async function paypalCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toPayPalError(operation, err);
  }
}

/** The safe summary of an SDK or transport error. */
export function toPayPalError(operation: string, err: unknown): PayPalError {
  if (err instanceof PayPalError) return err;
  const e = (err && typeof err === 'object' ? err : {}) as SdkErrorShape;
  const status = typeof e.statusCode === 'number' ? e.statusCode : null;
  const r = e.result && typeof e.result === 'object' ? e.result : {};
  const text = (v: unknown) => (typeof v === 'string' && /^[\w .:-]{1,100}$/.test(v) ? v : null);
  const name = text(r.name) ?? text(r.error);
  const issue = Array.isArray(r.details) ? text(r.details[0]?.issue) : null;
  return new PayPalError(operation, status, name, issue, text(r.debug_id));
}
