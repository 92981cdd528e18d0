/**
 * Per-IP rate limits (express-rate-limit 8). Without REDIS_URL, limits are
 * counted in this process's memory: behind nginx with several instances, each
 * counts alone (a visitor gets at most N × instances). With REDIS_URL, every
 * limiter built by {@link limiterFactory} counts in Redis (rate-limit-redis
 * over ioredis; one key prefix per limiter), so a limit holds across
 * instances. The download limits are counted in the database (src/downloads).
 * Beyond a limit the request becomes a RateLimitedError: a translated 429
 * page, or the API's JSON error, with Retry-After in seconds.
 */
import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { RateLimitedError } from '../errors/index.js';

export interface LimitOptions {
  /** Window length in seconds. */
  windowSeconds: number;
  /** Requests allowed per IP in one window. */
  limit: number;
  /** Only count requests with these methods (default: all). */
  methods?: string[];
  /**
   * Count only requests answered below 400 (default false: count all): a
   * form re-rendered with field errors (422), refused (403) or itself
   * limited (429) costs the visitor nothing.
   */
  successfulOnly?: boolean;
  /** Where hits are counted (default: this process's memory). */
  store?: Store;
}

/** Builds the app's limiters; `name` tells limiters apart in a shared store (a Redis key prefix). */
export type LimiterFactory = (name: string, opts: LimitOptions) => RequestHandler;

/**
 * The app's limiter factory: with `redis`, each limiter counts in Redis under `<prefix>rl:<name>:`, shared by every
 * instance using the same Redis and prefix; without it, in memory (perIpLimiter).
 */
export function limiterFactory(redis?: Redis, prefix = ''): LimiterFactory {
  if (!redis) return (_name, opts) => perIpLimiter(opts);
  return (name, opts) => perIpLimiter({ ...opts, store: new RedisStore({
    prefix: `${prefix}rl:${name}:`,
    sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<RedisReply>,
  }) });
}

/** A limiter keyed by client IP (IPv6 grouped by /56, as ipKeyGenerator does). */
export function perIpLimiter(opts: LimitOptions): RequestHandler {
  return rateLimit({
    windowMs: opts.windowSeconds * 1000,
    limit: opts.limit,
    // draft-7's combined RateLimit header: draft-8 hashes a partition key for every request, a cost on the license hot path.
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    skip: opts.methods ? (req) => !opts.methods!.includes(req.method) : undefined,
    skipFailedRequests: opts.successfulOnly ?? false,
    keyGenerator: (req) => ipKeyGenerator(req.ip ?? '0.0.0.0'),
    // Redis out of reach: requests pass unlimited rather than fail (the license API must keep answering desktop programs).
    ...(opts.store ? { store: opts.store, passOnStoreError: true } : {}),
    handler: (req, _res, next) => {
      const reset = (req as typeof req & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime?.getTime() ?? Date.now() + opts.windowSeconds * 1000;
      next(new RateLimitedError(Math.max(1, Math.ceil((reset - Date.now()) / 1000))));
    },
  });
}
