/**
 * Two-step login pages: enrolment and its recovery codes (the account page's
 * "Enable two-step login"), turning it off, and the login's second step
 * (`/subscription/login/totp`, reached only with a pending login in the session).
 * The QR code is an SVG drawn here and shown as an image data URL: no script.
 */
import type { Request, Response } from 'express';
import QRCode from 'qrcode';
import { actorOf } from '../http/actor.js';
import { flash } from '../http/flash.js';
import { regenerateSession, saveSession } from '../http/session.js';
import type { AccountsService } from './accounts.service.js';
import { landingOf, openLoginSession } from './auth.controller.js';
import type { AuthService } from './auth.service.js';
import { confirmSchema, disableSchema, loginCodeSchema, parseTotpForm } from './totp.schemas.js';
import type { TotpService } from './totp.service.js';

const ACCOUNT_PAGE = '/subscription/account';

/** The manual key in groups of four, as authenticator apps show it. */
function grouped(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

export function createTotpController(accounts: AccountsService, auth: AuthService, totp: TotpService) {
  const renderEnrol = async (req: Request, res: Response, status: number, errors: Record<string, string>): Promise<void> => {
    const enrolment = await totp.enrolment(req.account!);
    if (!enrolment) {
      flash(req, 'info', 'totp:flash.already_on');
      return res.redirect(303, ACCOUNT_PAGE);
    }
    const svg = await QRCode.toString(enrolment.uri, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
    res.set('Cache-Control', 'no-store');
    res.status(status).render('accounts/totp-enrol', {
      title: req.t('totp:enrol.title'), qr: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
      manualKey: grouped(enrolment.secret), errors,
    });
  };

  /** The login waiting for its second step, or null (none, or too old: then forgotten). */
  const pendingOf = (req: Request) => {
    const pending = req.session.totpPending;
    if (pending && totp.pendingLive(pending.until)) return pending;
    delete req.session.totpPending;
    return null;
  };

  const renderLogin = (req: Request, res: Response, status: number, errors: Record<string, string>, notice?: string): void => {
    res.status(status).render('accounts/totp-login', { title: req.t('totp:login.title'), errors, notice });
  };

  const backToLogin = (req: Request, res: Response): void => {
    flash(req, 'info', 'totp:flash.login_again');
    res.redirect(303, '/subscription/login');
  };

  return {
    /** GET /subscription/account/totp */
    enrolForm: (req: Request, res: Response): Promise<void> => renderEnrol(req, res, 200, {}),

    /** POST /subscription/account/totp: the first code turns it on; the recovery codes are shown once, here. */
    confirm: async (req: Request, res: Response): Promise<void> => {
      const parsed = parseTotpForm(confirmSchema, req.body);
      if (!parsed.ok) return renderEnrol(req, res, 422, parsed.errors);
      const codes = await totp.confirm(req.account!, parsed.data.code, actorOf(req));
      if (!codes) return renderEnrol(req, res, 422, { code: 'totp:errors.code_wrong' });
      res.set('Cache-Control', 'no-store');
      res.render('accounts/totp-codes', { title: req.t('totp:codes.title'), codes });
    },

    /** POST /subscription/account/totp/disable: password and a current code. */
    disable: async (req: Request, res: Response): Promise<void> => {
      const parsed = parseTotpForm(disableSchema, req.body);
      if (!parsed.ok) {
        flash(req, 'error', 'totp:flash.disable_missing');
        return res.redirect(303, ACCOUNT_PAGE);
      }
      const outcome = await totp.disable(req.account!, parsed.data.password, parsed.data.code, actorOf(req));
      if (outcome === 'ended') {
        await regenerateSession(req);
        flash(req, 'error', 'accounts.flash.password_attempts');
        return res.redirect(303, '/subscription/login');
      }
      if (outcome === 'off') flash(req, 'info', 'totp:flash.already_off');
      else flash(req, outcome === 'disabled' ? 'success' : 'error', outcome === 'disabled' ? 'totp:flash.disabled' : 'totp:flash.disable_wrong');
      res.redirect(303, ACCOUNT_PAGE);
    },

    /** GET /subscription/login/totp */
    loginForm: (req: Request, res: Response): void => {
      if (!pendingOf(req)) return backToLogin(req, res);
      renderLogin(req, res, 200, {});
    },

    /** POST /subscription/login/totp: the second step; the session is opened (a new id) only now. */
    login: async (req: Request, res: Response): Promise<void> => {
      const pending = pendingOf(req);
      if (!pending) return backToLogin(req, res);
      const parsed = parseTotpForm(loginCodeSchema, req.body);
      if (!parsed.ok) return renderLogin(req, res, 422, parsed.errors);
      const account = await accounts.byId(pending.accountId);
      if (!account || account.state !== 'active') {
        delete req.session.totpPending;
        return backToLogin(req, res);
      }
      const result = await totp.verifyLogin(account, parsed.data.code, { ...actorOf(req), id: account.id, email: account.email });
      if (result !== 'ok') {
        await saveSession(req);
        return renderLogin(req, res, 401, {}, 'totp:login.invalid');
      }
      await openLoginSession(auth, req, account);
      res.redirect(303, landingOf(account, pending.next, false));
    },
  };
}
