/**
 * The keys of health, metrics and the HTTPS redirect (read with the others in ./index.ts):
 * READY_MIN_FREE_MB, METRICS_TOKEN, HTTPS_REDIRECT.
 */
import { z } from 'zod';

/** The zod shape of these keys, spread into the configuration's schema. */
export const monitoringKeys = {
  READY_MIN_FREE_MB: z.coerce.number().int().min(0).max(10_000_000).default(200),
  METRICS_TOKEN: z.string().trim().regex(/^[\x21-\x7e]{16,200}$/, '16 to 200 printable characters, no space').optional(),
  HTTPS_REDIRECT: z.enum(['0', '1']).default('0'),
};

type MonitoringKeys = z.infer<z.ZodObject<typeof monitoringKeys>>;

export interface MonitoringConfig {
  /** /readyz answers 503 (reason `disk`) when the data folders' file system has less free space than this (MB). */
  readyMinFreeMb: number;
  /** The bearer token /metrics asks for; undefined: /metrics answers loopback clients only. */
  metricsToken: string | undefined;
  /** The app redirects plain-HTTP requests to https (hosts without nginx; honours TRUST_PROXY). */
  httpsRedirect: boolean;
}

export function monitoringConfig(e: MonitoringKeys): MonitoringConfig {
  return { readyMinFreeMb: e.READY_MIN_FREE_MB, metricsToken: e.METRICS_TOKEN, httpsRedirect: e.HTTPS_REDIRECT === '1' };
}
