/**
 * Application logger (pino, JSON lines on stdout). Request logs come from
 * pino-http in src/http. Secrets never reach it: `redact` removes cookies,
 * authorization headers and any field named password or token.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]', '*.password', '*.token', '*.secret'],
      censor: '[redacted]',
    },
  });
}
