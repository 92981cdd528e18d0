/**
 * `GET /.well-known/artisan-nd/keys.json`: every issuer key, active and
 * retired, in the spec's shape, so clients verify key files and license
 * tokens offline (subscription/keyfile-v1.md §Keys). The list is re-read
 * from the database at most every REFRESH_MS, so a rotation made by another
 * instance shows here too.
 */
import { Router } from 'express';
import { rfc3339 } from '../crypto/index.js';
import type { IssuerKeys } from './issuer-keys.js';

export function createKeysRouter(keys: IssuerKeys): Router {
  const router = Router();
  router.get('/.well-known/artisan-nd/keys.json', async (_req, res) => {
    await keys.refreshIfStale();
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json({
      keys: keys.list().map((k) => ({
        kid: k.kid, alg: 'Ed25519', public_key: k.publicKey.toString('base64'), status: k.status,
        created_at: rfc3339(k.createdAt),
      })),
    });
  });
  return router;
}
