/**
 * The session secret: `SESSION_SECRET` when given, otherwise a random 256-bit
 * secret generated once and kept in `<DB_DIR>/session-secret` with mode 0600,
 * so sessions survive restarts without any setup.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './index.js';

/** Return the configured secret, or read (creating on first call) the kept one. */
export function resolveSessionSecret(config: Readonly<Config>, logger: Logger): string {
  if (config.sessionSecret) return config.sessionSecret;
  const file = path.join(config.paths.db, 'session-secret');
  try {
    const kept = fs.readFileSync(file, 'utf8').trim();
    if (kept.length >= 32) return kept;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secret = crypto.randomBytes(32).toString('base64url');
  fs.mkdirSync(config.paths.db, { recursive: true });
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  logger.info({ file }, 'SESSION_SECRET is not set: generated a new session secret and kept it in this file (mode 0600)');
  return secret;
}
