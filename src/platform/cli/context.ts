/**
 * What a command-line tool needs: the configuration, a migrated database and
 * the account services, built as the server builds them. `close()` releases
 * the database. Bad configuration: message on stderr, exit code 1.
 */
import path from 'node:path';
import { AccountMails, AccountsService, AuthService } from '../../accounts/index.js';
import { AuditService } from '../../audit/index.js';
import { ConfigError, loadConfig, type Config } from '../../config/index.js';
import { createI18n } from '../../http/i18n.js';
import { systemClock } from '../clock.js';
import { createDb, migrate, type Db } from '../db.js';
import { createLogger } from '../logger.js';
import { createMailer } from '../mailer.js';

export interface CliContext {
  config: Readonly<Config>;
  db: Db;
  accounts: AccountsService;
  audit: AuditService;
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
  await migrate(db, config.database, path.join(config.paths.root, 'db', 'migrations'));
  const mailer = createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, mailDir: config.paths.mail, logger });
  const i18n = createI18n(config.defaultLocale, config.secureCookies);
  const audit = new AuditService(db, systemClock);
  const mails = new AccountMails({ mailer, t: i18n.t, viewsDir: config.paths.views, baseUrl: config.baseUrl, logger });
  // The CLI ends no web session: a session store is the server's.
  const auth = new AuthService({ db, clock: systemClock, audit, mails, logger, sessions: { destroy: async () => undefined } });
  const accounts = new AccountsService({ db, clock: systemClock, audit, mails, auth });
  return { config, db, accounts, audit, close: async () => { mailer.close(); await db.destroy(); } };
}

/** The value of `--name <value>` (or `--name=value`) in argv. */
export function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
}
