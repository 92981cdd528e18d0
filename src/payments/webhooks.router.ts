/**
 * Gateway notifications: `POST /webhooks/stripe`, `POST /webhooks/paypal`. Mounted in app.ts before
 * the language, session, body parsers and CSRF: the body is read raw (the
 * signature covers its exact bytes), there is no cookie and no CSRF token
 * (the gateway's signature stands in for both), and a per-IP rate limit
 * applies. The answer is JSON: 200 once the verified event is stored (also
 * for a repeated delivery), 400 when the signature does not verify (nothing
 * stored). Processing starts right after the answer (InboundEventsService).
 */
import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { WebhookRefused, type GatewayName, type OnlineGateway } from '../billing/index.js';
import { AppError, RateLimitedError } from '../errors/index.js';
import type { Logger } from '../platform/logger.js';
import type { InboundEventsService } from './inbound-events.service.js';

/** Largest notification accepted (Stripe's and PayPal's events are a few kilobytes). */
const MAX_BODY = '512kb';

export function createWebhooksRouter(deps: { inbound: InboundEventsService; gateways: Partial<Record<GatewayName, OnlineGateway>>; limiter: RequestHandler;
  logger?: Logger }): Router {
  const router = Router();
  const raw = express.raw({ type: () => true, limit: MAX_BODY });
  const intake = (name: GatewayName) => async (req: Request, res: Response): Promise<void> => {
    const gateway = deps.gateways[name];
    if (!gateway) {
      res.status(404).json({ error: 'not_configured' });
      return;
    }
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let stored;
    try {
      const event = await gateway.parseWebhook(body, req.headers);
      stored = await deps.inbound.receive(name, event);
    } catch (err) {
      if (!(err instanceof WebhookRefused)) throw err;
      deps.logger?.warn({ gateway: name, reason: err.message }, 'webhook refused');
      deps.inbound.refused(name);
      res.status(400).json({ error: 'signature_refused' });
      return;
    }
    res.status(200).json({ received: true, duplicate: stored.duplicate });
    if (!stored.duplicate) deps.inbound.processSoon(stored.id);
  };
  router.post('/webhooks/stripe', deps.limiter, raw, intake('stripe'));
  router.post('/webhooks/paypal', deps.limiter, raw, intake('paypal'));
  // Errors here answer JSON (this chain runs before the pages' language and error pages).
  const onError: ErrorRequestHandler = (err: unknown, _req, res, next) => {
    if (res.headersSent) return next(err);
    const status = err instanceof AppError ? err.status : typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : 500;
    if (status >= 500) deps.logger?.error({ err }, 'webhook intake failed');
    if (err instanceof RateLimitedError) res.setHeader('Retry-After', String(err.retryAfter));
    res.status(status).json({ error: status === 413 ? 'too_large' : status === 429 ? 'rate_limited' : status >= 500 ? 'internal' : 'bad_request' });
  };
  router.use('/webhooks', onError);
  return router;
}
