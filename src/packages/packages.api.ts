/**
 * The client API of a package's key:
 *
 *   GET /api/v1/client/me   Authorization: Bearer sk_…  → 200 {success, client: {client, plan, email, product, created_at, revokes_at}}
 *                           | 401 UNAUTHORIZED (no key, malformed, unknown or revoked; WWW-Authenticate: Bearer) | 429 (per IP)
 *
 * Documented in src/api-docs/openapi.ts; errors are the API's error JSON.
 */
import { Router, type RequestHandler } from 'express';
import { UnauthorizedError } from '../errors/index.js';
import { bearerApiKey } from './api-key.js';
import type { PackagesService } from './packages.service.js';

export function createClientApiRouter(packages: Pick<PackagesService, 'authenticate'>, limiter: RequestHandler): Router {
  const router = Router();
  router.get('/api/v1/client/me', limiter, async (req, res) => {
    const key = bearerApiKey(req.get('authorization'));
    const client = key === null ? null : await packages.authenticate(key);
    if (!client) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedError('A valid client API key is required (Authorization: Bearer sk_…)');
    }
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      success: true,
      client: {
        client: client.client, plan: client.plan, email: client.email, product: client.product,
        created_at: client.createdAt.toISOString(), revokes_at: client.revokesAt ? client.revokesAt.toISOString() : null,
      },
    });
  });
  return router;
}
