/**
 * What a command-line tool needs: the configuration, a migrated database and
 * the account services, built as the server builds them. `close()` releases
 * the database. Bad configuration: message on stderr, exit code 1.
 */
import { parseArgs } from 'node:util';
import { AccountMails, AccountsService, AuthService, TotpService } from '../accounts/index.js';
import { AuditService } from '../audit/index.js';
import { ConfigError, loadConfig, type Config } from '../config/index.js';
import { createI18n, type I18n } from '../http/i18n.js';
import { systemClock } from '../platform/clock.js';
import { createDb, migrate, type Db } from '../platform/db.js';
import { createLogger, type Logger } from '../platform/logger.js';
import { createMailer, withHook, type Mailer } from '../platform/mailer.js';
import { NotificationsService } from '../notifications/index.js';

export interface CliContext {
  config: Readonly<Config>;
  db: Db;
  accounts: AccountsService;
  /** Two-step login, without the session secret: a command removes secrets, it never seals one. */
  totp: TotpService;
  /** Logins and sessions (a command ends no web session: the store is the server's). */
  auth: AuthService;
  audit: AuditService;
  mailer: Mailer;
  /** Translations per locale (mails sent by a command). */
  t: I18n['t'];
  logger: Logger;
  close(): Promise<void>;
}

export async function openCli(): Promise<CliContext> {
  let config: Readonly<Config>;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const db = createDb(config.database);
  await migrate(db, config.database, config.paths.migrations);
  // As in the server (app.ts): a mail to an account is kept in its notifications; `accounts` is built below.
  const notifications = new NotificationsService({ db, clock: systemClock, logger, accountOf: (email) => accounts.byEmail(email) });
  const smtp = createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, mailDir: config.paths.mail, logger });
  const mailer = withHook(smtp, (message) => notifications.mirror(message));
  const i18n = createI18n(config.defaultLocale, config.secureCookies);
  const audit = new AuditService(db, systemClock);
  const mails = new AccountMails({ mailer, t: i18n.t, viewsDir: config.paths.views, baseUrl: config.baseUrl, logger });
  // The CLI ends no web session: a session store is the server's.
  const auth = new AuthService({ db, clock: systemClock, audit, mails, logger, sessions: { destroy: async () => undefined } });
  const accounts = new AccountsService({ db, clock: systemClock, audit, mails, auth });
  const totp = new TotpService({ db, clock: systemClock, audit, auth });
  return { config, db, accounts, auth, totp, audit, mailer, t: i18n.t, logger, close: async () => { mailer.close(); await db.destroy(); } };
}

/**
 * The `--name value` (or `--name=value`) string options of a command line,
 * read with node:util parseArgs; an unknown option or a missing value prints
 * `usage` on stderr and exits with code 1.
 */
export function cliOptions<K extends string>(names: readonly K[], usage: string, argv = process.argv.slice(2)): Partial<Record<K, string>> {
  const options = Object.fromEntries(names.map((n) => [n, { type: 'string' as const }]));
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Partial<Record<K, string>>;
  } catch (err) {
    console.error(`${(err as Error).message}\nUsage: ${usage}`);
    process.exit(1);
  }
}
