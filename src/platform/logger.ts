/**
 * Application logger (pino, JSON lines on stdout). Request logs come from
 * pino-http (app.ts), whose serializers keep no header and no query string.
 * `redact` also removes any field named password, token, secret, cookie or
 * authorization one level down, should one be logged by mistake.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      // Request lines carry no headers (see the pino-http serializers in app.ts); these catch secrets logged by mistake.
      paths: ['*.password', '*.token', '*.secret', '*.cookie', '*.authorization'],
      censor: '[redacted]',
    },
  });
}
