/** What the license server's API receives from src/app.ts. */
import type { AccountsService } from '../accounts/index.js';
import type { AuditService } from '../audit/index.js';
import type { LimiterFactory } from '../http/rate-limit.js';
import type { Config } from '../config/index.js';
import type { IssuerKeys } from '../keys/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import type { ClientKeys } from './client-key.js';
import type { LicensesService } from './licenses.service.js';

export interface LicensesApiDeps {
  config: Readonly<Config>;
  db: Db;
  clock: Clock;
  logger: Logger;
  audit: AuditService;
  accounts: AccountsService;
  keys: IssuerKeys;
  /** The service (built by createApp, which closes it). */
  licenses: LicensesService;
  /** The app's rate limiters (shared by the instances through Redis when configured). */
  limit: LimiterFactory;
  /** The client API keys (src/packages) that trial, activate and validate accept (client-key.ts). */
  clientKeys?: ClientKeys;
}
