/**
 * Client API keys on the license API (`Authorization: Bearer sk_…`, issued
 * with a client package, src/packages). With such a header the key must be
 * valid (401 UNAUTHORIZED when unknown, malformed or revoked) and the request
 * must be about the key's product (403 FORBIDDEN otherwise: trial's
 * `product`, the activation code's product, the validated license's product).
 * Without one, a request about a product of CLIENT_KEY_REQUIRED_PRODUCTS is
 * refused (401 UNAUTHORIZED); about any other product it is answered as
 * before (the public desktop clients send no key).
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { ForbiddenError, UnauthorizedError } from '../errors/index.js';

/** The key registry as the license API reads it (PackagesService.authenticate). */
export interface ClientKeys {
  /** Who the key belongs to while it is valid (its product code), else null. */
  authenticate(key: string): Promise<{ product: string } | null>;
}

/**
 * What a license request may be about, as the routes hand it to LicensesService: `product` the product of the
 * request's valid client key (null: the request carries no key); `required` the product codes for which a request
 * without a key is refused (CLIENT_KEY_REQUIRED_PRODUCTS).
 */
export interface ClientScope {
  product: string | null;
  required: ReadonlySet<string>;
}

/** No key, no product that needs one: anything goes. */
export const ANY_CLIENT: ClientScope = Object.freeze({ product: null, required: new Set<string>() });

/** The `sk_…` bearer of the headers, or null (no header, another scheme, another kind of token). */
export function clientBearer(headers: IncomingHttpHeaders): string | null {
  const m = /^Bearer\s+(sk_\S{1,100})$/i.exec(headers.authorization ?? '');
  return m ? m[1]! : null;
}

/**
 * The product the request's client key allows, or null when the request carries no client key.
 * @throws UnauthorizedError (WWW-Authenticate set on `res`) for a key that is not valid
 */
export async function clientProduct(keys: ClientKeys | undefined, headers: IncomingHttpHeaders, res: ServerResponse): Promise<string | null> {
  const key = clientBearer(headers);
  if (key === null || !keys) return null;
  const client = await keys.authenticate(key);
  if (!client) {
    res.setHeader('WWW-Authenticate', 'Bearer');
    throw new UnauthorizedError('This API key is not valid (unknown or revoked)');
  }
  return client.product;
}

/**
 * The scope of a request: its key's product (clientProduct) and the products that need a key.
 * @throws UnauthorizedError (WWW-Authenticate set on `res`) for a key that is not valid
 */
export async function clientScope(
  keys: ClientKeys | undefined, required: ReadonlySet<string>, headers: IncomingHttpHeaders, res: ServerResponse,
): Promise<ClientScope> {
  return { product: await clientProduct(keys, headers, res), required };
}

/**
 * Whether a request of scope `scope` may be about product `product` (null/undefined: not known yet, nothing to check).
 * @throws UnauthorizedError when the request carries no key and `product` needs one; ForbiddenError when the key is of
 *   another product
 */
export function checkProduct(scope: ClientScope, product: string | null | undefined): void {
  if (product === undefined || product === null) return;
  if (scope.product === null) {
    if (scope.required.has(product)) throw new UnauthorizedError(`A client API key is required for product ${product} (Authorization: Bearer sk_…)`);
    return;
  }
  if (product !== scope.product) throw new ForbiddenError(`This API key is for product ${scope.product}`);
}

/** What `work` returns; an UnauthorizedError it throws gets `WWW-Authenticate: Bearer` on `res` first (RFC 6750 §3). */
export async function challenged<T>(res: ServerResponse, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof UnauthorizedError && !res.headersSent) res.setHeader('WWW-Authenticate', 'Bearer');
    throw err;
  }
}
