/**
 * Client API keys on the license API (`Authorization: Bearer sk_…`, issued
 * with a client package, src/packages). A request without such a header is
 * answered as before (the public desktop clients); with one, the key must be
 * valid (401 UNAUTHORIZED when unknown, malformed or revoked) and the request
 * must be about the key's product (403 FORBIDDEN otherwise: trial's
 * `product`, the activation code's product, the validated license's product).
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { ForbiddenError, UnauthorizedError } from '../errors/index.js';

/** The key registry as the license API reads it (PackagesService.authenticate). */
export interface ClientKeys {
  /** Who the key belongs to while it is valid (its product code), else null. */
  authenticate(key: string): Promise<{ product: string } | null>;
}

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

/** @throws ForbiddenError unless `product` is the key's (`allowed`, null: no key, anything goes) */
export function checkProduct(allowed: string | null, product: string | null | undefined): void {
  if (allowed !== null && product !== undefined && product !== null && product !== allowed) {
    throw new ForbiddenError(`This API key is for product ${allowed}`);
  }
}
