/**
 * The maintenance gate, in two places of the chain (app.ts):
 *
 * - `early`, before the page cache: a visitor without a session cookie asking for anything but what keeps working
 *   gets the 503 page at once (a cached page must not be served during maintenance);
 * - `late`, after the account loader: a logged-in partner or customer gets the same page; staff go on everywhere,
 *   and their pages show the "maintenance on" banner (`req.maintenance`, read by src/http/locals.ts).
 *
 * What keeps working (checked on the path): the JSON API (answered before both: the license server, the customer and
 * key-file APIs), gateway webhooks and public keys (also before), health and metrics, static assets, the login page
 * and its form, logout, and /admin (its own guard sends non-staff to the login page).
 */
import type { NextFunction, Request, Response } from 'express';
import { STAFF_ROLES } from '../http/auth.js';
import { normalisedPath } from '../http/error-handler.js';
import { ensureLocals } from '../http/locals.js';
import type { Logger } from '../platform/logger.js';
import type { MaintenanceState } from './maintenance.repository.js';
import type { MaintenanceService } from './maintenance.service.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The maintenance switch when it is on (set by the gate for the pages staff still see), else undefined. */
    maintenance?: MaintenanceState;
  }
}

/** Seconds a visitor is asked to wait (Retry-After). */
export const MAINTENANCE_RETRY_AFTER = 300;

const OPEN_PATHS = [
  /^\/(?:api|webhooks|\.well-known)(?:\/|$)/,
  /^\/(?:healthz|readyz|metrics)$/,
  /^\/(?:css|js|img|vendor|fonts)\//,
  /^\/(?:favicon\.ico|robots\.txt)$/,
  /^\/(?:subscription\/)?login(?:\/|$)/,
  /^\/subscription\/logout$/,
  /^\/admin(?:\/|$)/,
];

/** Whether `url` stays open during maintenance. */
export function openDuringMaintenance(url: string): boolean {
  const p = normalisedPath(url);
  return OPEN_PATHS.some((re) => re.test(p));
}

export interface MaintenanceGate {
  early(req: Request, res: Response, next: NextFunction): Promise<void>;
  late(req: Request, res: Response, next: NextFunction): Promise<void>;
}

/** `hasSession(req)`: whether the request carries the session cookie (the late gate decides for those). */
export function createMaintenanceGate(service: MaintenanceService, hasSession: (req: Request) => boolean, logger: Logger): MaintenanceGate {
  return {
    early: async (req, res, next) => {
      if (hasSession(req) || openDuringMaintenance(req.originalUrl)) return next();
      const state = await service.state();
      if (state.enabled) return renderClosed(req, res, state, logger);
      next();
    },
    late: async (req, res, next) => {
      const state = await service.state();
      if (!state.enabled) return next();
      if (req.account && STAFF_ROLES.includes(req.account.role)) {
        req.maintenance = state;
        return next();
      }
      if (openDuringMaintenance(req.originalUrl)) return next();
      renderClosed(req, res, state, logger);
    },
  };
}

/** The 503 page in the visitor's language, with the message of whoever turned maintenance on. */
function renderClosed(req: Request, res: Response, state: MaintenanceState, logger: Logger): void {
  res.status(503);
  res.setHeader('Retry-After', String(MAINTENANCE_RETRY_AFTER));
  res.setHeader('Cache-Control', 'no-store');
  ensureLocals(req, res);
  res.render('errors/maintenance', { title: '', status: 503, message: state.message }, (err: Error | null, html: string) => {
    if (err) {
      logger.error({ err }, 'maintenance page failed to render');
      res.type('text/plain').send('503');
      return;
    }
    res.send(html);
  });
}
